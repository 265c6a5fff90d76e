/* A marketplace inbox driven through a browser: one account's WebDriver session on its seller
 * inbox, run by an inbox recipe (recipes/inbox/<platform>.json; format in
 * recipes/inbox/README.md). The recipe says how to reach the inbox, how to open a thread and
 * how to type and send; JavaScript run over WebDriver reads the thread list and the messages
 * as JSON, which this module validates before the caller sees it.
 *
 * Errors: every call that can fail fills an inbox_error_t. code is one of
 *   login_required  the page is a login wall (message: where, and the remedy to run);
 *                   not retryable: the user must log in first
 *   timeout         a wait ran out (the page did not show what the recipe waits for)
 *   recipe_failed   a step failed (selector not found, unexpected URL, ...)
 *   bad_result      a recipe script returned JSON of the wrong shape (message names the
 *                   index and the field: "list_threads: [2].thread_id: missing")
 *   script_error    a recipe script threw (message: the browser's error)
 *   browser_error   the browser session is gone or unreachable: close and open a new one
 *   thread_not_found the marketplace says the thread does not exist (the recipe's
 *                   open_thread.not_found_selectors); not retryable
 *   profile_busy    the account's profile stayed locked by another process (inbox_open)
 *   not_verified    inbox_send: the text was sent but no seller bubble with it appeared
 *   interrupted     *stop was set
 *   bad_request     a bad argument (empty text, no thread url)
 * retryable says whether the same call may simply be tried again later.
 *
 * Threading: an inbox_t is used by one thread at a time; distinct inboxes are independent. */
#ifndef BROWSER_INBOX_H
#define BROWSER_INBOX_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "browser/hooks.h"
#include "common/webdriver.h"

typedef struct inbox_recipe_set inbox_recipe_set_t;
typedef struct inbox_recipe inbox_recipe_t;
typedef struct inbox inbox_t;

typedef struct {
    char code[32];
    char message[1024];
    bool retryable;
} inbox_error_t;

/* ---- recipes ----------------------------------------------------------------------------- */

/* Loads every *.json of dir (sorted by name) as an inbox recipe; the platform is the file
 * name without .json. A bad file fails the whole load with errstr naming the file, the
 * section, the step and the field ("sandbox.json: send: step 2 (click): selector: ...").
 * The environment variable named by a recipe's base_url_env, when set, replaces its base_url
 * (FACEBOOK_URL=<sandbox> in demo mode). Returns a set (free with inbox_recipe_set_free) or
 * NULL. */
inbox_recipe_set_t *inbox_recipe_set_load(const char *dir, char *errstr, size_t errstr_size);
void inbox_recipe_set_free(inbox_recipe_set_t *set);

/* The recipe of a platform, or NULL. Thread-safe (the set is read-only after load). */
const inbox_recipe_t *inbox_recipe_find(const inbox_recipe_set_t *set, const char *platform);

/* The platforms of the set, ", "-separated, into out ("none" when empty). */
void inbox_recipe_names(const inbox_recipe_set_t *set, char *out, size_t size);

/* ---- a session ----------------------------------------------------------------------------- */

typedef struct {
    int64_t account_id;      /* for the login remedy and logs */
    wd_config_t wd;          /* backend, endpoint, headless, Browserbase keys...; wd.profile_dir is
                              * ignored: see profile_dir */
    const char *profile_dir; /* WD_LOCAL: the account's Chromium profile (created if missing),
                              * locked for the whole session (profile_lock.h) so no poster job
                              * or second monitor uses it meanwhile; NULL: a fresh temporary
                              * profile (the sandbox needs no login) */
    int64_t profile_lock_timeout_ms;   /* how long inbox_open waits for the profile; 0: 30000 */
    int64_t call_timeout_ms;           /* bound of one list/read/send call; 0: 60000 */
    const volatile sig_atomic_t *stop; /* set: calls return "interrupted" at the next wait */
    const char *login_remedy;          /* what a login_required error tells the user; NULL: "Log in
                                        * once with: byebuy-login --platform P --account N ..." */
    browser_log_fn log;                /* progress lines (browser/hooks.h); may be NULL */
    void *log_ctx;
    browser_shot_fn shot; /* failure screenshots (browser/hooks.h); NULL: none taken */
    void *shot_ctx;
} inbox_open_opts_t;

/* Locks the profile (WD_LOCAL with profile_dir), ends a Chromium orphaned on it, opens a
 * WebDriver session. No page is loaded yet. Returns the inbox (close with inbox_close) or NULL
 * with err (profile_busy, browser_error, interrupted). r, and the strings o->wd and o->stop
 * point to, must outlive the inbox (profile_dir and login_remedy are copied). */
