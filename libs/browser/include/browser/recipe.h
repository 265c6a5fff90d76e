/* Browser recipes: the JSON files that tell the runner how to drive one marketplace (steps,
 * semantic selectors, templates, login detection). Two kinds: a posting recipe
 * (services/poster/recipes, RECIPES_DIR) posts a listing; an inbox recipe (recipes/inbox)
 * has sections to list threads, open one and read its messages, send and verify a message
 * (format: recipes/inbox/README.md). This module parses and validates them and holds the pure
 * helpers the runner uses: template rendering, selector compilation to XPath/CSS, and fuzzy
 * option matching. */
#ifndef BROWSER_RECIPE_H
#define BROWSER_RECIPE_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/event.h"

typedef enum {
    STEP_GOTO,
    STEP_WAIT_FOR,
    STEP_FILL,
    STEP_UPLOAD,
    STEP_CHOOSE_OPTION,
    STEP_CLICK,
    STEP_EXPECT_URL,
    STEP_READ_URL,
    STEP_FIND_EXISTING,
    STEP_SCREENSHOT,
    STEP_SLEEP,
    STEP_READ_TEXT,
    STEP_PRESS,
} recipe_step_kind_t;

/* A selector compiled for WebDriver: `using` is "xpath" or "css selector". */
typedef struct {
    char *using;
    char *value;
    char *describe; /* for logs: `label "Title"` */
    cJSON *tmpl;    /* the selector object when one of its strings is a template ("Mark as
                     * sold {{page.title}}"): rendered and compiled again for each run */
} recipe_selector_t;

typedef struct {
    recipe_step_kind_t kind;
    char *describe;            /* "fill Title", for the job log */
    bool optional;             /* a failure logs a warning and the recipe goes on */
    int retryable;             /* a failure's retryable flag: -1 as classified, 0 no, 1 yes */
    int timeout_ms;            /* bound of the step's waits */
    recipe_selector_t sel;     /* the element: wait_for, fill, upload, click, choose_option
                                * (the opener), find_existing (one listing on the page) */
    recipe_selector_t options; /* choose_option: the options; find_existing: the ready marker;
                                * click: "until", what the clicks must lead to */
    bool has_sel, has_options;
    char *url;           /* goto, find_existing (template) */
    char *value;         /* fill: the text; choose_option: the option text; find_existing: the
                          * title to match (templates) */
    char *fallback;      /* choose_option: option text used when nothing matches (template) */
    char *files;         /* upload: "{{listing.images}}" */
    bool clear;          /* fill: clear the field first (default true) */
    char *key_after;     /* fill: WebDriver key sent after the text ("\uE004" Tab, ...) */
    bool type_to_filter; /* choose_option: type the option text into the opener first */
    bool first_if_none;  /* choose_option: take the first option when nothing matches */
    double min_score;    /* choose_option: fuzzy threshold (default 0.6) */
    bool match_price;    /* find_existing: the item text must also show the price */
    bool required;       /* find_existing: reload until found (after publishing), else fail */
    char **contains;     /* expect_url / read_url: URL substrings that must appear */
    size_t ncontains;
    char **not_contains; /* ... and must not */
    size_t nnot_contains;
    char *id_after; /* read_url / find_existing: external_id is the URL part after this */
    regex_t *id_re; /* read_url / find_existing (id_pattern): external_id is its first capture
                     * group that matched, in the URL or in the id_from attribute */
    recipe_selector_t id_from; /* find_existing: the element of a link-less card (it, inside
                                * it, or in the nearest ancestor holding one) ... */
    bool has_id_from;
    char *id_attr;  /* ... and its attribute the id is read from ("href", "data-...") */
    char *item_url; /* find_existing: the listing's URL made from the id (template, "{id}") */
    char *name;     /* screenshot: name part of the file; read_text: the variable (page.<name>) */
    int sleep_ms;   /* sleep */
    bool all;       /* click: every visible match, until none is left (none at all is fine) */
    bool absent;    /* wait_for: until no match is visible (a dialog closed, a card removed) */
    char **keys;    /* press: WebDriver key values pressed in turn (ArrowDown, Enter, ...) */
    size_t nkeys;
    int max_clicks;         /* click with until: at most this many clicks (a variable number of
                             * pages, each with its own Next) */
    int levels;             /* choose_option: how many nested lists may open in turn (drill-down) */
    recipe_selector_t link; /* find_existing: the item link that shows after clicking a card
                             * without one ("open the card and read the link") */
    bool has_link;
    bool url_unknown_ok; /* find_existing before submitting: a matching card whose URL cannot be
                          * read still counts as posted ("exists, URL unknown") */
    char **when_changed; /* update section: the step runs only when the update changes one of
                          * these listing fields ("price", "images", ...) */
    size_t nwhen_changed;
} recipe_step_t;

