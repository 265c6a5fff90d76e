/* Exact money parsing and formatting in integer cents (see money.h). */
#include "common/money.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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

char *money_format(int64_t cents, char out[MONEY_STR_LEN])
{
    /* Avoid negating INT64_MIN: work on the unsigned magnitude. */
    uint64_t mag = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    snprintf(out, MONEY_STR_LEN, "%s%llu.%02llu", cents < 0 ? "-" : "",
             (unsigned long long)(mag / 100), (unsigned long long)(mag % 100));
    return out;
}

double money_to_double(int64_t cents)
{
    return (double)cents / 100.0;
}
