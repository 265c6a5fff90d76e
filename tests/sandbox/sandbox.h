/* The sandbox marketplace: shared types of its store, pages and HTTP handlers. A small
 * stand-in for Facebook Marketplace's create-item flow, for tests and demos (README.md). */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/imgmeta.h"
#include "common/sbuf.h"

#define SB_MAX_PHOTOS 10
#define SB_MAX_PHOTO_BYTES (30u * 1024u * 1024u)
#define SB_MAX_TITLE 200
#define SB_MAX_DESCRIPTION 10000
#define SB_MAX_FIELD 20000
#define SB_MAX_PRICE_CENTS 100000000000LL /* 1 billion dollars */
#define SB_SESSION_COOKIE "sb_session"
#define SB_MAX_DELAY_MS 120000
#define SB_MAX_MESSAGE 5000 /* bytes of one message's text, after trimming */
#define SB_MAX_BUYER 100    /* bytes of a buyer's name */
#define SB_MAX_THREADS 2000
#define SB_MAX_THREAD_MESSAGES 1000

typedef struct {
    char name[64]; /* generated stored name: "<uuid>.<ext>" */
    char sha256[65];
    size_t bytes;
    imgmeta_t meta;
} sb_photo_t;

typedef struct {
    int64_t id;
    char *title, *description, *condition, *category, *location;
    int64_t price_cents;
    char created_at[32];
    sb_photo_t *photos;
    size_t nphotos;
    char status[12];     /* SB_ACTIVE, SB_SOLD or SB_DELETED */
    char updated_at[32]; /* the last edit or status change ("" when none) */
    int edits;           /* saves of the edit form */
    /* Renewing (facebook-markup.md §2.2): possible SB_RENEW_EVERY_S after the listing or its
     * last renew [S5], SB_RENEW_MAX times [S4]. Wall-clock seconds; a test ages an item by
     * moving them back (POST /_sandbox/items/<id>/age). */
    int64_t listed_s, renewed_s; /* renewed_s 0: never */
    int renew_count;
} sb_item_t;

#define SB_RENEW_EVERY_S (7 * 86400)
#define SB_RENEW_MAX 5

#define SB_ACTIVE "active"
#define SB_SOLD "sold"
#define SB_DELETED "deleted"

/* One message of a Marketplace conversation. */
typedef struct {
    int64_t id;
    bool from_seller;
    char *text;
    char at[32];   /* RFC 3339 UTC with milliseconds */
    int64_t at_ms; /* the same instant, wall clock ms since the epoch */
} sb_message_t;

/* A conversation between the seller and one buyer about one item. */
typedef struct {
    int64_t id;
    int64_t item_id;
    char *item_title;
    char *buyer;
    sb_message_t *messages;
    size_t nmessages, cap;
    size_t seen; /* how many messages the seller had when last opening or sending in it */
} sb_thread_t;

/* Facebook's pages as the public evidence shows them (README "Facebook variants"), switched on
 * and shaped through POST /_sandbox/facebook. Off: the sandbox's own pages. */
typedef struct {
    bool on;
    char category[12];  /* the Category picker: "dialog", "chips" or "drilldown" */
    bool more_details;  /* Description behind a collapsed "More details" */
    bool extra_steps;   /* delivery and offer pages between the form and Publish */
    bool leave_page;    /* a "Leave Page" dialog after Publish, which must be confirmed */
    bool land_on_item;  /* Publish lands on the item page (else on Your listings) */
    bool monthly_limit; /* the form shows the monthly limit banner and cannot be sent */
    bool blocked;       /* the create page says the account is temporarily blocked */
    bool edit_link;     /* Your listings: the id only in each card's "Edit Listing" link
                         * (listing_id=), a click on a card opens no panel */
} sb_fb_t;

typedef enum { SB_OK = 0, SB_NO_ITEM, SB_NO_THREAD, SB_FULL, SB_REFUSED } sb_status_t;

