/* Money amounts in chat text (see offer.h): a small tokenizer (words, numbers, separators)
 * and a filter that decides, from the words around each number, whether it is money. */
#include "offer.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "phrase.h"

#define TK_WORD_MAX 20
#define TK_MAX 600 /* tokens looked at: chat messages are short, the rest is ignored */

typedef enum { TK_WORD, TK_NUM, TK_SEP } tk_kind_t;

typedef struct {
    tk_kind_t kind;
    char word[TK_WORD_MAX]; /* TK_WORD: lower-case, ASCII apostrophes */
    int64_t cents;          /* TK_NUM */
    bool currency;          /* TK_NUM: "$80", "80€" */
    bool bad;               /* TK_NUM: glued to letters, a time, a phone or date piece */
    bool percent;           /* TK_NUM: "10%" */
    bool plain_int;         /* TK_NUM: digits only (no comma, decimals or k) */
    bool range_next;        /* TK_NUM: "65-70": a range continues with the next number */
    bool range_prev;        /* TK_NUM: the second number of a range */
    int ndigits;            /* TK_NUM: digits before the decimal point */
    size_t pos;             /* byte offset in the text */
} tk_t;

/* ---- word lists ------------------------------------------------------------------------- */

/* Words after a number that name a currency: "80 bucks". */
static const char *const CURRENCY_WORDS[] = {
    "bucks", "buck",   "dollars", "dollar", "usd",  "eur",  "euro", "euros",
    "gbp",   "pounds", "cad",     "aud",    "dlls", "quid", NULL,
};

/* Words that may follow a bare number that is an offer: "80 cash", "90 and I pick up". Any
 * other word after a bare number makes it a size, a count, a time or an address. */
static const char *const OFFER_FOLLOWERS[] = {
    "cash",     "firm",  "and",    "for",       "if",        "or",      "ok",      "okay",
    "then",     "i",     "i'm",    "im",        "i'll",      "ill",     "i'd",     "id",
    "is",       "works", "work",   "would",     "could",     "can",     "tonight", "today",
    "tomorrow", "now",   "obo",    "shipped",   "delivered", "plus",    "max",     "total",
    "flat",     "even",  "please", "pls",       "plz",       "tho",     "though",  "lmk",
    "it",       "its",   "it's",   "sound",     "sounds",    "good",    "fine",    "deal",
    "final",    "cool",  "since",  "because",   "cuz",       "bc",      "so",      "but",
    "maybe",    "on",    "with",   "including", "out",       "the",     "that",    "that's",
    "thats",    "all",   "my",     "best",      "offer",     "pick",    "pickup",  "picked",
    "at",       "via",   "by",     "you",       "u",         "we",      "yes",     "yeah",
    "ya",       "right", "too",    "instead",   "each",      "alright", "thanks",  "thx",
    "haha",     "lol",   "sir",    "man",       "bro",       "dude",    "friend",  "no",
    "not",      "this",  "ready",  "in",        "like",      "either",  "really",  "sure",
    NULL,
};

/* Words after a number that make it a measure or a count, not money, in a draft we might
 * send (OFFER_SCAN_ALL): there, any other word keeps the amount, because a missed price below
 * the floor costs more than a needless repair. Singular forms; a trailing "s" is ignored. */
static const char *const UNIT_WORDS[] = {
    "inch",  "in",      "ft",     "feet",       "foot",    "cm",      "mm",      "m",
    "meter", "metre",   "yard",   "lb",         "kg",      "g",       "oz",      "gb",
    "tb",    "mb",      "hz",     "w",          "watt",    "v",       "volt",    "mile",
    "mi",    "km",      "year",   "yr",         "yo",      "month",   "mo",      "day",
    "week",  "hour",    "hr",     "min",        "minute",  "second",  "sec",     "pm",
    "am",    "percent", "x",      "of",         "time",    "drawer",  "shelf",   "shelve",
    "door",  "seat",    "chair",  "piece",      "pc",      "item",    "people",  "person",
    "kid",   "gear",    "speed",  "controller", "game",    "cable",   "battery", "batteries",
    "leg",   "wheel",   "tire",   "tyre",       "pair",    "set",     "box",     "bag",
    "book",  "port",    "button", "lens",       "cushion", "pillow",  "ticket",  "size",
    "color", "colour",  "model",  "unit",       "st",      "street",  "ave",     "avenue",
    "rd",    "road",    "blvd",   "dr",         "drive",   "ln",      "lane",    "way",
    "ct",    "court",   "floor",  "story",      "bedroom", "room",    "burner",  "slot",
    "core",  "star",    "step",   "page",       "photo",   "picture", "pic",     "left",
    "more",  "other",   "plus",   "th",         "nd",      "rd",      NULL,
};