typedef enum { RECIPE_POSTING, RECIPE_INBOX } recipe_kind_t;

/* Template variables a section may use, beside base_url, platform, account_id and job.*. */
enum {
    RECIPE_SCOPE_THREAD = 1,      /* inbox: thread.id, thread.url */
    RECIPE_SCOPE_MESSAGE = 2,     /* inbox: message.text */
    RECIPE_SCOPE_LISTING = 4,     /* posting steps and update: listing.* */
    RECIPE_SCOPE_POSTING = 8,     /* delist, update, renew: posting.external_url, external_id */
    RECIPE_SCOPE_DELIST = 16,     /* delist: delist.reason */
    RECIPE_SCOPE_SECTION = 0x100, /* set while parsing: only the bits above are known */
};

/* One section of an inbox recipe: steps to run, then a script (JavaScript run over WebDriver
 * execute/sync) whose JSON result the inbox module validates. */
typedef struct {
    recipe_step_t *steps;
    size_t nsteps;
    char *script;   /* the body of a function; NULL when the section has none */
    char *url;      /* open_thread: the URL of a thread from its id (template), or NULL */
    int timeout_ms; /* verify: how long the script is polled after a send */
    recipe_selector_t *error_sels; /* verify: any of them visible = the send was refused */
    size_t nerror_sels;
    recipe_selector_t *not_found_sels; /* open_thread: any of them visible = no such thread */
    size_t nnot_found_sels;
} recipe_section_t;

typedef struct {
    recipe_section_t list_threads; /* steps to the inbox, script -> [{thread_id, ...}] */
    recipe_section_t open_thread;  /* steps to a thread, script -> [{from, text, at}] */
    recipe_section_t send;         /* steps that type {{message.text}} and send it */
    recipe_section_t verify;       /* script(text) -> how many seller messages have the text */
} recipe_inbox_t;

/* A posting recipe's "delist" section: take a live posting off the marketplace. */
typedef struct {
    recipe_step_t *steps; /* delete it (reason "deleted", and "sold" without mark_sold) */
    size_t nsteps;
    recipe_step_t *mark_sold; /* reason "sold", where the marketplace can mark it sold; or NULL */
    size_t nmark_sold;
    recipe_selector_t *gone; /* any visible: the listing is no longer there (success) */
    size_t ngone;
    recipe_selector_t *already_sold; /* reason "sold": any visible = it is marked sold already */
    size_t nalready_sold;
} recipe_delist_t;

/* A posting recipe's "update" section: bring a live posting in line with its listing. */
typedef struct {
    recipe_step_t *steps;
    size_t nsteps;
} recipe_update_t;

/* A posting recipe's "renew" section: renew a live posting (bring it to the top again). */
typedef struct {
    recipe_step_t *steps;
    size_t nsteps;
    recipe_selector_t *not_yet; /* any visible before the renew: the marketplace does not allow
                                 * it yet (Facebook: every 7 days) */
    size_t nnot_yet;
    char *not_yet_message; /* what the seller is told then ("Facebook allows a renew every 7
                            * days"); the page's own words are appended */
} recipe_renew_t;

/* Names of the page.* variables of one section (read_text's into), while parsing. */
typedef struct {
    char **names;
    size_t n;
} recipe_page_vars_t;

/* A page that is no login wall but ends the job: the marketplace's monthly limit, a
 * temporary block (recipe "stop_detect"). */
typedef struct {
    recipe_selector_t sel;
    char code[16]; /* "blocked" or "limit_reached" */
    char *remedy;  /* what the user can do, appended to the error */
} recipe_stop_t;