typedef struct {
    pthread_mutex_t mu;
    sb_item_t **items;
    size_t nitems, cap;
    int64_t next_id;
    bool login_wall;
    bool checkpoint;
    int publish_delay_ms; /* wait after storing a published item, before answering */
    int page_delay_ms;    /* wait before answering any marketplace page */
    char **sessions;      /* valid login tokens while the wall is on */
    size_t nsessions;
    char *photo_dir;       /* <data dir>/photos */
    sb_thread_t **threads; /* id order */
    size_t nthreads, threads_cap;
    int64_t next_thread_id, next_message_id;
    int send_failures; /* the next seller sends that fail (a test switch) */
    sb_fb_t fb;
    char *refuse_error; /* every publish is refused with this message (a test switch), or NULL */
} sb_store_t;

/* Category groups as shown by the Category combobox; NULL-terminated option lists. */
typedef struct {
    const char *group;
    const char *options[8];
} sb_category_group_t;

extern const sb_category_group_t SB_CATEGORIES[];
extern const size_t SB_NCATEGORY_GROUPS;
extern const char *const SB_CONDITIONS[];
extern const size_t SB_NCONDITIONS;

/* ---- store.c: in-memory items and flags; every function is thread-safe ---- */

/* Creates <data_dir>/photos. Returns 0 or -1 with errstr. */
int sb_store_init(sb_store_t *st, const char *data_dir, char *errstr, size_t errstr_size);
void sb_store_destroy(sb_store_t *st);
/* Takes ownership of item, assigns and returns its id. */
int64_t sb_store_add(sb_store_t *st, sb_item_t *item);
/* Deep copy of one item (caller sb_item_free()s), or NULL when absent. */
sb_item_t *sb_store_get(sb_store_t *st, int64_t id);
/* Deep copies of all items in id order; caller frees with sb_items_free. */
void sb_store_list(sb_store_t *st, sb_item_t ***items, size_t *n);
void sb_items_free(sb_item_t **items, size_t n);
void sb_item_free(sb_item_t *item);
/* Sets an item's status (SB_ACTIVE, SB_SOLD, SB_DELETED). A deleted item stays deleted:
 * SB_NO_ITEM for it as for an unknown id. */
sb_status_t sb_store_set_status(sb_store_t *st, int64_t id, const char *status);
/* An edit: the item takes edit's text fields, price and photos (edit->photos, which the
 * store takes over; kept photos are listed there by name too). Photo files of the old list
 * that are not in the new one are deleted. SB_NO_ITEM for an unknown or deleted item. */
sb_status_t sb_store_edit(sb_store_t *st, int64_t id, sb_item_t *edit);
/* Forgets all items (deleting their photo files), sessions and switches. */
void sb_store_reset(sb_store_t *st);

/* Seconds until live item it may be renewed again (0: now; -1: never, SB_RENEW_MAX reached). */
int64_t sb_item_renew_wait_s(const sb_item_t *it);
/* Renews item id: SB_OK, SB_NO_ITEM, or SB_REFUSED (not yet, or no more renewals). */
sb_status_t sb_store_renew(sb_store_t *st, int64_t id);
/* Moves item id's listing and last renew days back (a test's way to let time pass). */
sb_status_t sb_store_age(sb_store_t *st, int64_t id, int days);
/* Login wall: turning it on (again) logs every browser out. */
void sb_store_set_login_wall(sb_store_t *st, bool on);
/* Makes every publish fail with message (copied; NULL: publishes work again), as a marketplace
 * refuses what its own rules forbid. Thread-safe. */
void sb_store_set_refuse(sb_store_t *st, const char *message);
/* The refusal message into out ("" when none). Thread-safe. */
void sb_store_refuse(sb_store_t *st, char *out, size_t size);
void sb_store_set_checkpoint(sb_store_t *st, bool on);
/* Simulated slowness (milliseconds, clamped to 0..120000). */
void sb_store_set_delays(sb_store_t *st, int publish_ms, int page_ms);
void sb_store_delays(sb_store_t *st, int *publish_ms, int *page_ms);
void sb_store_flags(sb_store_t *st, bool *login_wall, bool *checkpoint, size_t *nitems);
/* The Facebook variant switches (a copy) and their update. */
sb_fb_t sb_store_fb(sb_store_t *st);
void sb_store_set_fb(sb_store_t *st, const sb_fb_t *fb);
/* Registers a new login token into out[UUID_STR_LEN]. */
void sb_store_session_new(sb_store_t *st, char *out);
/* Whether a request with this session token (may be NULL) may pass the login wall. */
bool sb_store_logged_in(sb_store_t *st, const char *token);
/* JSON of an item for the control API (caller cJSON_Delete()s). */
cJSON *sb_item_json(const sb_item_t *item);

