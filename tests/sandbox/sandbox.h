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

#define SB_MAX_PHOTOS 10
#define SB_MAX_PHOTO_BYTES (30u * 1024u * 1024u)
#define SB_MAX_TITLE 200
#define SB_MAX_DESCRIPTION 10000
#define SB_MAX_FIELD 20000
#define SB_MAX_PRICE_CENTS 100000000000LL /* 1 billion dollars */
#define SB_SESSION_COOKIE "sb_session"
#define SB_MAX_DELAY_MS 120000

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
} sb_item_t;

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
    char *photo_dir; /* <data dir>/photos */
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
/* Forgets all items (deleting their photo files), sessions and switches. */
void sb_store_reset(sb_store_t *st);
/* Login wall: turning it on (again) logs every browser out. */
void sb_store_set_login_wall(sb_store_t *st, bool on);
void sb_store_set_checkpoint(sb_store_t *st, bool on);
/* Simulated slowness (milliseconds, clamped to 0..120000). */
void sb_store_set_delays(sb_store_t *st, int publish_ms, int page_ms);
void sb_store_delays(sb_store_t *st, int *publish_ms, int *page_ms);
void sb_store_flags(sb_store_t *st, bool *login_wall, bool *checkpoint, size_t *nitems);
/* Registers a new login token into out[UUID_STR_LEN]. */
void sb_store_session_new(sb_store_t *st, char *out);
/* Whether a request with this session token (may be NULL) may pass the login wall. */
bool sb_store_logged_in(sb_store_t *st, const char *token);
/* JSON of an item for the control API (caller cJSON_Delete()s). */
cJSON *sb_item_json(const sb_item_t *item);

/* The running app: civetweb's cbdata. */
typedef struct {
    sb_store_t store;
    char *data_dir;
} sb_app_t;

struct mg_context;
/* ---- handlers.c: registers every route on ctx (app must outlive the server) ---- */
void sb_handlers_mount(struct mg_context *ctx, sb_app_t *app);

/* ---- pages.c: HTML; every function returns a malloc'd NUL-terminated page ---- */

/* Formats cents as Facebook shows prices: "$1,299.99", "$800", "Free". */
void sb_price_format(int64_t cents, char *out, size_t size);
/* Parses "799.99", "$1,299", "800" into cents. Returns 0 or -1 (not a price). Pure. */
int sb_price_parse(const char *text, int64_t *cents);
bool sb_category_valid(const char *category);
bool sb_condition_valid(const char *condition);

char *sb_page_index(void);
char *sb_page_create(void);
char *sb_page_item(const sb_item_t *item);
char *sb_page_selling(sb_item_t *const *items, size_t n);
char *sb_page_login(const char *next, const char *error);
char *sb_page_checkpoint(void);
char *sb_page_message(const char *title, const char *message);

#endif