static bool word_in(const char *word, const char *const *list);

/* True when word (maybe plural) is one of UNIT_WORDS. */
static bool is_unit_word(const char *word)
{
    if (word_in(word, UNIT_WORDS)) {
        return true;
    }
    char singular[TK_WORD_MAX];
    size_t len = strlen(word);
    if (len < 2 || word[len - 1] != 's' || len >= sizeof(singular)) {
        return false;
    }
    memcpy(singular, word, len - 1); /* "drawers" */
    singular[len - 1] = '\0';
    if (word_in(singular, UNIT_WORDS)) {
        return true;
    }
    if (len > 3 && word[len - 2] == 'e') {
        singular[len - 2] = '\0'; /* "inches", "boxes" */
        return word_in(singular, UNIT_WORDS);
    }
    return false;
}

/* Words just before an amount that make it an offer (ranking; years and unknown prices). */
static const char *const CUE_WORDS[] = {
    "do",  "take",  "offer", "offering", "pay",    "give",  "go",     "about", "accept", "sell",
    "for", "would", "could", "can",      "settle", "spend", "budget", "meet",  "at",     NULL,
};

/* The cue words that name a price for sure ("can", "for", "at" also start times). */
static const char *const STRONG_CUE_WORDS[] = {
    "do",     "take", "offer",  "offering", "pay",    "give",  "go",
    "accept", "sell", "settle", "spend",    "budget", "about", NULL,
};

/* Words just before an amount that make it a reference or a refusal, not an offer: "listed
 * at 120", "saw one for 70", "not 120". */
static const char *const REFERENCE_WORDS[] = {
    "listed",     "listing",  "asking",  "retail",   "retails", "msrp", "paid",   "worth",
    "originally", "costs",    "says",    "posted",   "priced",  "new",  "saw",    "seen",
    "found",      "sold",     "not",     "than",     "can't",   "cant", "cannot", "won't",
    "wont",       "couldn't", "couldnt", "wouldn't", "wouldnt", NULL,
};

/* An amount after these, or before FEE_AFTER, is a fee, not the price: "plus $10 for gas". */
static const char *const FEE_BEFORE[] = {"plus", "extra", "additional", "add", NULL};
static const char *const FEE_AFTER[] = {
    "shipping", "delivery", "fee", "fees", "deposit", "tip", "gas", "more", "extra", "off", NULL,
};

/* "at 5", "by 6", "until 9": a time when the number is small and bare. */
static const char *const TIME_BEFORE[] = {
    "at", "by", "around", "until", "til", "till", "before", "after", "from", "between", NULL,
};

/* Day words near a small bare number make it a clock time: "tomorrow 6", "6 tonight". */
static const char *const DAY_WORDS[] = {
    "tomorrow", "tonight", "today",   "morning",   "afternoon", "evening",
    "noon",     "monday",  "tuesday", "wednesday", "thursday",  "friday",
    "saturday", "sunday",  "weekend", "oclock",    "o'clock",   NULL,
};

/* "10% off", "15 percent less". */
static const char *const PERCENT_AFTER[] = {
    "off", "discount", "less", "lower", "below", "cheaper", NULL,
};

static const struct {
    const char *word;
    int value;
} NUMBER_WORDS[] = {
    {"one", 1},      {"two", 2},        {"three", 3},     {"four", 4},      {"five", 5},
    {"six", 6},      {"seven", 7},      {"eight", 8},     {"nine", 9},      {"ten", 10},
    {"eleven", 11},  {"twelve", 12},    {"thirteen", 13}, {"fourteen", 14}, {"fifteen", 15},
    {"sixteen", 16}, {"seventeen", 17}, {"eighteen", 18}, {"nineteen", 19}, {"twenty", 20},
    {"thirty", 30},  {"forty", 40},     {"fourty", 40},   {"fifty", 50},    {"sixty", 60},
    {"seventy", 70}, {"eighty", 80},    {"ninety", 90},
};