typedef struct {
    recipe_kind_t kind;
    char *platform;     /* from the file name: facebook_marketplace.json -> facebook_marketplace */
    char *path;         /* the file it came from */
    char *base_url;     /* {{base_url}}: the recipe's default, overridden at load */
    char *base_url_env; /* environment variable that overrides base_url ("SANDBOX_URL") */
    char *login_url;    /* template: where byebuy-login opens the browser */
    bool price_whole;   /* {{listing.price}}: whole units (rounded) instead of "12.50" */
    cJSON *maps;        /* {"condition": {"new": "New", ...}, ...} (owned) */
    char **login_url_contains; /* login wall: URL substrings (case-insensitive) */
    size_t nlogin_url_contains;
    recipe_selector_t *login_selectors; /* login wall: any of these visible */
    size_t nlogin_selectors;
    char *login_hint;     /* extra remedy text from the recipe, or NULL */
    recipe_stop_t *stops; /* stop_detect: limits and blocks, checked where login walls are */
    size_t nstops;
    /* "error_text": CSS selectors of the page's own validation messages (role=alert, a
     * field's error text), read into the job's error when a step fails. */
    char **error_text;
    size_t nerror_text;
    recipe_step_t *steps; /* a posting recipe's steps (none for an inbox recipe) */
    size_t nsteps;
    recipe_inbox_t *inbox;        /* RECIPE_INBOX: the sections; NULL otherwise */
    recipe_delist_t *delist;      /* the "delist" section, or NULL (the platform cannot delist) */
    recipe_update_t *update;      /* the "update" section, or NULL (edits are not supported) */
    recipe_renew_t *renew;        /* the "renew" section, or NULL (renewing is not supported) */
    unsigned tmpl_scope;          /* while parsing a section: its RECIPE_SCOPE_* bits */
    recipe_page_vars_t page_vars; /* while parsing a section: page.* set by its read_text */
} recipe_t;

typedef struct {
    recipe_t **items;
    size_t n;
} recipe_set_t;

/* What templates see. listing and base_url may be NULL (a template that names them then
 * renders an error). An inbox run sets the inbox fields instead of req. */
typedef struct {
    const char *base_url;
    const posting_requested_t *req; /* job.*, account_id, listing.* (a delist's has no listing) */
    int64_t account_id;             /* inbox runs ({{account_id}} of a posting comes from req) */
    const char *thread_id;
    const char *thread_url;
    const char *message_text;
    const char *external_url; /* posting.external_url of a delist or update (may be NULL) */
    const char *external_id;  /* posting.external_id */
    const char *reason;       /* delist.reason */
    const cJSON *page;        /* page.<name> read by read_text steps: {"title": "..."} */
} recipe_vars_t;

/* Parses one recipe from JSON text. platform names it; path is only used in messages. Returns
 * a recipe the caller frees with recipe_free, or NULL with errstr naming the file, the step
 * index (1-based, as logged) and the field: "sandbox.json: step 3 (fill): value: unknown
 * template variable listing.titel". Thread-safe. */
recipe_t *recipe_parse(const char *platform, const char *path, const char *json, size_t len,
                       char *errstr, size_t errstr_size);

/* Loads every *.json of dir (sorted by name). A bad file fails the whole load (the service
 * exits): returns -1 with errstr naming the file. An empty directory is an error too. For
 * each recipe the environment variable named by base_url_env, when set, replaces base_url.
 * On success the caller frees set with recipe_set_free. */
