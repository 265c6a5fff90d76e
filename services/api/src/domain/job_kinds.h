/* Pure rules of delist and update jobs: the names of what an edit changed (update.requested's
 * `changed`, the changed column) as a bit set that merges when edits coalesce, and the body
 * of POST /api/listings/{id}/sold. No I/O: unit-tested in services/api/tests/test_job_kinds.c. */
#ifndef API_JOB_KINDS_H
#define API_JOB_KINDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* What an edit of a listing changed that its postings show. */
enum {
    EDIT_PRICE = 1u << 0,
    EDIT_TITLE = 1u << 1,
    EDIT_DESCRIPTION = 1u << 2,
    EDIT_IMAGES = 1u << 3,
    EDIT_ALL = (1u << 4) - 1,
};

/* The names of mask ("price", "title", "description", "images"), in that order, into names
 * (room for 4). Returns how many. */
size_t edit_changes_names(unsigned mask, const char *names[4]);

/* mask as a PostgreSQL text[] literal ("{price,images}"; "{}" for none) into out. */
void edit_changes_array(unsigned mask, char *out, size_t size);

/* The mask of a comma-separated list of names (unknown names ignored; NULL or "" = 0). */
unsigned edit_changes_parse(const char *csv);

/* The body of POST /api/listings/{id}/sold, every member optional. */
typedef struct {
    int64_t sold_price_cents; /* 0: not given */
    char platform[51];        /* "": not given (sold off the marketplaces we post to) */
} sold_input_t;

/* Parses body (NULL: no body) into in: sold_price ("12.50" or 12.5) or sold_price_cents
 * (an integer), not both, > 0; platform a platform name (^[a-z][a-z0-9_]{0,49}$). Unknown
 * members are refused. Returns 0, or -1 with field (the member at fault) and detail. */
int sold_input_parse(const cJSON *body, sold_input_t *in, char field[64], char *detail,
                     size_t detail_size) __attribute__((warn_unused_result));

#endif
