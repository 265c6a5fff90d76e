/* Listings as eBay Inventory API documents, and what the driver reads back (see
 * ebay_listing.h). */
#include "ebay_listing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/money.h"
#include "common/xmalloc.h"

void ebay_sku(int64_t listing_id, char *out, size_t size)
{
    snprintf(out, size, "bb-%lld", (long long)listing_id);
}

const char *ebay_condition(const char *condition)
{
    static const struct {
        const char *ours, *ebay;
    } map[] = {
        {"new", "NEW"},
        {"like_new", "USED_EXCELLENT"}, /* LIKE_NEW exists only in a few categories */
        {"good", "USED_GOOD"},
        {"fair", "USED_ACCEPTABLE"},
    };
    for (size_t i = 0; condition && i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(condition, map[i].ours) == 0)
            return map[i].ebay;
    return "USED_GOOD";
}

/* s cut to at most max characters (code points), never inside a UTF-8 sequence. Caller
 * frees. */
static char *utf8_cut(const char *s, size_t max)
{
    size_t i = 0, chars = 0;
    while (s[i] && chars < max) {
        i++;
        while (((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    return xstrndup(s, i);
}

cJSON *ebay_inventory_item_build(const ev_listing_t *l, const char *const *image_urls,
                                 size_t nimages)
{
    cJSON *item = cJSON_CreateObject();
    cJSON *avail = cJSON_AddObjectToObject(item, "availability");
    cJSON *ship = cJSON_AddObjectToObject(avail, "shipToLocationAvailability");
    cJSON_AddNumberToObject(ship, "quantity", 1);
    cJSON_AddStringToObject(item, "condition", ebay_condition(l->condition));
    cJSON *product = cJSON_AddObjectToObject(item, "product");
    char *title = utf8_cut(l->title ? l->title : "", EBAY_TITLE_MAX);
    cJSON_AddStringToObject(product, "title", title);
    free(title);
    cJSON_AddStringToObject(product, "description", l->description ? l->description : "");
    cJSON *urls = cJSON_AddArrayToObject(product, "imageUrls");
    for (size_t i = 0; i < nimages; i++)
        cJSON_AddItemToArray(urls, cJSON_CreateString(image_urls[i]));
    return item;
}

void ebay_offer_set_price(cJSON *offer, int64_t cents, const char *currency)
{
    char value[MONEY_STR_LEN];
    money_format(cents, value);
    cJSON_DeleteItemFromObjectCaseSensitive(offer, "pricingSummary");
    cJSON *pricing = cJSON_AddObjectToObject(offer, "pricingSummary");
    cJSON *price = cJSON_AddObjectToObject(pricing, "price");
    cJSON_AddStringToObject(price, "value", value); /* a string, per the OAS */
    cJSON_AddStringToObject(price, "currency", currency && *currency ? currency : "USD");
}

cJSON *ebay_offer_build(const ev_listing_t *l, const char *sku, const char *marketplace,
                        const char *category_id, const ebay_setup_t *setup)
{
    cJSON *offer = cJSON_CreateObject();
    cJSON_AddStringToObject(offer, "sku", sku);
    cJSON_AddStringToObject(offer, "marketplaceId", marketplace);
    cJSON_AddStringToObject(offer, "format", "FIXED_PRICE");
    cJSON_AddNumberToObject(offer, "availableQuantity", 1);
    if (category_id)
        cJSON_AddStringToObject(offer, "categoryId", category_id);
    cJSON_AddStringToObject(offer, "listingDescription", l->description ? l->description : "");
    cJSON_AddStringToObject(offer, "listingDuration", "GTC"); /* fixed price must be GTC */
    cJSON_AddStringToObject(offer, "merchantLocationKey", setup->location);
    ebay_offer_set_price(offer, l->price_cents, l->currency);
    cJSON *pol = cJSON_AddObjectToObject(offer, "listingPolicies");
    cJSON_AddStringToObject(pol, "fulfillmentPolicyId", setup->fulfillment);
    cJSON_AddStringToObject(pol, "paymentPolicyId", setup->payment);
    cJSON_AddStringToObject(pol, "returnPolicyId", setup->ret);
    return offer;
}

static void copy_str(const cJSON *obj, const char *field, char *out, size_t size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
    if (cJSON_IsString(v))
        snprintf(out, size, "%s", v->valuestring);
}

int ebay_offer_pick(const cJSON *offers, const char *marketplace, ebay_offer_ref_t *out)
{
    memset(out, 0, sizeof(*out));
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(offers, "offers");
    const cJSON *o;
    cJSON_ArrayForEach(o, list)
    {
        const cJSON *mp = cJSON_GetObjectItemCaseSensitive(o, "marketplaceId");
        if (cJSON_IsString(mp) && marketplace && strcmp(mp->valuestring, marketplace) != 0)
            continue;
        copy_str(o, "offerId", out->offer_id, sizeof(out->offer_id));
        if (!out->offer_id[0])
            continue;
        copy_str(o, "status", out->status, sizeof(out->status));
        copy_str(cJSON_GetObjectItemCaseSensitive(o, "listing"), "listingId", out->listing_id,
                 sizeof(out->listing_id));
        return 0;
    }
    return -1;
}

int ebay_category_pick(const cJSON *suggestions, char *id, size_t id_size, char *name,
                       size_t name_size)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(suggestions, "categorySuggestions");
    const cJSON *first = cJSON_IsArray(list) ? cJSON_GetArrayItem(list, 0) : NULL;
    const cJSON *cat = cJSON_GetObjectItemCaseSensitive(first, "category");
    const cJSON *cid = cJSON_GetObjectItemCaseSensitive(cat, "categoryId");
    if (!cJSON_IsString(cid) || !*cid->valuestring)
        return -1;
    snprintf(id, id_size, "%s", cid->valuestring);
    name[0] = '\0';
    copy_str(cat, "categoryName", name, name_size);
    return 0;
}

int ebay_policy_pick(const cJSON *root, const char *array, const char *field, char *out,
                     size_t size)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, array);
    const cJSON *p;
    cJSON_ArrayForEach(p, list)
    {
        out[0] = '\0';
        copy_str(p, field, out, size);
        if (out[0])
            return 0;
    }
    return -1;
}

int ebay_location_pick(const cJSON *root, char *out, size_t size)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "locations");
    const cJSON *loc;
    cJSON_ArrayForEach(loc, list)
    {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(loc, "merchantLocationStatus");
        if (cJSON_IsString(st) && strcmp(st->valuestring, "ENABLED") != 0)
            continue;
        out[0] = '\0';
        copy_str(loc, "merchantLocationKey", out, size);
        if (out[0])
            return 0;
    }
    return -1;
}
