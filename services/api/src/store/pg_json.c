/* JSON values as PostgreSQL writes them (see pg_json.h). */
#include "store/pg_json.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pg_json_string(sbuf_t *b, const char *s, size_t len)
{
    pg_json_string_after(b, "", s, len);
}

void pg_json_string_after(sbuf_t *b, const char *prefix, const char *s, size_t len)
{
    sbuf_addc(b, '"');
    sbuf_add(b, prefix);
    size_t run = 0; /* bytes of s[i - run .. i) to copy as they are */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        sbuf_addn(b, s + i - run, run);
        run = 0;
        char esc[8];
        switch (c) {
        case '"':
            sbuf_addn(b, "\\\"", 2);
            break;
        case '\\':
            sbuf_addn(b, "\\\\", 2);
            break;
        case '\b':
            sbuf_addn(b, "\\b", 2);
            break;
        case '\f':
            sbuf_addn(b, "\\f", 2);
            break;
        case '\n':
            sbuf_addn(b, "\\n", 2);
            break;
        case '\r':
            sbuf_addn(b, "\\r", 2);
            break;
        case '\t':
            sbuf_addn(b, "\\t", 2);
            break;
        default:
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            sbuf_addn(b, esc, 6);
        }
    }
    sbuf_addn(b, s + len - run, run);
    sbuf_addc(b, '"');
}

/* Writes the decimal digits of v (any value) into end-backwards storage; returns the start. */
static char *digits_of(uint64_t v, char *end)
{
    *--end = '\0';
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

void pg_json_i64(sbuf_t *b, int64_t v)
{
    char buf[24];
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char *s = digits_of(mag, buf + sizeof(buf));
    if (v < 0)
        *--s = '-';
    sbuf_add(b, s);
}

void pg_json_float8(sbuf_t *b, double d)
{
    if (!isfinite(d)) {
        sbuf_add(b, isnan(d) ? "\"NaN\"" : d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        return;
    }
    /* The shortest digits that read back to d. For a normal double, 15 digits suffice when a
     * shorter form exists (%e rounds to it and pads zeros), so only 15, 16 and 17 are tried;
     * a subnormal one has fewer digits of precision and is searched from 1. */
    char e[40];
    for (int prec = fabs(d) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
        snprintf(e, sizeof(e), "%.*e", prec - 1, d);
        if (prec == 17 || strtod(e, NULL) == d)
            break;
    }
    /* e is [-]D.DDDDe[+-]X..: take the digits without trailing zeros and the exponent */
    const char *p = e;
    bool negative = *p == '-';
    if (negative)
        p++;
    char digits[20] = "0";
    int n = 0;
    for (; *p != 'e'; p++)
        if (*p != '.')
            digits[n++] = *p;
    int exp10 = atoi(p + 1);
    if (n == 0) /* not from %e: cannot happen, but never read digits that were not set */
        n = 1;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    if (negative)
        sbuf_addc(b, '-');
    if (exp10 >= -4 && exp10 < 15) {
        if (exp10 < 0) {
            sbuf_addn(b, "0.0000", (size_t)(1 - exp10));
            sbuf_addn(b, digits, (size_t)n);
        } else if (n <= exp10 + 1) {
            sbuf_addn(b, digits, (size_t)n);
            for (int i = n; i <= exp10; i++)
                sbuf_addc(b, '0');
        } else {
            sbuf_addn(b, digits, (size_t)exp10 + 1);
            sbuf_addc(b, '.');
            sbuf_addn(b, digits + exp10 + 1, (size_t)(n - exp10 - 1));
        }
        return;
    }
    sbuf_addc(b, digits[0]);
    if (n > 1) {
        sbuf_addc(b, '.');
        sbuf_addn(b, digits + 1, (size_t)n - 1);
    }
    char tail[8];
    snprintf(tail, sizeof(tail), "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    sbuf_add(b, tail);
}

void pg_json_cents(sbuf_t *b, int64_t cents)
{
    /* Below 10^15 the decimal cents / 100 has at most 15 significant digits, so it is the
     * shortest text that reads back to the float8 nearest to it, which is what
     * cents::float8 / 100 is; and it is within float8out's fixed-notation range. */
    if (cents <= -1000000000000000 || cents >= 1000000000000000) {
        pg_json_float8(b, (double)cents / 100);
        return;
    }
    uint64_t mag = cents < 0 ? (uint64_t)-cents : (uint64_t)cents;
    char buf[24];
    char *s = digits_of(mag / 100, buf + sizeof(buf) - 4);
    if (cents < 0)
        *--s = '-';
    char *end = buf + sizeof(buf) - 5;
    unsigned frac = (unsigned)(mag % 100);
    if (frac) {
        *end++ = '.';
        *end++ = (char)('0' + frac / 10);
        if (frac % 10)
            *end++ = (char)('0' + frac % 10);
    }
    *end = '\0';
    sbuf_add(b, s);
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian; H. Hinnant's algorithm). */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Writes v as exactly width digits, zero-padded. */
static char *put_digits(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

void pg_json_timestamp(sbuf_t *b, int64_t pg_usec)
{
    const int64_t day_usec = INT64_C(86400000000);
    const int64_t days_1970_to_2000 = 10957;
    int64_t days = pg_usec / day_usec, rem = pg_usec % day_usec;
    if (rem < 0) {
        rem += day_usec;
        days--;
    }
    int year;
    unsigned month, day;
    civil_from_days(days + days_1970_to_2000, &year, &month, &day);
    unsigned secs = (unsigned)(rem / 1000000), usec = (unsigned)(rem % 1000000);
    char out[40], *p = out;
    *p++ = '"';
    p = put_digits(p, year > 0 && year <= 9999 ? (unsigned)year : 0, 4);
    *p++ = '-';
    p = put_digits(p, month, 2);
    *p++ = '-';
    p = put_digits(p, day, 2);
    *p++ = 'T';
    p = put_digits(p, secs / 3600, 2);
    *p++ = ':';
    p = put_digits(p, secs / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, secs % 60, 2);
    *p++ = '.';
    p = put_digits(p, usec, 6);
    *p++ = 'Z';
    *p++ = '"';
    sbuf_addn(b, out, (size_t)(p - out));
}
