/* Validation of listing fields (see listing_input.h). */
#include "domain/listing_input.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/money.h"
#include "common/utf8.h"
#include "common/xmalloc.h"

static void fail(listing_error_t *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(listing_error_t *err, const char *field, const char *fmt, ...)
{
    /* err is output only: callers pass uninitialised storage on purpose */
    // cppcheck-suppress ctuuninitvar
    snprintf(err->field, sizeof(err->field), "%s", field);
    va_list ap;
    va_start(ap, fmt);
    char msg[200];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(err->detail, sizeof(err->detail), "%s: %s", field, msg);
}

/* Trimmed copy of a string field within max code points; NULL when it is empty after
 * trimming (the caller decides whether empty is allowed). Returns 0 or -1 (err). */
static int text_field(const raw_field_t *f, long max, bool multiline, char **out,
                      listing_error_t *err)
{
    *out = NULL;
    if (f->kind == RAW_NULL)
        return 0;
    if (f->kind != RAW_STRING) {
        fail(err, f->name, "must be a string");
        return -1;
    }
    const char *s = f->s;
    size_t len = f->len;
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    long chars = utf8_count(s, len);
    if (chars < 0) {
        fail(err, f->name, "must be valid UTF-8 text without NUL characters");
        return -1;
    }
    if (chars > max) {
        fail(err, f->name, "at most %ld characters (got %ld)", max, chars);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7F) {
            fail(err, f->name, "must not contain control characters");
            return -1;
        }
    }
    if (len)
        *out = xstrndup(s, len);
    return 0;
}

/* Money from a string ("799.99") or a JSON number. */
static int money_field(const raw_field_t *f, bool cents_field, int64_t *out, listing_error_t *err)
{
    char why[128];
    if (f->kind == RAW_STRING) {
        if (cents_field) {
            char *end = NULL;
            long long v = strtoll(f->s, &end, 10);
            if (!*f->s || *end || v > MONEY_MAX_CENTS || v < -MONEY_MAX_CENTS) {
                fail(err, f->name, "must be an integer number of cents");
                return -1;
            }
            *out = v;
            return 0;
        }
        if (money_parse_cents(f->s, out, why, sizeof(why)) != 0) {
            fail(err, f->name, "%s", why);
            return -1;
        }
        return 0;
    }
    if (f->kind == RAW_NUMBER) {
        if (cents_field) {
            if (f->num != floor(f->num) || fabs(f->num) > (double)MONEY_MAX_CENTS) {
                fail(err, f->name, "must be an integer number of cents");
                return -1;
            }
            *out = (int64_t)f->num;
            return 0;
        }
        if (money_from_double(f->num, out, why, sizeof(why)) != 0) {
            fail(err, f->name, "%s", why);
            return -1;
        }
        return 0;
    }
    fail(err, f->name, "must be a decimal amount such as \"799.99\"");
    return -1;
}

static int number01(const raw_field_t *f, double *out, listing_error_t *err)
{
    double v;
    if (f->kind == RAW_NUMBER) {
        v = f->num;
    } else if (f->kind == RAW_STRING) {
        char *end = NULL;
        v = strtod(f->s, &end);
        if (!*f->s || *end) {
            fail(err, f->name, "must be a number between 0 and 1");
            return -1;
        }
    } else {
        fail(err, f->name, "must be a number between 0 and 1");
        return -1;
    }
    if (!isfinite(v) || v < 0 || v > 1) {
        fail(err, f->name, "must be a number between 0 and 1");
        return -1;
    }
    *out = v;
    return 0;
}

static int enum_field(const raw_field_t *f, const char *const *values, char *out, size_t size,
                      listing_error_t *err)
{
    if (f->kind == RAW_STRING) {
        for (size_t i = 0; values[i]; i++) {
            if (strcmp(f->s, values[i]) == 0) {
                snprintf(out, size, "%s", values[i]);
                return 0;
            }
        }
    }
    char list[160] = "";
    for (size_t i = 0; values[i]; i++) {
        strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
        strncat(list, values[i], sizeof(list) - strlen(list) - 1);
    }
    fail(err, f->name, "must be one of %s", list);
    return -1;
}

