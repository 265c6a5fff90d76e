/* The marketplaces' own limits (see platform_rules.h). Sources: docs/architecture.md,
 * "Platform rules"; /work/shared/reference/facebook-markup.md (at most 10 photos, a photo
 * required: "Photos: add at least one photo"), the Facebook sandbox (title over 200
 * characters: "the title is too long"), eBay's Inventory API (title at most 80 characters,
 * at most 24 pictures, at least one). */
#include "domain/platform_rules.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/money.h"
#include "common/utf8.h"

static const platform_rules_t rules[] = {
    {.platform = "facebook_marketplace",
     .title_max = 200,
     .description_max = 10000,
     .photos_min = 1,
     .photos_max = 10,
     .price_min_cents = 0,
     .price_max_cents = 0},
    /* The pipeline's test platform: the same text limits, no photo required (its tests post
     * bare listings). */
    {.platform = "sandbox",
     .title_max = 200,
     .description_max = 10000,
     .photos_min = 0,
     .photos_max = 10},
    {.platform = "ebay",
     .title_max = 80,
     .description_max = 500000,
     .photos_min = 1,
     .photos_max = 24,
     .price_min_cents = 99, /* eBay's lowest fixed price: $0.99 */
     .price_max_cents = 0},
    {.platform = "craigslist",
     .title_max = 70,
     .description_max = 30000,
     .photos_min = 0,
     .photos_max = 24},
};

const platform_rules_t *platform_rules_find(const char *platform)
{
    for (size_t i = 0; platform && i < sizeof(rules) / sizeof(rules[0]); i++)
        if (strcmp(rules[i].platform, platform) == 0)
            return &rules[i];
    return NULL;
}

static long text_chars(const char *s)
{
    return s ? utf8_count(s, strlen(s)) : 0;
}

static int refuse(char *field, size_t field_size, const char *name)
{
    snprintf(field, field_size, "%s", name);
    return -1;
}

int platform_rules_check(const platform_rules_t *r, const ev_listing_t *l, char *field,
                         size_t field_size, char *detail, size_t detail_size)
{
    long title = text_chars(l->title), desc = text_chars(l->description);
    if (r->title_max && title > (long)r->title_max) {
        snprintf(detail, detail_size, "title: %s allows at most %zu characters (this one has %ld)",
                 r->platform, r->title_max, title);
        return refuse(field, field_size, "title");
    }
    if (r->description_max && desc > (long)r->description_max) {
        snprintf(detail, detail_size,
                 "description: %s allows at most %zu characters (this one has %ld)", r->platform,
                 r->description_max, desc);
        return refuse(field, field_size, "description");
    }
    if (l->nimages < r->photos_min) {
        snprintf(detail, detail_size,
                 "images: %s needs at least %zu photo%s; this listing has %zu (add one with "
                 "POST /api/listings/%" PRId64 "/images)",
                 r->platform, r->photos_min, r->photos_min == 1 ? "" : "s", l->nimages, l->id);
        return refuse(field, field_size, "images");
    }
    if (r->photos_max && l->nimages > r->photos_max) {
        snprintf(detail, detail_size, "images: %s takes at most %zu photos; this listing has %zu",
                 r->platform, r->photos_max, l->nimages);
        return refuse(field, field_size, "images");
    }
    if (l->price_cents < r->price_min_cents ||
        (r->price_max_cents && l->price_cents > r->price_max_cents)) {
        char lo[MONEY_STR_LEN], hi[MONEY_STR_LEN];
        money_format(r->price_min_cents, lo);
        money_format(r->price_max_cents, hi);
        snprintf(detail, detail_size, "price: %s takes prices from %s%s%s", r->platform, lo,
                 r->price_max_cents ? " to " : " up", r->price_max_cents ? hi : "");
        return refuse(field, field_size, "price");
    }
    if (r->categories && l->category && *l->category) {
        for (const char *const *c = r->categories; *c; c++)
            if (strcmp(*c, l->category) == 0)
                return 0;
        snprintf(detail, detail_size, "category: \"%.64s\" is not a %s category", l->category,
                 r->platform);
        return refuse(field, field_size, "category");
    }
    return 0;
}
