/* Money as integer cents, parsed exactly from decimal text ("799.99" -> 79999) and from JSON
 * numbers, and formatted back. No floating point arithmetic on amounts. */
#ifndef COMMON_MONEY_H
#define COMMON_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* Largest amount accepted: 1,000,000,000.00 (in cents). */
#define MONEY_MAX_CENTS INT64_C(100000000000)

/* Parses a decimal amount: optional surrounding blanks, optional '-', digits with at most
 * one '.', e.g. "800", "799.99", "0.5", ".5", "1.". Digits after the second decimal must be
 * zeros ("1.500" is 150, "1.999" is an error). No exponents, signs other than one leading
 * '-', thousands separators, currency symbols, NaN or infinity. Returns 0 with *cents, or -1
 * with a human reason in errstr ("not a decimal number", "more than 2 decimal places",
 * "too large"). Pure; thread-safe. */
int money_parse_cents(const char *text, int64_t *cents, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Converts a JSON number to cents when it has at most 2 decimals (799.99 -> 79999; the
 * nearest double of a 2-decimal amount is recognised exactly up to MONEY_MAX_CENTS).
 * Returns 0, or -1 with the reason (not finite, more than 2 decimal places, too large).
 * Pure; thread-safe. */
int money_from_double(double value, int64_t *cents, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Writes cents as a decimal with two places ("799.99", "-0.05", "800.00") into out and
 * returns out. out must hold at least MONEY_STR_LEN bytes. Pure; thread-safe. */
#define MONEY_STR_LEN 32
char *money_format(int64_t cents, char out[MONEY_STR_LEN]);

/* cents / 100 as a double, for the original API's decimal fields (price, min_price). */
double money_to_double(int64_t cents);

#endif
