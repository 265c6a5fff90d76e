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

/* How money_display writes an amount.
 *
 * The display rule, for everything a buyer reads (the model's prompt, the rules engine's
 * replies, hence the post-guard's amount checks): the currency's LOCAL symbol, as a buyer on
 * that marketplace writes it ("$" for USD, CAD, AUD, NZD and MXN, "€" for EUR, "£" for GBP;
 * any other code after the number, "120 CHF"), thousands grouped with commas, cents only
 * when there are any ("$80", "$80.50", "$1,200"). Why local: a listing's currency is the
 * marketplace's own, so its buyers write "$80", not "CA$80"; the model copies amounts from
 * its prompt, so the prompt must show them exactly as the rules engine writes them, or the
 * two voices of one conversation disagree. Form fields (the recipes) take bare numbers. */
typedef enum {
    MONEY_TO_BUYER,    /* "$1,200", "-$2.50", "€70", "120 CHF"; currency NULL or "" = USD */
    MONEY_FIELD,       /* "1200.00", "-0.05": two decimals, no symbol, no grouping */
    MONEY_FIELD_WHOLE, /* "1200": whole units, half away from zero (12.50 -> 13) */
} money_style_t;

/* Writes cents in style (currency only matters for MONEY_TO_BUYER) into out (at most out_size
 * bytes, NUL-terminated; MONEY_STR_LEN always suffices) and returns out. Pure; thread-safe. */
#define MONEY_STR_LEN 48
char *money_display(int64_t cents, const char *currency, money_style_t style, char *out,
                    size_t out_size);

/* money_display(cents, NULL, MONEY_FIELD, ...): "799.99", "-0.05", "800.00" (the api's
 * messages). out must hold at least MONEY_STR_LEN bytes. */
char *money_format(int64_t cents, char out[MONEY_STR_LEN]);

/* cents / 100 as a double, for the original API's decimal fields (price, min_price). */
double money_to_double(int64_t cents);

#endif