static const char *const conditions[] = {"new", "like_new", "good", "fair", NULL};
static const char *const statuses[] = {"active", "sold", "archived", NULL};

/* Cent fields seen while parsing, reconciled with their decimal twins at the end. */
typedef struct {
    bool has_price_cents, has_min_cents;
    int64_t price_cents, min_cents;
} cents_seen_t;

/* Parses one field into in (or c for the cent variants). Returns 0 or -1 (err). */
static int field_parse(const raw_field_t *f, listing_input_t *in, cents_seen_t *c,
                       listing_error_t *err)
{
    const char *k = f->name;
    if (strcmp(k, "title") == 0) {
        if (text_field(f, LISTING_TITLE_MAX, false, &in->title, err) != 0)
            return -1;
        if (!in->title) {
            fail(err, k, "must not be empty");
            return -1;
        }
        in->has_title = true;
    } else if (strcmp(k, "description") == 0) {
        if (text_field(f, LISTING_DESCRIPTION_MAX, true, &in->description, err) != 0)
            return -1;
        in->has_description = true;
    } else if (strcmp(k, "seller_notes") == 0) {
        if (text_field(f, LISTING_NOTES_MAX, true, &in->seller_notes, err) != 0)
            return -1;
        in->has_seller_notes = true;
    } else if (strcmp(k, "category") == 0) {
        if (text_field(f, LISTING_SHORT_MAX, false, &in->category, err) != 0)
            return -1;
        in->has_category = true;
    } else if (strcmp(k, "location") == 0) {
        if (text_field(f, LISTING_SHORT_MAX, false, &in->location, err) != 0)
            return -1;
        in->has_location = true;
    } else if (strcmp(k, "price") == 0) {
        if (money_field(f, false, &in->price_cents, err) != 0)
            return -1;
        in->has_price = true;
    } else if (strcmp(k, "price_cents") == 0) {
        if (money_field(f, true, &c->price_cents, err) != 0)
            return -1;
        c->has_price_cents = true;
    } else if (strcmp(k, "min_price") == 0 || strcmp(k, "min_price_cents") == 0) {
        bool cents = strcmp(k, "min_price_cents") == 0;
        int64_t v = 0;
        bool blank = f->kind == RAW_NULL || (f->kind == RAW_STRING && f->len == 0);
        if (!blank && money_field(f, cents, &v, err) != 0)
            return -1;
        if (!blank && v <= 0) {
            fail(err, k, "must be greater than 0 (leave it empty for no floor)");
            return -1;
        }
        if (cents) {
            c->has_min_cents = true;
            c->min_cents = v;
        } else {
            in->has_min_price = true;
            in->min_price_cents = v;
        }
    } else if (strcmp(k, "flexibility") == 0) {
        if (number01(f, &in->flexibility, err) != 0)
            return -1;
        in->has_flexibility = true;
    } else if (strcmp(k, "willing_to_negotiate") == 0) {
        /* The original's field: a bool in its form (true stored as 1.0, a bug) and a
         * 0..1 float in its model. true means the default flexibility here. */
        bool is_true =
            (f->kind == RAW_BOOL && f->b) || (f->kind == RAW_STRING && strcmp(f->s, "true") == 0);
        bool is_false =
            (f->kind == RAW_BOOL && !f->b) || (f->kind == RAW_STRING && strcmp(f->s, "false") == 0);
        if (is_true || is_false) {
            in->flexibility = is_true ? 0.5 : 0.0;
        } else if (number01(f, &in->flexibility, err) != 0) {
            return -1;
        }
        in->has_flexibility = true;
    } else if (strcmp(k, "condition") == 0) {
        if (enum_field(f, conditions, in->condition, sizeof(in->condition), err) != 0)
            return -1;
        in->has_condition = true;
    } else if (strcmp(k, "status") == 0) {
        if (enum_field(f, statuses, in->status, sizeof(in->status), err) != 0)
            return -1;
        in->has_status = true;
    } else if (strcmp(k, "currency") == 0) {
        if (f->kind != RAW_STRING || f->len != 3 || !isalpha((unsigned char)f->s[0]) ||
            !isalpha((unsigned char)f->s[1]) || !isalpha((unsigned char)f->s[2])) {
            fail(err, k, "must be a 3-letter ISO 4217 code such as USD");
            return -1;
        }
        for (int ci = 0; ci < 3; ci++)
            in->currency[ci] = (char)toupper((unsigned char)f->s[ci]);
        in->currency[3] = '\0';
        in->has_currency = true;
    } else {
        fail(err, k, "unknown field");
        return -1;
    }
    return 0;
}

