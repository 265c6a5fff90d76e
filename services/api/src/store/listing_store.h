/* The listings table: its writable columns in one table (listing_store.c), the row the
 * update and post commands lock, and the JSON every listing response shares (the
 * original's fields plus ours), for one listing or a page. */
#ifndef API_LISTING_STORE_H
#define API_LISTING_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "listing_cache.h"
#include "store/store.h"

/* The writable columns, in the order of the table in listing_store.c. */
typedef enum {
    LISTING_TITLE,
    LISTING_DESCRIPTION,
    LISTING_PRICE_CENTS,
    LISTING_MIN_PRICE_CENTS,
    LISTING_CURRENCY,
    LISTING_FLEXIBILITY,
    LISTING_SELLER_NOTES,
    LISTING_CONDITION,
    LISTING_CATEGORY,
    LISTING_LOCATION,
    LISTING_STATUS,
    LISTING_NCOLUMNS
} listing_column_t;

/* Values to write: a column not given keeps its value (update) or its default (insert). */
typedef struct {
    bool given[LISTING_NCOLUMNS];
    const char *text[LISTING_NCOLUMNS]; /* NULL: SQL NULL */
    char num[LISTING_NCOLUMNS][32];     /* storage of numeric values */
} listing_values_t;

void listing_values_text(listing_values_t *v, listing_column_t c, const char *text);
void listing_values_i64(listing_values_t *v, listing_column_t c, int64_t n);
void listing_values_f64(listing_values_t *v, listing_column_t c, double d);

/* What the commands need of a listing they change, locked FOR UPDATE. */
typedef struct {
    int64_t price_cents;
    int64_t min_price_cents; /* 0: no floor */
    char status[16];
    long image_count;
    int next_position; /* after the last image */
} listing_row_t;

/* Inserts a listing; *id receives its id. Returns 0 or -1 (err). */
int listing_store_insert(PGconn *pg, const listing_values_t *v, int64_t *id, store_err_t *err)
    __attribute__((warn_unused_result));

/* Updates the given columns (none given: only updated_at). Returns 0 or -1. */
int listing_store_update(PGconn *pg, int64_t id, const listing_values_t *v, store_err_t *err)
    __attribute__((warn_unused_result));

/* Marks listing id sold (price_cents 0 / platform NULL: not known) now. Returns 0 or -1. */
int listing_store_mark_sold(PGconn *pg, int64_t id, int64_t price_cents, const char *platform,
                            store_err_t *err) __attribute__((warn_unused_result));

/* Sets the status of listing id (deleting, delete_failed...). Returns 0 or -1. */
int listing_store_set_status(PGconn *pg, int64_t id, const char *status, store_err_t *err)
    __attribute__((warn_unused_result));

/* Locks listing id (FOR UPDATE, or FOR SHARE when share) and reads it. Returns 1, 0 when
 * there is no such listing, or -1 (err). */
int listing_store_lock(PGconn *pg, int64_t id, bool share, listing_row_t *row, store_err_t *err)
    __attribute__((warn_unused_result));

/* Which of title, description (NULL: not given) and price_cents (0: not given) differ from
 * listing id's. Returns 0 or -1. */
typedef struct {
    bool price, title, description;
} listing_changes_t;
int listing_store_changes(PGconn *pg, int64_t id, const char *title, const char *description,
                          int64_t price_cents, listing_changes_t *out, store_err_t *err)
    __attribute__((warn_unused_result));

/* Deletes listing id (its image rows go with it); *names (caller frees with
 * store_names_free) receives the stored image names for the files. Returns 1, 0 when there
 * is no such listing, or -1 (err). */
typedef struct {
    char **v;
    size_t n;
} store_names_t;
int listing_store_delete(PGconn *pg, int64_t id, store_names_t *names, store_err_t *err)
    __attribute__((warn_unused_result));
void store_names_free(store_names_t *names);

/* Listing id as JSON (images included). Returns 1, 0 when not found, or -1 (err). */
int listing_store_json(PGconn *pg, int64_t id, store_json_t *out, store_err_t *err)
    __attribute__((warn_unused_result));

/* One page of listings, newest first. */
typedef struct {
    const char *status;  /* NULL: any */
    const char *pattern; /* ILIKE pattern on the title, NULL: any */
    int64_t cursor;      /* ids below this; 0: from the newest */
    int limit;
} listing_page_query_t;

/* The page in the same JSON as listing_store_json gives each listing, and whether another
 * page follows. Each request reads only the page's (id, version) pairs from PostgreSQL and
 * renders just the listings whose rendering at that version cache does not hold (one more
 * query), storing them there. A listing that changes between the two reads is shown as it
 * is in the second; one deleted in between is left out. Returns 0 or -1 (err). */
int listing_store_page(PGconn *pg, listing_cache_t *cache, const listing_page_query_t *q,
                       store_page_t *out, store_err_t *err) __attribute__((warn_unused_result));

#endif