static bool word_in(const char *word, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++) {
        if (strcmp(word, list[i]) == 0) {
            return true;
        }
    }
    return false;
}

static int number_word_value(const char *word)
{
    for (size_t i = 0; i < sizeof(NUMBER_WORDS) / sizeof(NUMBER_WORDS[0]); i++) {
        if (strcmp(word, NUMBER_WORDS[i].word) == 0) {
            return NUMBER_WORDS[i].value;
        }
    }
    return 0;
}

/* ---- tokenizer -------------------------------------------------------------------------- */

/* Byte length of a currency sign at s ($, €, £), or 0. */
static size_t currency_sign_len(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == '$') {
        return 1;
    }
    if (u[0] == 0xE2 && u[1] == 0x82 && u[2] == 0xAC) { /* € */
        return 3;
    }
    if (u[0] == 0xC2 && u[1] == 0xA3) { /* £ */
        return 2;
    }
    return 0;
}

/* True when s ("-70 ...") ends a range "65-70" rather than a phone number or a date: one
 * hyphen, digits after it, nothing else glued on, fewer than 7 digits in all. */
static bool is_range_rest(const char *s, int digits_before)
{
    int digits_after = 0;
    const char *p = s + 1;
    while (isdigit((unsigned char)*p)) {
        digits_after++;
        p++;
    }
    if (digits_after == 0 || digits_before + digits_after >= 7) {
        return false;
    }
    if ((*p == '-' || *p == '/' || *p == ':' || *p == '.') && isdigit((unsigned char)p[1])) {
        return false;
    }
    return true;
}

/* Scans a number starting at text[*i] (a digit) into tk; advances *i past it and anything
 * glued to it. */
static void scan_number(const char *text, size_t *i, tk_t *tk)
{
    size_t p = *i;
    int64_t units = 0; /* whole part */
    int ndigits = 0;
    bool commas = false;
    bool overflow = false;

    tk->kind = TK_NUM;
    tk->pos = p;
    /* whole part, with thousands commas only where exactly three digits follow */
    for (;;) {
        while (isdigit((unsigned char)text[p])) {
            if (ndigits < 15) {
                units = units * 10 + (text[p] - '0');
            } else {
                overflow = true;
            }
            ndigits++;
            p++;
        }
        if (text[p] == ',' && isdigit((unsigned char)text[p + 1]) &&
            isdigit((unsigned char)text[p + 2]) && isdigit((unsigned char)text[p + 3]) &&
            !isdigit((unsigned char)text[p + 4]) && (commas || ndigits <= 3)) {
            commas = true;
            p++;
            continue;
        }
        break;
    }
    int64_t cents = units * 100;
    bool decimals = false;
    if (text[p] == '.' && isdigit((unsigned char)text[p + 1])) {
        size_t q = p + 1;
        int nd = 0;
        while (isdigit((unsigned char)text[q])) {
            nd++;
            q++;
        }
        if (nd <= 2 && text[q] != '.') {
            cents += (text[p + 1] - '0') * 10 + (nd == 2 ? text[p + 2] - '0' : 0);
            decimals = true;
        } else {
            tk->bad = true; /* "1.234", "1.2.3": a version, a date, a European thousand */
        }
        p = q;
    }
    tk->plain_int = !commas && !decimals;
    /* what is glued to the number */
    size_t cur = currency_sign_len(text + p);
    if (cur > 0) {
        tk->currency = true;
        p += cur;
    } else if (text[p] == '%') {
        tk->percent = true;
        p++;
    } else if ((text[p] == 'k' || text[p] == 'K') && !isalpha((unsigned char)text[p + 1])) {
        if (cents <= INT64_MAX / 1000) {
            cents *= 1000;
        } else {
            tk->bad = true; /* "444444444444444k": no price (found by fuzz/offer.c) */
        }
        tk->plain_int = false;
        p++;
    } else if (text[p] == '-' && is_range_rest(text + p, ndigits)) {
        tk->range_next = true; /* "65-70": the tokenizer skips the '-' */
    } else if ((text[p] == ':' || text[p] == '-' || text[p] == '/' || text[p] == '.') &&
               isdigit((unsigned char)text[p + 1])) {
        /* 5:30, 555-1234, 12/05, 1.2.3: swallow the whole chain */
        tk->bad = true;
        while (isdigit((unsigned char)text[p]) || text[p] == ':' || text[p] == '-' ||
               text[p] == '/' || text[p] == '.') {
            p++;
        }
    } else if (isalpha((unsigned char)text[p])) {
        tk->bad = true; /* 55in, 5pm, 2nd, 4x, 10ft */
        while (isalnum((unsigned char)text[p])) {
            p++;
        }
    }
    if (text[*i] == '0' && ndigits > 1 && !commas) {
        tk->bad = true; /* "0199", "05": a code or a date, not a price */
    }
    if (ndigits >= 7 && !commas) {
        tk->bad = true; /* a phone number, an order number, a zip+4 */
    }
    if (overflow) {
        tk->bad = true;
    }
    tk->ndigits = ndigits;
    tk->cents = cents;
    *i = p;
}

