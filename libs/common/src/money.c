/* Exact money parsing and formatting in integer cents (see money.h). */
#include "common/money.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int money_parse_cents(const char *text, int64_t *cents, char *errstr, size_t errstr_size)
{
    if (!text) {
        snprintf(errstr, errstr_size, "missing");
        return -1;
    }
    const char *p = text;
    while (is_blank(*p))
        p++;
    const char *end = p + strlen(p);
    while (end > p && is_blank(end[-1]))
        end--;
    if (p == end) {
        snprintf(errstr, errstr_size, "empty");
        return -1;
    }
    bool negative = false;
    if (*p == '-') {
        negative = true;
        p++;
    }
    int64_t whole = 0;
    int int_digits = 0, frac_digits = 0, frac = 0;
    bool dot = false, too_large = false, extra_nonzero = false;
    for (; p < end; p++) {
        char c = *p;
        if (c == '.' && !dot) {
            dot = true;
            continue;
        }
        if (c < '0' || c > '9') {
            snprintf(errstr, errstr_size, "not a decimal number (use digits and one '.')");
            return -1;
        }
        int d = c - '0';
        if (!dot) {
            int_digits++;
            if (whole > MONEY_MAX_CENTS / 10)
                too_large = true; /* keep scanning: a later bad character wins */
            else
                whole = whole * 10 + d;
        } else {
            frac_digits++;
            if (frac_digits <= 2)
                frac = frac * 10 + d;
            else if (d != 0)
                extra_nonzero = true;
        }
    }
    if (int_digits == 0 && frac_digits == 0) {
        snprintf(errstr, errstr_size, "not a decimal number (use digits and one '.')");
        return -1;
    }
    if (extra_nonzero) {
        snprintf(errstr, errstr_size, "more than 2 decimal places");
        return -1;
    }
    if (frac_digits == 1)
        frac *= 10;
    if (too_large || whole > (MONEY_MAX_CENTS - frac) / 100) {
        snprintf(errstr, errstr_size, "too large (at most %lld.00)",
                 (long long)(MONEY_MAX_CENTS / 100));
        return -1;
    }
    int64_t v = whole * 100 + frac;
    *cents = negative ? -v : v;
    return 0;
}

int money_from_double(double value, int64_t *cents, char *errstr, size_t errstr_size)
{
    if (!isfinite(value)) {
        snprintf(errstr, errstr_size, "not a finite number");
        return -1;
    }
    if (fabs(value) > (double)(MONEY_MAX_CENTS / 100)) {
        snprintf(errstr, errstr_size, "too large (at most %lld.00)",
                 (long long)(MONEY_MAX_CENTS / 100));
        return -1;
    }
    /* The JSON text "799.99" arrives as the double nearest to it. Render that double with
     * two decimals and read it back: only when it is the same double was the input a
     * 2-decimal amount; the cents then come from the text, not from float arithmetic. */
    char two[64];
    snprintf(two, sizeof(two), "%.2f", value);
    double back = 0;
    if (sscanf(two, "%lf", &back) != 1 || back != value) {
        snprintf(errstr, errstr_size, "more than 2 decimal places (%.15g)", value);
        return -1;
    }
    return money_parse_cents(two, cents, errstr, errstr_size);
}

/* The local symbol of a currency code (see money.h), or NULL when the code is written after
 * the number. NULL or "" is USD, the default currency of a listing. */
static const char *local_symbol(const char *currency)
{
    static const struct {
        const char *code;
        const char *symbol;
    } SYMBOLS[] = {
        {"USD", "$"},        {"CAD", "$"}, {"AUD", "$"},
        {"NZD", "$"},        {"MXN", "$"}, {"EUR", "\xE2\x82\xAC"}, /* € */
        {"GBP", "\xC2\xA3"},                                        /* £ */
    };
    if (!currency || !*currency)
        return "$";
    for (size_t i = 0; i < sizeof(SYMBOLS) / sizeof(SYMBOLS[0]); i++)
        if (strcasecmp(currency, SYMBOLS[i].code) == 0)
            return SYMBOLS[i].symbol;
    return NULL;
}

/* Whole units with a comma every three digits ("1,234,567"). */
static void group_thousands(uint64_t units, char *out, size_t out_size)
{
    char digits[32];
    int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)units);
    size_t o = 0;
    for (int i = 0; i < n && o + 1 < out_size; i++) {
        if (i > 0 && (n - i) % 3 == 0 && o + 2 < out_size)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

char *money_display(int64_t cents, const char *currency, money_style_t style, char *out,
                    size_t out_size)
{
    /* Avoid negating INT64_MIN: work on the unsigned magnitude. */
    uint64_t mag = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    const char *sign = cents < 0 ? "-" : "";
    if (style == MONEY_FIELD_WHOLE) {
        snprintf(out, out_size, "%s%llu", mag >= 50 ? sign : "",
                 (unsigned long long)(mag / 100 + (mag % 100 >= 50)));
        return out;
    }
    if (style == MONEY_FIELD) {
        snprintf(out, out_size, "%s%llu.%02llu", sign, (unsigned long long)(mag / 100),
                 (unsigned long long)(mag % 100));
        return out;
    }
    char amount[40];
    group_thousands(mag / 100, amount, sizeof(amount));
    if (mag % 100 != 0) {
        size_t n = strlen(amount);
        snprintf(amount + n, sizeof(amount) - n, ".%02u", (unsigned)(mag % 100));
    }
    const char *symbol = local_symbol(currency);
    if (symbol)
        snprintf(out, out_size, "%s%s%s", sign, symbol, amount);
    else
        snprintf(out, out_size, "%s%s %s", sign, amount, currency);
    return out;
}

char *money_format(int64_t cents, char out[MONEY_STR_LEN])
{
    return money_display(cents, NULL, MONEY_FIELD, out, MONEY_STR_LEN);
}

double money_to_double(int64_t cents)
{
    return (double)cents / 100.0;
}
