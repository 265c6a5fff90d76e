/* Money amounts in chat text: the buyer's offer in "would you do 75?", "$1,200", "1.2k",
 * "seventy five", "10% off", and every amount a draft names (for the post-guards). Years,
 * sizes, counts, phone numbers, times and addresses are not money. Pure, no I/O. */
#ifndef RESPONDER_OFFER_H
#define RESPONDER_OFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One amount found in a text. */
typedef struct {
    int64_t cents;
    bool currency; /* had a marker: "$80", "80€", "80 bucks", "10% off" (computed) */
    bool cued;     /* an offer word came just before: "do", "take", "offer", "how about" */
    size_t pos;    /* byte offset of the amount in the text */
} offer_amount_t;

/* Scan modes. */
#define OFFER_SCAN_BUYER 0 /* a buyer's message: drop bare numbers far from the price */
#define OFFER_SCAN_ALL 1   /* a draft we might send: keep every amount however small or large */

/* Finds the amounts of money in text, in order, at most max of them (out may be NULL with max
 * 0 to count). price_cents is the asking price: it turns "10% off" into an amount and, in
 * OFFER_SCAN_BUYER mode, drops bare numbers above 3x or below 5% of it (with price_cents <= 0
 * a bare number needs an offer word before it). Rules, in order:
 *   - a number glued to other digits by '-', '/', ':' or spaces ("555 1234", "5:30",
 *     "12/05") or with 7+ digits is not money (phone, time, date);
 *   - letters glued to a number ("55in", "5pm", "2nd", "4x") make it not money, except "k"
 *     (thousands) and a currency sign;
 *   - OFFER_SCAN_BUYER: a bare number followed by a word that is not a currency word or a
 *     small-talk word ("55 inch", "2 of them", "123 Main St", "2019 model", "20 minutes") is
 *     not money; OFFER_SCAN_ALL: only a unit or count word after it ("6 drawers", "2 years",
 *     "10 minutes") makes it not money, so "I could go 70 lowest" is still seen;
 *   - "at/by/around/until N" with N <= 24 and no currency is a time (and, for buyers, a day
 *     word nearby: "6 tomorrow");
 *   - a bare 4-digit 1950..2039 is a year unless an offer word comes before it;
 *   - OFFER_SCAN_BUYER only: an amount right after "listed", "asking", "paid", "retail",
 *     "worth", "saw", "not", "can't"... or before "too" ("110 is too much") is a reference
 *     price or a refusal, and one right after "plus", "extra" or before "shipping", "fee" is
 *     a fee: skipped (a draft that names them still names them);
 *   - "N% off/discount/less" is price * (100 - N) / 100 (1 <= N <= 90); a lone "N%" is not.
 * Returns the number found (may exceed max: only max are written). Pure and thread-safe. */
size_t offer_scan(const char *text, int64_t price_cents, int mode, offer_amount_t *out, size_t max);

/* The buyer's offer in text: among the amounts offer_scan(OFFER_SCAN_BUYER) finds, the last
 * one with a currency marker, else the last one (the buyer's latest word: "70? ok 80").
 * Returns 1 and sets *offer_cents, or 0 when text names no offer. Money
 * is parsed from the digits exactly ("75.50" -> 7550), never through floating point. Pure
 * and thread-safe. */
int offer_parse(const char *text, int64_t price_cents, int64_t *offer_cents);

/* The listing's own title is not money: "Is the Trek 520 still available?", "The desk lamp 1
 * is $80". offer_mask_title returns a copy of text in which the digits of every place that
 * repeats the title, or a leading part of it ending at a word's end and holding a letter
 * ("Trek 520" of "Trek 520 road bike"), are replaced by 'x' (same length: positions hold),
 * or NULL when nothing is masked (title NULL or without a digit, or not in text). A bare
 * number is never masked ("I could do 520" stays an amount). Caller frees. */
char *offer_mask_title(const char *text, const char *title);

/* offer_scan / offer_parse of text with the listing's title masked (title may be NULL). */
size_t offer_scan_titled(const char *text, const char *title, int64_t price_cents, int mode,
                         offer_amount_t *out, size_t max);
int offer_parse_titled(const char *text, const char *title, int64_t price_cents,
                       int64_t *offer_cents);

#endif