/* Splits text into tokens; returns how many (at most max). */
static size_t tokenize(const char *text, tk_t *tks, size_t max)
{
    size_t n = 0;
    size_t i = 0;
    bool pending_currency = false; /* a sign just before: "$ 80" */

    while (text[i] != '\0' && n < max) {
        unsigned char c = (unsigned char)text[i];
        size_t cur = currency_sign_len(text + i);
        if (cur > 0) {
            pending_currency = true;
            i += cur;
            continue;
        }
        if (c == ' ' || c == '\t') {
            i++;
            continue;
        }
        tk_t *tk = &tks[n];
        memset(tk, 0, sizeof(*tk));
        if (c == '-' && n > 0 && tks[n - 1].kind == TK_NUM && tks[n - 1].range_next) {
            i++;
            continue; /* the hyphen of a range */
        }
        if (isdigit(c)) {
            bool range_prev =
                n > 0 && tks[n - 1].kind == TK_NUM && tks[n - 1].range_next && text[i - 1] == '-';
            scan_number(text, &i, tk);
            tk->range_prev = range_prev;
            if (pending_currency) {
                tk->currency = true;
            }
            pending_currency = false;
            n++;
            continue;
        }
        pending_currency = false;
        if (isalpha(c)) {
            size_t len = 0;
            tk->kind = TK_WORD;
            tk->pos = i;
            for (;;) {
                size_t ap = phrase_apostrophe_len(text + i);
                if (isalnum((unsigned char)text[i])) {
                    if (len + 1 < TK_WORD_MAX) {
                        tk->word[len++] = (char)tolower((unsigned char)text[i]);
                    }
                    i++;
                } else if (ap > 0 && isalpha((unsigned char)text[i + ap])) {
                    if (len + 1 < TK_WORD_MAX) {
                        tk->word[len++] = '\'';
                    }
                    i += ap;
                } else {
                    break;
                }
            }
            tk->word[len] = '\0';
            n++;
            /* "seventy-five": a hyphen between letters just separates words */
            if (text[i] == '-' && isalpha((unsigned char)text[i + 1])) {
                i++;
            }
            continue;
        }
        /* anything else separates phrases: punctuation, emoji, newlines */
        tk->kind = TK_SEP;
        tk->pos = i;
        i++;
        /* skip the rest of a UTF-8 sequence */
        while (((unsigned char)text[i] & 0xC0) == 0x80) {
            i++;
        }
        n++;
    }
    return n;
}

/* ---- candidates ------------------------------------------------------------------------- */

typedef struct {
    int64_t cents;
    bool currency, bad, percent, plain_int, from_words;
    int ndigits;
    size_t first, last; /* token span */
    size_t pos;
} cand_t;

static bool is_word(const tk_t *tks, size_t n, size_t k, const char *w)
{
    return k < n && tks[k].kind == TK_WORD && strcmp(tks[k].word, w) == 0;
}

