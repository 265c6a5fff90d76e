/* A Bye-Buy listing in the shapes of eBay's Sell Inventory API (external-apis.md §4.4): the SKU,
 * the condition enum, the inventory item and offer bodies, and what the driver reads back
 * (offers of a SKU, category suggestions, business policies, locations). Pure functions. */
#ifndef POSTER_EBAY_LISTING_H
#define POSTER_EBAY_LISTING_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/event.h"

/* eBay titles are at most 80 characters. */
#define EBAY_TITLE_MAX 80

/* What an offer needs from the seller's account: business policies and a location. */
typedef struct {
    char fulfillment[64], payment[64], ret[64]; /* policy ids */
    char location[64];                          /* merchantLocationKey */
} ebay_setup_t;

/* One offer of a SKU as getOffers returns it. */
typedef struct {
    char offer_id[64];
    char status[32];     /* PUBLISHED | UNPUBLISHED */
    char listing_id[64]; /* listing.listingId when published */
} ebay_offer_ref_t;

/* "bb-<listing_id>" into out. */
void ebay_sku(int64_t listing_id, char *out, size_t size);

/* eBay's ConditionEnum for a listing condition (new, like_new, good, fair; anything else is
 * USED_GOOD). */
const char *ebay_condition(const char *condition);

/* The inventory item body (full replace): quantity 1, condition, product title (cut to 80
 * characters on a UTF-8 boundary), description, imageUrls. Caller frees with cJSON_Delete. */
cJSON *ebay_inventory_item_build(const ev_listing_t *l, const char *const *image_urls,
                                 size_t nimages);

/* The offer body for createOffer / updateOffer: fixed price, GTC, quantity 1, the price as
 * a decimal string in the listing's currency, the category, location and policies. Caller
 * frees. */
cJSON *ebay_offer_build(const ev_listing_t *l, const char *sku, const char *marketplace,
                        const char *category_id, const ebay_setup_t *setup);

/* Sets pricingSummary.price of an offer object (updateOffer's body) to cents in currency. */
void ebay_offer_set_price(cJSON *offer, int64_t cents, const char *currency);

/* The offer of marketplace in getOffers' answer ({"offers":[...]}). Returns 0 with out, or -1
 * when there is none. */
int ebay_offer_pick(const cJSON *offers, const char *marketplace, ebay_offer_ref_t *out);

/* The first category of getCategorySuggestions' answer into id/name. Returns 0 or -1. */
int ebay_category_pick(const cJSON *suggestions, char *id, size_t id_size, char *name,
                       size_t name_size);

/* The id of the first policy in an Account API list: array is fulfillmentPolicies,
 * paymentPolicies or returnPolicies, field its id field. Returns 0 or -1 (none). */
int ebay_policy_pick(const cJSON *root, const char *array, const char *field, char *out,
                     size_t size);

/* The key of the first ENABLED location of getInventoryLocations' answer. Returns 0 or -1. */
int ebay_location_pick(const cJSON *root, char *out, size_t size);

#endif