int recipe_set_load(const char *dir, recipe_set_t *set, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Parses one inbox recipe (recipe_parse's rules, with the sections instead of steps). Errors
 * name the section: "sandbox.json: send: step 2 (click): selector: ...". */
recipe_t *recipe_parse_inbox(const char *platform, const char *path, const char *json, size_t len,
                             char *errstr, size_t errstr_size);

/* recipe_set_load for either kind; what names dir in errors ("INBOX_RECIPES_DIR"). */
int recipe_set_load_kind(const char *dir, recipe_kind_t kind, const char *what, recipe_set_t *set,
                         char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

/* The recipe of a platform, or NULL. Thread-safe (the set is read-only after load). */
const recipe_t *recipe_set_find(const recipe_set_t *set, const char *platform);

void recipe_free(recipe_t *r);
void recipe_set_free(recipe_set_t *set);

/* Step kind name ("fill") for logs. */
const char *recipe_step_kind_name(recipe_step_kind_t kind);

/* ---- templates --------------------------------------------------------------------------- */

/* Checks a template against the variables and the recipe's maps, without rendering. Returns
 * 0 or -1 with "unknown template variable X" / "unknown map Y" / "unclosed {{" in errstr. */
int recipe_template_check(const recipe_t *r, const char *tmpl, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Renders a template: {{base_url}}, {{listing.id|title|description|price|price_cents|
 * currency|condition|category|location}}, {{job.id}}, {{job.attempt}}, {{account_id}},
 * {{platform}}, {{posting.external_url|external_id}}, {{delist.reason}}, {{page.<name>}}
 * (read_text), each optionally piped through a map of the recipe: {{listing.condition |
 * map:condition}} (a map's "*" entry is its default), and/or | urlencode (percent-encoding for a
 * URL's query: {{listing.title | urlencode}}). Returns a new string (caller frees) or
 * NULL with errstr. Thread-safe. */
char *recipe_render(const recipe_t *r, const char *tmpl, const recipe_vars_t *vars, char *errstr,
                    size_t errstr_size);

/* ---- selectors --------------------------------------------------------------------------- */

/* Compiles one semantic selector object into sel: {"label": "Title"}, {"aria_label": "Next"},
 * {"role": "button", "name": "Next"}, {"text": "Publish"} (+ "contains": true), {"css": "..."},
 * {"xpath": "..."}. Text comparisons are whitespace-normalised and ASCII case-insensitive.
 * Returns 0 or -1 with errstr. The caller frees with recipe_selector_free. */
int recipe_selector_compile(const cJSON *obj, recipe_selector_t *sel, char *errstr,
                            size_t errstr_size) __attribute__((warn_unused_result));
void recipe_selector_free(recipe_selector_t *sel);

/* Checks the strings of a selector object as templates of r (the section being parsed): 0
 * when none is a template, 1 when some are (all valid), -1 with errstr. */
int recipe_selector_template_check(const recipe_t *r, const cJSON *obj, char *errstr,
                                   size_t errstr_size);

/* A templated selector (sel->tmpl) rendered with vars and compiled into out (free with
 * recipe_selector_free). Returns 0 or -1 with errstr. */
int recipe_selector_render(const recipe_t *r, const recipe_selector_t *sel,
                           const recipe_vars_t *vars, recipe_selector_t *out, char *errstr,
                           size_t errstr_size);

/* An XPath 1.0 string literal for s: 'a', "it's", or concat('a', "'", 'b'). Caller frees. */
char *recipe_xpath_literal(const char *s);

/* ---- fuzzy option matching ---------------------------------------------------------------- */

/* Normalises for comparison: ASCII lower-case, spaces, dashes (-, en and em dash), underscores
 * and dots dropped. Caller frees. */
char *recipe_fuzzy_normalize(const char *s);

/* Similarity in [0, 1] of two option texts: 1 when equal after normalising, otherwise the
 * better of a Levenshtein ratio and a containment score (one inside the other). */
double recipe_fuzzy_score(const char *a, const char *b);

/* Index of the option most similar to target with a score >= min_score (the first of equal
 * best), or -1. *best_score (may be NULL) receives the best score seen. */
int recipe_fuzzy_best(const char *target, const char *const *options, size_t n, double min_score,
                      double *best_score);

/* The part of url after marker up to the next '/', '?' or '#' (caller frees), or NULL when
 * the marker is absent or nothing follows it. */
char *recipe_extract_after(const char *url, const char *marker);

/* The external id of text (a URL, or an id_from attribute's value) under st's rule: the
 * first capture group of id_pattern that took part in the match, else the part after
 * extract_id_after; NULL (caller frees otherwise) when the rule finds none or st has no
 * rule. Pure. */
char *recipe_step_id(const recipe_step_t *st, const char *text);

#endif