/* Parses 1..99 in words at token k ("seventy five", "fifteen", "six"); returns tokens used. */
static size_t parse_below_100(const tk_t *tks, size_t n, size_t k, int *value)
{
    if (k >= n || tks[k].kind != TK_WORD) {
        return 0;
    }
    int v = number_word_value(tks[k].word);
    if (v == 0) {
        return 0;
    }
    if (v >= 20 && v % 10 == 0 && k + 1 < n && tks[k + 1].kind == TK_WORD) {
        int u = number_word_value(tks[k + 1].word);
        if (u >= 1 && u <= 9) {
            *value = v + u;
            return 2;
        }
    }
    *value = v;
    return 1;
}

/* Parses a number in words at token k: "eighty", "seventy five", "a hundred", "one hundred
 * and fifty", "one fifty" (150, as people say prices). Returns tokens used (0: none). */
static size_t parse_words(const tk_t *tks, size_t n, size_t k, int64_t *dollars)
{
    size_t j = k;
    int64_t value = 0;
    int small = 0;

    if (is_word(tks, n, j, "a") && is_word(tks, n, j + 1, "hundred")) {
        value = 100;
        j += 2;
    } else {
        size_t used = parse_below_100(tks, n, j, &small);
        if (used == 0) {
            return 0;
        }
        j += used;
        if (is_word(tks, n, j, "hundred")) {
            value = (int64_t)small * 100;
            j++;
        } else {
            int rest = 0;
            size_t more = small <= 9 ? parse_below_100(tks, n, j, &rest) : 0;
            if (more > 0 && rest >= 10) {
                *dollars = (int64_t)small * 100 + rest; /* "one fifty" */
                return j + more - k;
            }
            *dollars = small;
            return j - k;
        }
    }
    /* after "hundred": optional "and" + 1..99 */
    size_t at = j;
    if (is_word(tks, n, at, "and")) {
        at++;
    }
    int rest = 0;
    size_t more = parse_below_100(tks, n, at, &rest);
    if (more > 0) {
        value += rest;
        j = at + more;
    }
    *dollars = value;
    return j - k;
}

/* Looks back up to 3 words before token k (stopping at a separator) for a word of list. */
static bool word_before(const tk_t *tks, size_t k, size_t window, const char *const *list)
{
    for (size_t back = 1; back <= window && back <= k; back++) {
        const tk_t *t = &tks[k - back];
        if (t->kind != TK_WORD) {
            return false;
        }
        if (word_in(t->word, list)) {
            return true;
        }
    }
    return false;
}

/* True when a small number at tokens [first, last] reads as a clock time: a time word before
 * it (over other numbers and "or"/"and"/"to": "at 10 or 11"), or, unless an offer word came
 * before it ("I can do 20 today", STRONG_CUE_WORDS), a day word within three words before
 * or two after. */
static bool looks_like_clock(const tk_t *tks, size_t n, size_t first, size_t last, bool cued)
{
    size_t words = 0;
    for (size_t k = first; k > 0 && words < 3; k--) {
        const tk_t *t = &tks[k - 1];
        if (t->kind == TK_NUM) {
            continue;
        }
        if (t->kind != TK_WORD) {
            break;
        }
        if (word_in(t->word, TIME_BEFORE) || (!cued && word_in(t->word, DAY_WORDS))) {
            return true;
        }
        if (strcmp(t->word, "or") != 0 && strcmp(t->word, "and") != 0 &&
            strcmp(t->word, "to") != 0) {
            words++;
        }
    }
    for (size_t k = last + 1; !cued && k < n && k <= last + 2; k++) {
        if (tks[k].kind != TK_WORD) {
            break;
        }
        if (word_in(tks[k].word, DAY_WORDS)) {
            return true;
        }
    }
    return false;
}

static const char *prev_word(const tk_t *tks, size_t k)
{
    if (k == 0 || tks[k - 1].kind != TK_WORD) {
        return NULL;
    }
    return tks[k - 1].word;
}

/* Decides whether candidate c is money; may rewrite its amount ("grand", percentages).
 * Returns true to keep it; sets *cued. */