/* ---- threads.c: the seller inbox's conversations (same mutex as the store) ---- */

/* Appends a buyer message to the thread of (item, buyer), created when missing. Returns
 * SB_OK with both ids, SB_NO_ITEM or SB_FULL (too many threads or messages). */
sb_status_t sb_store_buyer_message(sb_store_t *st, int64_t item_id, const char *buyer,
                                   const char *text, int64_t *thread_id, int64_t *message_id);
/* Appends a seller message and marks the thread read; *out is a copy (free out->text).
 * Returns SB_OK, SB_NO_THREAD, SB_FULL or SB_REFUSED (a failure asked for by the test
 * switch below: nothing is stored). */
sb_status_t sb_store_seller_message(sb_store_t *st, int64_t thread_id, const char *text,
                                    sb_message_t *out);
/* Makes the next n seller sends fail (0..1000); returns how many are pending. */
int sb_store_set_send_failures(sb_store_t *st, int n);
/* Deep copy of a thread (caller sb_thread_free()s) or NULL; mark_read: the seller opened it. */
sb_thread_t *sb_store_thread(sb_store_t *st, int64_t id, bool mark_read);
/* Deep copies of every thread in id order; caller frees with sb_threads_free. */
void sb_store_threads(sb_store_t *st, sb_thread_t ***threads, size_t *n);
void sb_threads_free(sb_thread_t **threads, size_t n);
void sb_thread_free(sb_thread_t *t);
/* Frees every thread; the caller holds st->mu (reset, destroy). */
void sb_threads_clear_locked(sb_store_t *st);
/* Whether a buyer message came after the seller last opened or answered the thread. */
bool sb_thread_unread(const sb_thread_t *t);
/* Wall clock ms of the last message (0 for none). */
int64_t sb_thread_last_ms(const sb_thread_t *t);
cJSON *sb_thread_json(const sb_thread_t *t);
/* Checks a trimmed message text: NULL when fine, else why not (for "text: <why>"). */
const char *sb_message_text_problem(const char *text);
/* Checks a trimmed buyer name the same way. */
const char *sb_buyer_problem(const char *buyer);

/* The running app: civetweb's cbdata. */
typedef struct {
    sb_store_t store;
    char *data_dir;
} sb_app_t;

struct mg_context;
struct mg_connection;
/* ---- handlers.c: registers every route on ctx (app must outlive the server) ---- */
void sb_handlers_mount(struct mg_context *ctx, sb_app_t *app);
/* Response helpers shared with inbox_handlers.c; each returns the status sent. */
int sb_send_html(struct mg_connection *conn, int status, char *html);  /* takes html */
int sb_send_json(struct mg_connection *conn, int status, cJSON *root); /* takes root */
int sb_send_json_error(struct mg_connection *conn, int status, const char *message);
int sb_send_redirect(struct mg_connection *conn, int status, const char *location,
                     const char *extra_headers);
/* The whole body if at most max bytes (caller frees), else NULL. */
char *sb_read_body(struct mg_connection *conn, size_t max, size_t *len);
/* A text field without surrounding white space, CRLF turned into LF. Caller frees. */
char *sb_trimmed(const char *s);

/* ---- inbox_handlers.c: the inbox pages and buyer routes; 0 when the path is not theirs ---- */
/* /_sandbox/items/<id>/messages, /_sandbox/threads[/<id>] (never behind the wall). */
int sb_inbox_control(struct mg_connection *conn, sb_app_t *app, const char *method,
                     const char *path);
/* /marketplace/inbox, /marketplace/t/<id>/[send], /marketplace/item/<id>/message (gated). */
int sb_inbox_page(struct mg_connection *conn, sb_app_t *app, const char *method, const char *path);

/* ---- pages.c: HTML; every function returns a malloc'd NUL-terminated page ---- */