int listing_input_parse(const raw_field_t *fields, size_t n, bool create, listing_input_t *in,
                        listing_error_t *err)
{
    memset(in, 0, sizeof(*in));
    memset(err, 0, sizeof(*err));
    cents_seen_t c = {false, false, 0, 0};
    for (size_t i = 0; i < n; i++)
        if (field_parse(&fields[i], in, &c, err) != 0)
            goto fail;
    if (c.has_price_cents) {
        if (in->has_price && c.price_cents != in->price_cents) {
            fail(err, "price_cents", "disagrees with price");
            goto fail;
        }
        in->price_cents = c.price_cents;
        in->has_price = true;
    }
    if (c.has_min_cents) {
        if (in->has_min_price && c.min_cents != in->min_price_cents) {
            fail(err, "min_price_cents", "disagrees with min_price");
            goto fail;
        }
        in->min_price_cents = c.min_cents;
        in->has_min_price = true;
    }
    if (in->has_price && in->price_cents <= 0) {
        fail(err, "price", "must be greater than 0");
        goto fail;
    }
    if (create) {
        if (!in->has_title) {
            fail(err, "title", "required");
            goto fail;
        }
        if (!in->has_price) {
            fail(err, "price", "required");
            goto fail;
        }
        if (in->has_status && strcmp(in->status, "active") != 0) {
            fail(err, "status", "a new listing is active");
            goto fail;
        }
        if (in->has_min_price &&
            listing_check_floor(in->price_cents, in->min_price_cents, err) != 0)
            goto fail;
    }
    return 0;
fail:
    listing_input_free(in);
    return -1;
}

int listing_input_from_json(const cJSON *obj, bool create, listing_input_t *in,
                            listing_error_t *err)
{
    size_t n = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, obj) n++;
    raw_field_t *fields = xcalloc(n + 1, sizeof(*fields));
    size_t i = 0;
    cJSON_ArrayForEach(item, obj)
    {
        raw_field_t *f = &fields[i++];
        f->name = item->string ? item->string : "";
        if (cJSON_IsNull(item)) {
            f->kind = RAW_NULL;
        } else if (cJSON_IsString(item)) {
            f->kind = RAW_STRING;
            f->s = item->valuestring;
            f->len = strlen(item->valuestring);
        } else if (cJSON_IsNumber(item)) {
            f->kind = RAW_NUMBER;
            f->num = item->valuedouble;
        } else if (cJSON_IsBool(item)) {
            f->kind = RAW_BOOL;
            f->b = cJSON_IsTrue(item);
        } else {
            f->kind = RAW_OTHER;
        }
    }
    int rc = listing_input_parse(fields, n, create, in, err);
    free(fields);
    return rc;
}

int listing_check_floor(int64_t price_cents, int64_t min_price_cents, listing_error_t *err)
{
    if (min_price_cents == 0)
        return 0;
    if (min_price_cents < 1 || min_price_cents > price_cents) {
        char a[MONEY_STR_LEN], b[MONEY_STR_LEN];
        fail(err, "min_price", "must not exceed the price (%s > %s)",
             money_format(min_price_cents, a), money_format(price_cents, b));
        return -1;
    }
    return 0;
}

void listing_input_free(listing_input_t *in)
{
    if (!in)
        return;
    free(in->title);
    free(in->description);
    free(in->seller_notes);
    free(in->category);
    free(in->location);
    in->title = in->description = in->seller_notes = in->category = in->location = NULL;
}
