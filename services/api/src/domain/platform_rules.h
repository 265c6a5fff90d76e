/* What each marketplace accepts, checked when a listing is posted (POST /api/listings/{id}/post)
 * so that a listing the marketplace would refuse gets a 422 naming the field at once, not a
 * job that fails half a minute later behind a screenshot. One table, one row per platform. */
#ifndef API_PLATFORM_RULES_H
#define API_PLATFORM_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "common/event.h"

typedef struct {
    const char *platform;
    size_t title_max;       /* characters (code points); 0: no limit of its own */
    size_t description_max; /* characters; 0: no limit of its own */
    size_t photos_min;
    size_t photos_max; /* 0: no limit of its own */
    int64_t price_min_cents;
    int64_t price_max_cents;       /* 0: no limit of its own */
    const char *const *categories; /* NULL-terminated; NULL: any (the poster picks one) */
} platform_rules_t;

/* The rules of platform, or NULL for a platform without a row (nothing is checked). Pure. */
const platform_rules_t *platform_rules_find(const char *platform);

/* Checks listing l (its images counted) against rules. Returns 0, or -1 with the field at
 * fault ("title", "description", "images", "price", "category") in field and a sentence
 * naming the platform and the limit in detail. Pure, thread-safe. */
int platform_rules_check(const platform_rules_t *rules, const ev_listing_t *l, char *field,
                         size_t field_size, char *detail, size_t detail_size)
    __attribute__((warn_unused_result));

#endif
