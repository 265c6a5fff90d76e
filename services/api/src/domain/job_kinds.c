/* Pure rules of delist and update jobs (see job_kinds.h). */
#include "domain/job_kinds.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/money.h"

static const char *const edit_names[] = {"price", "title", "description", "images"};
#define EDIT_NAMES (sizeof(edit_names) / sizeof(edit_names[0]))

size_t edit_changes_names(unsigned mask, const char *names[4])
{
    size_t n = 0;
    for (size_t i = 0; i < EDIT_NAMES; i++)
        if (mask & (1u << i))
            names[n++] = edit_names[i];
    return n;
}

void edit_changes_array(unsigned mask, char *out, size_t size)
{
    const char *names[4];
    size_t n = edit_changes_names(mask, names), len = 0;
    len += (size_t)snprintf(out, size, "{");
    for (size_t i = 0; i < n && len < size; i++)
        len += (size_t)snprintf(out + len, size - len, "%s%s", i ? "," : "", names[i]);
    if (len < size)
        snprintf(out + len, size - len, "}");
}

unsigned edit_changes_parse(const char *csv)
{
    unsigned mask = 0;
    for (const char *p = csv; p && *p;) {
        size_t len = strcspn(p, ",");
        for (size_t i = 0; i < EDIT_NAMES; i++)
            if (strlen(edit_names[i]) == len && strncmp(p, edit_names[i], len) == 0)
                mask |= 1u << i;
        p += len;
        if (*p == ',')
            p++;
    }
    return mask;
}

static bool platform_name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 50 || !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* sold_price (decimal) or sold_price_cents (integer) of item into *cents. Returns 0 or -1. */
static int sold_price_read(const cJSON *item, bool cents_field, int64_t *cents, char *detail,
                           size_t size)
{
    char why[128] = "";
    int rc = -1;
    if (cents_field && cJSON_IsNumber(item) && item->valuedouble == floor(item->valuedouble) &&
        fabs(item->valuedouble) <= (double)MONEY_MAX_CENTS) {
        *cents = (int64_t)item->valuedouble;
        rc = 0;
    } else if (!cents_field && cJSON_IsString(item)) {
        rc = money_parse_cents(item->valuestring, cents, why, sizeof(why));
    } else if (!cents_field && cJSON_IsNumber(item)) {
        rc = money_from_double(item->valuedouble, cents, why, sizeof(why));
    } else {
        snprintf(why, sizeof(why), "%s",
                 cents_field ? "must be an integer number of cents"
                             : "must be a decimal amount such as \"12.50\"");
    }
    if (rc == 0 && *cents <= 0) {
        rc = -1;
        snprintf(why, sizeof(why), "must be greater than 0");
    }
    if (rc != 0)
        snprintf(detail, size, "%s: %s", cents_field ? "sold_price_cents" : "sold_price", why);
    return rc;
}

int sold_input_parse(const cJSON *body, sold_input_t *in, char field[64], char *detail,
                     size_t detail_size)
{
    memset(in, 0, sizeof(*in));
    field[0] = '\0';
    if (!body || cJSON_IsNull(body))
        return 0;
    if (!cJSON_IsObject(body)) {
        snprintf(detail, detail_size, "body: must be a JSON object");
        return -1;
    }
    bool seen_price = false;
    const cJSON *it;
    cJSON_ArrayForEach(it, body)
    {
        const char *k = it->string;
        snprintf(field, 64, "%.63s", k);
        if (cJSON_IsNull(it))
            continue;
        if (strcmp(k, "sold_price") == 0 || strcmp(k, "sold_price_cents") == 0) {
            if (seen_price) {
                snprintf(detail, detail_size, "%s: give sold_price or sold_price_cents, not both",
                         k);
                return -1;
            }
            seen_price = true;
            if (sold_price_read(it, strcmp(k, "sold_price_cents") == 0, &in->sold_price_cents,
                                detail, detail_size) != 0)
                return -1;
        } else if (strcmp(k, "platform") == 0) {
            if (!cJSON_IsString(it) || !platform_name_valid(it->valuestring)) {
                snprintf(detail, detail_size,
                         "platform: must be a platform name such as \"sandbox\" or \"ebay\"");
                return -1;
            }
            snprintf(in->platform, sizeof(in->platform), "%s", it->valuestring);
        } else {
            snprintf(detail, detail_size,
                     "%.63s: unknown field (sold_price, sold_price_cents, "
                     "platform)",
                     k);
            return -1;
        }
    }
    field[0] = '\0';
    return 0;
}