inbox_t *inbox_open(const inbox_recipe_t *r, const inbox_open_opts_t *o, inbox_error_t *err);

/* Ends the session (Chromium writes the profile to disk) and releases the profile. Accepts
 * NULL. */
void inbox_close(inbox_t *ib);

/* Whether a poster job (or another process) is waiting for this inbox's profile: close the
 * inbox after the current cycle and open it again a little later (a second or more: the waiter
 * polls every 100 ms and must get its turn; inbox_open then waits for the profile). False
 * without a profile. Cheap (one directory read). */
bool inbox_profile_wanted(const inbox_t *ib);

/* ---- threads and messages ---------------------------------------------------------------- */

typedef struct {
    char *thread_id;     /* stable id of the conversation on the marketplace (never empty) */
    char *url;           /* absolute URL that opens it (never empty) */
    char *buyer_id;      /* may be NULL (Facebook shows no buyer id in the list) */
    char *buyer_name;    /* never NULL, may be "" */
    char *listing_title; /* may be NULL */
    char *item_url;      /* link to the listing, may be NULL */
    char *preview;       /* last message as the list shows it, never NULL, may be "" */
    bool unread;
} inbox_thread_t;

typedef struct {
    inbox_thread_t *items;
    size_t n;
} inbox_threads_t;

typedef enum { INBOX_FROM_BUYER, INBOX_FROM_SELLER } inbox_from_t;

typedef struct {
    inbox_from_t from;
    char *text; /* never NULL; whitespace as the page shows it (the recipe's script trims) */
    char *at;   /* the time as the page shows it ("2026-12-07T05:01:02Z", "4:05 PM"), or NULL */
} inbox_message_t;

typedef struct {
    inbox_message_t *items; /* oldest first, as shown; UI noise (system lines) already dropped by
                             * the recipe's script */
    size_t n;
    char *item_url;      /* the listing the thread is about, when the thread page links it
                          * (absolute URL), else NULL: match listings by it before the title */
    char *listing_title; /* the listing's title as the thread page shows it, or NULL */
} inbox_messages_t;

/* Opens the inbox (the recipe's list_threads steps) and reads the thread list. Fills out
 * (free with inbox_threads_free; zeroed on error). Returns 0 or -1 with err. */
int inbox_list_threads(inbox_t *ib, inbox_threads_t *out, inbox_error_t *err);

/* Opens a thread and reads its messages. url is the thread's URL from the list; NULL: the
 * recipe's open_thread.url template with {{thread.id}} (e.g. "{{base_url}}/marketplace/t/
 * {{thread.id}}/"). Fills out (free with inbox_messages_free). Returns 0 or -1 with err. The
 * same thread_id/url rule holds for inbox_already_sent and inbox_send. */
int inbox_read_thread(inbox_t *ib, const char *thread_id, const char *url, inbox_messages_t *out,
                      inbox_error_t *err);

/* Whether text was already sent: opens the thread and looks at the seller messages after the
 * last buyer message (the trailing seller bubbles); *sent is true when one of them equals text
 * (whitespace-collapsed, exact otherwise). For a redelivered message.send: check first, send
 * only when false. messages (may be NULL) receives the thread as read (free with
 * inbox_messages_free). Returns 0 or -1 with err. */
int inbox_already_sent(inbox_t *ib, const char *thread_id, const char *url, const char *text,
                       bool *sent, inbox_messages_t *messages, inbox_error_t *err);

/* Opens the thread (unless the page already shows it), counts the seller messages equal to
 * text (the recipe's verify script), types text into the composer and sends it (the recipe's
 * send steps), then polls the verify script until that count has grown: the new bubble is
 * there. Returns 0 once verified; messages (may be NULL) then receives the thread read after
 * the send (its last seller message equal to text is the bubble verified: the caller
 * fingerprints it). -1 with err otherwise: not_verified when the send steps ran but no new
 * bubble appeared (the text may or may not have gone out: check with inbox_already_sent before
 * trying again). text must be non-empty; newlines become line breaks where the composer
 * accepts them (typed as Shift+Enter). Texts are compared whitespace-collapsed. */
int inbox_send(inbox_t *ib, const char *thread_id, const char *url, const char *text,
               inbox_messages_t *messages, inbox_error_t *err);

void inbox_threads_free(inbox_threads_t *t);
void inbox_messages_free(inbox_messages_t *m);

/* "buyer" / "seller". */
const char *inbox_from_name(inbox_from_t from);

#endif