static bool cand_judge(const tk_t *tks, size_t n, cand_t *c, int64_t price_cents, int mode,
                       bool *cued)
{
    size_t next = c->last + 1;
    const char *prev = prev_word(tks, c->first);
    const tk_t *nt = next < n ? &tks[next] : NULL;

    *cued = word_before(tks, c->first, 3, CUE_WORDS);
    if (c->bad) {
        return false;
    }
    /* digits right next to other digits: "555 1234", "(555) 123"; a range "65-70" is two
     * amounts */
    bool from_digits = !c->from_words;
    if (nt != NULL && nt->kind == TK_NUM && !(from_digits && tks[c->last].range_next)) {
        return false;
    }
    if (c->first > 0 && tks[c->first - 1].kind == TK_NUM &&
        !(from_digits && tks[c->first].range_prev)) {
        return false;
    }
    if (c->first > 0 && tks[c->first - 1].kind == TK_SEP && c->first > 1 &&
        tks[c->first - 2].kind == TK_NUM && tks[c->first - 1].pos + 1 == c->pos) {
        return false; /* "(555)123" */
    }
    if (c->percent) {
        if (nt == NULL || nt->kind != TK_WORD || !word_in(nt->word, PERCENT_AFTER) ||
            !c->plain_int || price_cents <= 0 || c->cents < 100 || c->cents > 9000) {
            return false;
        }
        int64_t pct = c->cents / 100;
        c->cents = price_cents * (100 - pct) / 100;
        c->currency = true;
        return true;
    }
    if (nt != NULL && nt->kind == TK_WORD) {
        if (word_in(nt->word, CURRENCY_WORDS)) {
            c->currency = true;
        } else if (strcmp(nt->word, "grand") == 0) {
            c->cents *= 1000;
            c->currency = true;
        } else if (mode == OFFER_SCAN_BUYER && word_in(nt->word, FEE_AFTER)) {
            return false;
        } else if (!c->currency && mode == OFFER_SCAN_BUYER &&
                   !word_in(nt->word, OFFER_FOLLOWERS)) {
            return false; /* 55 inch, 2 of them, 123 Main St, 20 minutes, 2019 model */
        } else if (!c->currency && mode == OFFER_SCAN_ALL && is_unit_word(nt->word)) {
            return false; /* 6 drawers, 2 years, 10 minutes */
        }
    }
    /* what a buyer refers to or refuses is not their offer; a draft gets no such benefit */
    if (mode == OFFER_SCAN_BUYER) {
        if (prev != NULL && word_in(prev, FEE_BEFORE)) {
            return false;
        }
        if (word_before(tks, c->first, 3, REFERENCE_WORDS)) {
            return false;
        }
        /* "110 is too much", "$110? too high" */
        for (size_t k = c->last + 1; k < n && k <= c->last + 4; k++) {
            if (tks[k].kind == TK_WORD && strcmp(tks[k].word, "too") == 0) {
                return false;
            }
        }
    }
    if (!c->currency && c->cents % 100 == 0 && c->cents <= 2400 &&
        looks_like_clock(tks, n, c->first, c->last,
                         mode == OFFER_SCAN_ALL ||
                             word_before(tks, c->first, 3, STRONG_CUE_WORDS))) {
        return false; /* at 5, by 6, "10 or 11 works", tomorrow 6, 6 tonight */
    }
    if (!c->currency && prev != NULL && c->cents % 100 == 0 && c->cents <= 6000 &&
        strcmp(prev, "in") == 0) {
        return false; /* in 20 */
    }
    if (!c->currency && c->plain_int && c->ndigits == 4 && c->cents >= 195000 &&
        c->cents <= 203900 && !*cued) {
        return false; /* a year */
    }
    if (c->cents <= 0) {
        return false;
    }
    if (mode == OFFER_SCAN_BUYER && !c->currency) {
        if (price_cents > 0) {
            if (c->cents > price_cents * 3 || c->cents * 20 < price_cents) {
                return false;
            }
        } else if (!*cued) {
            return false;
        }
    }
    return true;
}