/* Formats cents as Facebook shows prices: "$1,299.99", "$800", "Free". */
void sb_price_format(int64_t cents, char *out, size_t size);
/* Parses "799.99", "$1,299", "800" into cents. Returns 0 or -1 (not a price). Pure. */
int sb_price_parse(const char *text, int64_t *cents);
bool sb_category_valid(const char *category);
bool sb_condition_valid(const char *condition);

char *sb_page_index(void);
char *sb_page_create(void);
/* The edit form of an item, pre-filled (/marketplace/edit/?listing_id=<id>). */
char *sb_page_edit(const sb_item_t *item);
/* The form's data (categories, conditions, places) and its script, inside a <script>. */
void sb_form_script(sbuf_t *b);
/* alert: an error of the "Message seller" box or NULL; sent_thread: > 0 after a send. */
char *sb_page_item(const sb_item_t *item, const char *alert, int64_t sent_thread);
/* "Your listings" with each item's actions (seller_pages.c); deleted items are left out.
 * fb (NULL: the sandbox's own page; else fb->on): Facebook's cards (div[role=button]
 * [aria-label=<title>], no item link; a click opens a panel with the link, or with
 * fb->edit_link nothing, and each card's row has an "Edit Listing" link with listing_id=);
 * title_search (NULL: all) filters by title like Facebook's. */
char *sb_page_selling(sb_item_t *const *items, size_t n, const sb_fb_t *fb,
                      const char *title_search);

/* ---- fb_pages.c: Facebook's create page in its variants, the block and limit pages ---- */
char *sb_page_fb_create(const sb_fb_t *fb);
char *sb_page_fb_blocked(void);
/* The 26 top-level categories of Facebook's picker (NULL-terminated). */
extern const char *const SB_FB_CATEGORIES[];
/* Parses a POST /_sandbox/facebook body into fb (fields absent keep their value). Returns 0
 * or -1 with the reason in error. */
int sb_fb_parse(const char *body, size_t len, sb_fb_t *fb, char *error, size_t error_size);
cJSON *sb_fb_json(const sb_fb_t *fb);
char *sb_page_login(const char *next, const char *error);
char *sb_page_checkpoint(void);
char *sb_page_message(const char *title, const char *message);

/* Shared page pieces for inbox_pages.c. */
void sb_html_esc(sbuf_t *b, const char *s);
void sb_page_head(sbuf_t *b, const char *title);
char *sb_page_end(sbuf_t *b);

/* ---- seller_handlers.c: mark sold / available, delete, edit (behind the gate) ---- */
/* POST /marketplace/item/<id>/(sold|available|delete), GET/POST /marketplace/edit/?listing_id=
 * Returns the status sent, or 0 when the path is not theirs. */
int sb_seller_page(struct mg_connection *conn, sb_app_t *app, const char *method, const char *path);
/* POST /_sandbox/items/<id>/status {"status": ...} and /age {"days": N} (control); 0 when
 * not its path. */
int sb_seller_control(struct mg_connection *conn, sb_app_t *app, const char *method,
                      const char *path);
/* The multipart create / edit form, parsed (handlers.c): fields into item (title, price, ...),
 * new photos stored under their final names into item->photos, the kept photos' names
 * (edit form) appended to keep. Returns 0, or the HTTP status with the reason in error. */
int sb_read_item_form(struct mg_connection *conn, sb_app_t *app, sb_item_t *item, char ***keep,
                      size_t *nkeep, char *error, size_t error_size);
/* Deletes the photo files of item (a refused form's). */
void sb_item_unlink_photos(sb_app_t *app, const sb_item_t *item);
/* Answers a refused form: the page titled title with the error (status sent). */
int sb_form_refused(struct mg_connection *conn, int status, const char *title, const char *error);
/* Parses a positive id followed by nothing or "/". Returns 0 or -1. */
int sb_parse_id(const char *s, int64_t *id);

/* ---- inbox_pages.c ---- */
/* The inbox (open == NULL) or a thread page (open: the thread shown beside the list). */
char *sb_page_inbox(sb_thread_t *const *threads, size_t n, const sb_thread_t *open, int64_t now_ms);
/* One message row of a thread page (also sent back to the page after a send). Caller frees. */
char *sb_message_row_html(const char *buyer, const sb_message_t *m);

#endif
