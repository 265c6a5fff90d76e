/* Validation of listing fields from a form or a JSON body: the set of known fields, types,
 * lengths, money in exact cents, enums, and the floor rule (min_price <= price). Pure: no
 * I/O, so every rule is unit-tested (services/api/tests/test_listing_input.c). */
#ifndef API_LISTING_INPUT_H
#define API_LISTING_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define LISTING_TITLE_MAX 255
#define LISTING_DESCRIPTION_MAX 10000
#define LISTING_NOTES_MAX 5000
#define LISTING_SHORT_MAX 255

/* One raw input value: form fields are all strings; JSON keeps its types. */
typedef enum { RAW_NULL, RAW_STRING, RAW_NUMBER, RAW_BOOL, RAW_OTHER } raw_kind_t;

typedef struct {
    const char *name;
    raw_kind_t kind;
    const char *s; /* RAW_STRING: NUL-terminated */
    size_t len;
    double num; /* RAW_NUMBER */
    bool b;     /* RAW_BOOL */
} raw_field_t;

/* Parsed fields; has_* says the field was given. Strings are owned (listing_input_free).
 * A string field given empty or null is "cleared" (has_x true, x NULL) where the column is
 * nullable. */
typedef struct {
    bool has_title, has_description, has_price, has_min_price, has_flexibility, has_seller_notes,
        has_condition, has_category, has_location, has_currency, has_status;
    char *title, *description, *seller_notes, *category, *location;
    char condition[16], currency[4], status[16];
    int64_t price_cents;
    int64_t min_price_cents; /* 0 with has_min_price: cleared (the floor is the price) */
    double flexibility;
} listing_input_t;

typedef struct {
    char field[64];
    char detail[256];
} listing_error_t;

/* Parses fields (any order). create: title and price are required and status must be
 * active if given. Unknown fields are refused. Returns 0, or -1 with err naming the field.
 * On failure the input is freed. */
int listing_input_parse(const raw_field_t *fields, size_t n, bool create, listing_input_t *in,
                        listing_error_t *err) __attribute__((warn_unused_result));

/* The same from a JSON object (every member becomes a raw field). */
int listing_input_from_json(const cJSON *obj, bool create, listing_input_t *in,
                            listing_error_t *err) __attribute__((warn_unused_result));

/* The floor rule on the merged values: 1 <= min_price <= price (min 0 = no floor). Returns 0
 * or -1 with err (field min_price). */
int listing_check_floor(int64_t price_cents, int64_t min_price_cents, listing_error_t *err)
    __attribute__((warn_unused_result));

void listing_input_free(listing_input_t *in);

#endif