size_t offer_scan(const char *text, int64_t price_cents, int mode, offer_amount_t *out, size_t max)
{
    if (text == NULL) {
        return 0;
    }
    /* a text of L bytes has at most L tokens: short chat lines need a small array */
    size_t cap = strlen(text) + 1;
    if (cap > TK_MAX) {
        cap = TK_MAX;
    }
    tk_t *tks = xmalloc(cap * sizeof(*tks));
    size_t n = tokenize(text, tks, cap);
    size_t found = 0;

    for (size_t k = 0; k < n; k++) {
        cand_t c;
        memset(&c, 0, sizeof(c));
        if (tks[k].kind == TK_NUM) {
            c.cents = tks[k].cents;
            c.currency = tks[k].currency;
            c.bad = tks[k].bad;
            c.percent = tks[k].percent;
            c.plain_int = tks[k].plain_int;
            c.ndigits = tks[k].ndigits;
            c.first = c.last = k;
            c.pos = tks[k].pos;
        } else if (tks[k].kind == TK_WORD) {
            int64_t dollars = 0;
            size_t used = parse_words(tks, n, k, &dollars);
            if (used == 0) {
                continue;
            }
            if (dollars < 10) {
                k += used - 1; /* "one", "two": counts, not prices */
                continue;
            }
            c.cents = dollars * 100;
            c.from_words = true;
            c.plain_int = false;
            c.first = k;
            c.last = k + used - 1;
            c.pos = tks[k].pos;
            k = c.last;
        } else {
            continue;
        }
        bool cued = false;
        if (!cand_judge(tks, n, &c, price_cents, mode, &cued)) {
            continue;
        }
        if (out != NULL && found < max) {
            out[found].cents = c.cents;
            out[found].currency = c.currency;
            out[found].cued = cued;
            out[found].pos = c.pos;
        }
        found++;
    }
    free(tks);
    return found;
}

/* Length of the longest case-insensitive common prefix of text and title (tlen bytes) that
 * holds a letter and ends at a word's end in both, or 0. */
static size_t title_prefix_at(const char *text, const char *title, size_t tlen)
{
    size_t best = 0;
    bool letter = false;
    for (size_t i = 0; i < tlen && text[i] != '\0' &&
                       tolower((unsigned char)text[i]) == tolower((unsigned char)title[i]);) {
        letter = letter || isalpha((unsigned char)text[i]);
        i++;
        if (letter && isalnum((unsigned char)text[i - 1]) && !isalnum((unsigned char)text[i]) &&
            (i == tlen || !isalnum((unsigned char)title[i]))) {
            best = i;
        }
    }
    return best;
}

char *offer_mask_title(const char *text, const char *title)
{
    if (text == NULL || title == NULL) {
        return NULL;
    }
    while (isspace((unsigned char)*title)) {
        title++;
    }
    size_t tlen = strlen(title);
    while (tlen > 0 && isspace((unsigned char)title[tlen - 1])) {
        tlen--;
    }
    if (strcspn(title, "0123456789") >= tlen) {
        return NULL; /* no digit in the title: nothing to mask */
    }
    char *out = NULL;
    for (size_t pos = 0; text[pos] != '\0'; pos++) {
        if (pos > 0 && isalnum((unsigned char)text[pos - 1])) {
            continue; /* the title starts a word */
        }
        size_t len = title_prefix_at(text + pos, title, tlen);
        if (len == 0 || strcspn(text + pos, "0123456789") >= len) {
            continue;
        }
        if (out == NULL) {
            out = xstrdup(text);
        }
        for (size_t i = pos; i < pos + len; i++) {
            if (isdigit((unsigned char)out[i])) {
                out[i] = 'x';
            }
        }
        pos += len - 1;
    }
    return out;
}

size_t offer_scan_titled(const char *text, const char *title, int64_t price_cents, int mode,
                         offer_amount_t *out, size_t max)
{
    char *masked = offer_mask_title(text, title);
    size_t n = offer_scan(masked != NULL ? masked : text, price_cents, mode, out, max);
    free(masked);
    return n;
}

int offer_parse(const char *text, int64_t price_cents, int64_t *offer_cents)
{
    return offer_parse_titled(text, NULL, price_cents, offer_cents);
}

int offer_parse_titled(const char *text, const char *title, int64_t price_cents,
                       int64_t *offer_cents)
{
    offer_amount_t amounts[16];
    size_t n = offer_scan_titled(text, title, price_cents, OFFER_SCAN_BUYER, amounts, 16);
    if (n > 16) {
        n = 16;
    }
    int best = -1;
    int best_score = -1;
    for (size_t i = 0; i < n; i++) {
        int score = amounts[i].currency ? 1 : 0;
        if (score >= best_score) { /* >=: the last one wins a tie */
            best_score = score;
            best = (int)i;
        }
    }
    if (best < 0) {
        return 0;
    }
    *offer_cents = amounts[best].cents;
    return 1;
}
