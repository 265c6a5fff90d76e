/* The rules engine (see rules.h): one table of reply templates per kind and tone, filled
 * with the listing's facts; the description sentence that best answers a question is found
 * by keyword overlap. */
#include "rules.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/money.h"
#include "common/sbuf.h"
#include "common/xmalloc.h"
#include "offer.h"
#include "phrase.h"
#include "policy.h"

typedef enum {
    R_WHICH_ITEM,
    R_SOLD,
    R_AVAILABLE,
    R_ACCEPT_OFFER,
    R_ACCEPT_COUNTER,
    R_ACCEPT_TIME,
    R_COUNTER,
    R_COUNTER_COMPETING,
    R_DECLINE_LOW,
    R_DECLINE_FINAL,
    R_FIRM,
    R_LOWEST,
    R_AGREED_ALREADY,
    R_BACKING_OUT,
    R_CONFIRM_TIME,
    R_PICKUP,
    R_PICKUP_DAY,
    R_NEEDS_SELLER,
    R_PICKUP_FACT,
    R_DELIVERY_UNKNOWN,
    R_DETAILS_FACT,
    R_DETAILS_CONDITION,
    R_DETAILS_UNKNOWN,
    R_BUYER_DECLINE,
    R_THANKS,
    R_OTHER,
    R_BOT,
    R_AVAILABLE_PREFIX,
    R_WHERE,
    R_PICKUP_AT,
    R_COUNT,
} reply_kind_t;

#define VARIANTS 3

/* [kind][tone][variant]; NULL ends a row early. Placeholders: {title} {price} {agreed}
 * {counter} {competing} {condition} {fact} {location} {where} (the tone's R_WHERE sentence,
 * or nothing when the listing has no location). No template names the buyer's offer: a
 * lowball repeated back would be an amount below the floor in our own text. */
static const char *const TEMPLATES[R_COUNT][3][VARIANTS] = {
    [R_WHICH_ITEM] =
        {
            {"Hi! Which item are you asking about? Let me know and I'll help.",
             "Hi there! Which listing is this about? Happy to help once I know."},
            {"hey! which item are you asking about?", "hey, which one are you interested in?"},
            {"Hello, which item are you enquiring about? I will gladly help."},
        },
    [R_SOLD] =
        {
            {"Sorry, the {title} has already sold. Thanks for reaching out!"},
            {"ah sorry, the {title} already sold. appreciate you reaching out tho"},
            {"I am sorry, the {title} has already been sold. Thank you for your interest."},
        },
    [R_AVAILABLE] =
        {
            {"Yes, it's still available! The {title} is {price}.{where}",
             "Hi! Yes, the {title} is still available for {price}.{where} When would you like to "
             "come by?",
             "Yes, still available! It's {price}.{where} Let me know when works for you."},
            {"yep still available! it's {price}.{where} lmk",
             "yes still have it, {price}.{where} lmk when works"},
            {"Yes, the {title} is still available at {price}.{where}",
             "Good day. The {title} is still available at {price}.{where}"},
        },
    [R_ACCEPT_OFFER] =
        {
            {"Deal, {agreed} works for me! When would you like to pick it up?{where}",
             "{agreed} works! When can you come by?{where}"},
            {"bet, {agreed} works. when can you grab it?{where}"},
            {"Thank you, {agreed} is acceptable. When would you like to collect it?{where}"},
        },
    [R_ACCEPT_COUNTER] =
        {
            {"Great, {agreed} it is! When would you like to pick it up?{where}",
             "Perfect, {agreed} it is. When can you come by?{where}"},
            {"bet, {agreed} it is. when you wanna grab it?{where}"},
            {"Excellent, we have a deal at {agreed}. When would you like to collect it?{where}"},
        },
    [R_ACCEPT_TIME] =
        {
            {"Deal, {agreed} it is! Let me confirm the pickup time and get back to you "
             "shortly.{where}"},
            {"bet, {agreed} it is. lemme confirm the time and get back to you{where}"},
            {"Thank you, we have a deal at {agreed}. Let me confirm the time and get back to you "
             "shortly.{where}"},
        },
    [R_COUNTER] =
        {
            {"I can't go that low, but I could do {counter}. Would that work for you?",
             "Thanks for the offer! The best I can do right now is {counter}.",
             "I appreciate the offer. Could you do {counter}?"},
            {"cant go that low but i could do {counter}", "hmm could you do {counter}?"},
            {"Thank you for your offer. I could accept {counter}.",
             "I am unable to accept that, but I could do {counter}."},
        },
    [R_COUNTER_COMPETING] =
        {
            {"Thanks for the offer! Someone else already offered {competing}, so the best I can do "
             "is {counter}."},
            {"someone else already offered {competing}, could do {counter} tho"},
            {"Thank you. I have another offer of {competing}, so I could accept {counter}."},
        },
    [R_DECLINE_LOW] =
        {
            {"Sorry, that's too low for me. The lowest I can do is {counter}.",
             "Thanks, but I can't go that low. {counter} is the lowest I can do."},
            {"sorry thats too low, lowest i can do is {counter}"},
            {"I am sorry, that is too low. The lowest I can accept is {counter}."},
        },
    [R_DECLINE_FINAL] =
        {
            {"I'll have to stay at {counter}, that's my best price. Let me know if it works for "
             "you!"},
            {"gonna have to stick at {counter}, thats my best. lmk"},
            {"I must remain at {counter}, which is my best price. Please let me know if that suits "
             "you."},
        },
    [R_FIRM] =
        {
            {"Sorry, the price is firm at {price}.",
             "Thanks for asking! The price is firm at {price}."},
            {"sorry, price is firm at {price}"},
            {"Thank you for asking. The price is firm at {price}."},
        },
    [R_LOWEST] =
        {
            {"I could do {counter}.", "The best I can do is {counter}."},
            {"could do {counter}", "i can do {counter}"},
            {"I could offer it at {counter}."},
        },
    [R_AGREED_ALREADY] =
        {
            {"We're all set at {agreed}! When would you like to pick it up?{where}"},
            {"we're good at {agreed}! when you wanna grab it?{where}"},
            {"We have agreed on {agreed}. When would you like to collect it?{where}"},
        },
    [R_BACKING_OUT] =
        {
            {"No problem, thanks for letting me know."},
            {"all good, thanks for letting me know"},
            {"Understood, thank you for letting me know."},
        },
    [R_CONFIRM_TIME] =
        {
            {"Sounds good, let me confirm the time and get back to you shortly."},
            {"sounds good, lemme confirm the time and get back to you"},
            {"Thank you. Let me confirm the time and get back to you shortly."},
        },
    [R_PICKUP] =
        {
            {"{pickup_at}When would work for you?", "{pickup_at}When would you like to come by?"},
            {"{pickup_at}when works for you?"},
            {"{pickup_at}When would suit you?"},
        },
    [R_PICKUP_DAY] =
        {
            {"{pickup_at}What time works for you?", "{pickup_at}What time would you come by?"},
            {"{pickup_at}what time works?"},
            {"{pickup_at}What time would suit you?"},
        },
    [R_NEEDS_SELLER] =
        {
            {"Let me check and get back to you shortly.",
             "Good question, let me check and get back to you."},
            {"lemme check and get back to you"},
            {"Let me check and get back to you shortly."},
        },
    [R_PICKUP_FACT] =
        {
            {"{fact}{where} When would work for you?"},
            {"{fact}{where} lmk when works"},
            {"{fact}{where} When would suit you?"},
        },
    [R_DELIVERY_UNKNOWN] =
        {
            {"Let me check about delivery and get back to you.{where}"},
            {"lemme check on delivery and get back to you.{where}"},
            {"Let me check about delivery and get back to you shortly.{where}"},
        },
    [R_DETAILS_FACT] =
        {
            {"Good question! From the listing: {fact}", "Sure! {fact}"},
            {"from the listing: {fact}"},
            {"According to the listing: {fact}"},
        },
    [R_DETAILS_CONDITION] =
        {
            {"It's in {condition} condition.{fact}"},
            {"it's in {condition} condition.{fact}"},
            {"It is in {condition} condition.{fact}"},
        },
    [R_DETAILS_UNKNOWN] =
        {
            {"Good question, let me check and get back to you."},
            {"good q, lemme check and get back to you"},
            {"Good question. Let me check and get back to you shortly."},
        },
    [R_BUYER_DECLINE] =
        {
            {"No problem, thanks for your interest! Let me know if you change your mind."},
            {"all good, lmk if you change your mind"},
            {"No problem. Thank you for your interest."},
        },
    [R_THANKS] =
        {
            {"You're welcome! Let me know if you have any other questions.", "Anytime!"},
            {"np!", "anytime!"},
            {"You are welcome."},
        },
    [R_OTHER] =
        {
            {"Thanks for your message! The {title} is {price}.{where} Let me know if you have any "
             "questions."},
            {"hey! the {title} is {price}.{where} lmk if you have questions"},
            {"Thank you for your message. The {title} is listed at {price}.{where} Please let me "
             "know if you have any questions."},
        },
    [R_BOT] =
        {
            {"I'm an assistant helping the seller, happy to help with the {title}."},
            {"i'm an assistant helping the seller out, happy to help with the {title}"},
            {"I am an assistant helping the seller. I am happy to help with the {title}."},
        },
    [R_AVAILABLE_PREFIX] =
        {
            {"Yes, it's still available. "},
            {"yep still available. "},
            {"Yes, it is still available. "},
        },
    [R_WHERE] =
        {
            {" Pickup is in {location}."},
            {" pickup's in {location}"},
            {" Pickup is in {location}."},
        },
    [R_PICKUP_AT] =
        {
            {"Pickup is in {location}. "},
            {"pickup's in {location}. "},
            {"Pickup is in {location}. "},
        },
};

/* ---- small helpers ------------------------------------------------------------------------ */

rules_tone_t rules_tone(const char *tone)
{
    if (tone != NULL && strcmp(tone, "casual") == 0) {
        return RULES_TONE_CASUAL;
    }
    if (tone != NULL && strcmp(tone, "formal") == 0) {
        return RULES_TONE_FORMAL;
    }
    return RULES_TONE_FRIENDLY;
}

void rules_field_set(char **field, const char *value)
{
    char *copy = value != NULL ? xstrdup(value) : NULL;
    free(*field);
    *field = copy;
}

/* FNV-1a: stable across runs and machines, unlike rand(). */
static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""); *p != '\0'; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return h;
}

typedef struct {
    const char *key;
    const char *value;
} var_t;

/* Fills {key} placeholders of tpl from vars (unknown keys stay as written). Caller frees. */
static char *fill(const char *tpl, const var_t *vars, size_t nvars)
{
    sbuf_t out = {0};
    for (const char *p = tpl; *p != '\0';) {
        const char *value = NULL;
        size_t skip = 1;
        if (*p == '{') {
            const char *end = strchr(p, '}');
            for (size_t i = 0; end != NULL && i < nvars; i++) {
                size_t klen = strlen(vars[i].key);
                if ((size_t)(end - p - 1) == klen && strncmp(p + 1, vars[i].key, klen) == 0) {
                    value = vars[i].value != NULL ? vars[i].value : "";
                    skip = klen + 2;
                    break;
                }
            }
        }
        if (value != NULL) {
            sbuf_add(&out, value);
        } else {
            sbuf_addc(&out, *p);
        }
        p += skip;
    }
    return sbuf_take(&out);
}

/* Picks the template of kind for the tone, by the request's hash. */
static const char *pick(reply_kind_t kind, rules_tone_t tone, uint32_t hash)
{
    size_t n = 0;
    while (n < VARIANTS && TEMPLATES[kind][tone][n] != NULL) {
        n++;
    }
    if (n == 0) {
        return "";
    }
    return TEMPLATES[kind][tone][hash % n];
}

/* Copies at most max bytes of s, cut at a word boundary, into a new string. */
static char *shorten(const char *s, size_t max)
{
    if (s == NULL) {
        return NULL;
    }
    while (isspace((unsigned char)*s)) {
        s++;
    }
    size_t len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1])) {
        len--;
    }
    if (len <= max) {
        return xstrndup(s, len);
    }
    size_t cut = max;
    while (cut > 0 && s[cut] != ' ') {
        cut--;
    }
    if (cut == 0) {
        cut = max;
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) {
            cut--; /* never split a UTF-8 sequence */
        }
    }
    return xstrndup(s, cut);
}

static const char *condition_words(const char *condition)
{
    if (condition == NULL || condition[0] == '\0') {
        return NULL;
    }
    if (strcmp(condition, "like_new") == 0) {
        return "like-new";
    }
    if (strcmp(condition, "new") == 0 || strcmp(condition, "good") == 0 ||
        strcmp(condition, "fair") == 0 || strcmp(condition, "used") == 0) {
        return condition;
    }
    return NULL; /* unknown codes are not shown to buyers */
}

/* ---- the description sentence that answers a question ------------------------------------ */

static const char *const STOPWORDS[] = {
    "the",       "a",        "an",     "is",     "it",     "this",  "that",  "does",   "do",
    "what",      "how",      "any",    "are",    "you",    "your",  "there", "have",   "has",
    "with",      "for",      "and",    "or",     "of",     "to",    "in",    "on",     "can",
    "could",     "would",    "will",   "be",     "its",    "i",     "me",    "my",     "much",
    "many",      "still",    "please", "thanks", "hi",     "hello", "hey",   "about",  "was",
    "were",      "did",      "if",     "so",     "just",   "also",  "get",   "got",    "yes",
    "no",        "not",      "item",   "one",    "know",   "want",  "like",  "more",   "some",
    "wondering", "question", "tell",   "ask",    "asking", "im",    "ill",   "id",     "whats",
    "hows",      "isnt",     "thank",  "they",   "them",   "their", "it's",  "really", NULL,
};

/* Question words that also look for their neighbours in the description. */
static const struct {
    const char *word;
    const char *related[6];
} SYNONYMS[] = {
    {"size", {"dimension", "measure", "inch", "tall", "wide", "cm"}},
    {"big", {"dimension", "measure", "inch", "tall", "wide", "size"}},
    {"work", {"tested", "functional", "perfect", "running", NULL}},
    {"old", {"year", "bought", "age", "purchased", NULL}},
    {"scratch", {"damage", "dent", "wear", "flaw", "mark", "chip"}},
    {"damage", {"scratch", "dent", "wear", "flaw", "crack", NULL}},
    {"deliver", {"delivery", "ship", "drop", NULL}},
    {"ship", {"shipping", "deliver", "delivery", NULL}},
    {"smoke", {"smoking", "smoke-free", "pet", NULL}},
    {"pet", {"pets", "smoke", NULL}},
};

/* Reduces a word to a crude stem: "scratches" -> "scratch", "working" -> "work". */
static void stem(const char *word, char *out, size_t out_size)
{
    snprintf(out, out_size, "%s", word);
    size_t len = strlen(out);
    if (len > 5 && strcmp(out + len - 3, "ing") == 0) {
        out[len - 3] = '\0';
    } else if (len > 4 && (strcmp(out + len - 2, "es") == 0 || strcmp(out + len - 2, "ed") == 0)) {
        out[len - 2] = '\0';
    } else if (len > 3 && out[len - 1] == 's') {
        out[len - 1] = '\0';
    }
}

static bool stems_match(const char *a, const char *b)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);
    if (la >= 5 && lb >= 5) {
        return strncmp(a, b, 5) == 0;
    }
    return strcmp(a, b) == 0;
}

static bool is_stopword(const char *w)
{
    for (size_t i = 0; STOPWORDS[i] != NULL; i++) {
        if (strcmp(w, STOPWORDS[i]) == 0) {
            return true;
        }
    }
    return strlen(w) < 3;
}

/* Keywords of a question (stems), with synonyms; returns how many (at most max). */
static size_t question_keywords(const char *question, char (*kw)[PHRASE_WORD_MAX], size_t max)
{
    phrase_text_t t;
    size_t n = 0;
    phrase_text_init(&t, question);
    for (size_t i = 0; i < t.n && n < max; i++) {
        if (is_stopword(t.words[i])) {
            continue;
        }
        char s[PHRASE_WORD_MAX];
        stem(t.words[i], s, sizeof(s));
        snprintf(kw[n++], PHRASE_WORD_MAX, "%s", s);
        for (size_t k = 0; k < sizeof(SYNONYMS) / sizeof(SYNONYMS[0]); k++) {
            if (!stems_match(s, SYNONYMS[k].word)) {
                continue;
            }
            for (size_t r = 0; r < 6 && SYNONYMS[k].related[r] != NULL && n < max; r++) {
                stem(SYNONYMS[k].related[r], kw[n], PHRASE_WORD_MAX);
                n++;
            }
        }
    }
    phrase_text_free(&t);
    return n;
}

/* True when a sentence must not be repeated to a buyer: contact details, links, or an
 * amount at or below the floor. */
static bool sentence_unsafe(const char *s, int64_t price_cents, int64_t floor_cents)
{
    if (strchr(s, '@') != NULL || strstr(s, "http") != NULL || strstr(s, "www.") != NULL) {
        return true;
    }
    int run = 0;
    for (const char *p = s; *p != '\0'; p++) {
        run = isdigit((unsigned char)*p) ? run + 1 : (*p == '-' || *p == ' ' ? run : 0);
        if (run >= 7) {
            return true;
        }
    }
    offer_amount_t amounts[8];
    size_t n = offer_scan(s, price_cents, OFFER_SCAN_ALL, amounts, 8);
    for (size_t i = 0; i < n && i < 8; i++) {
        if (amounts[i].cents <= floor_cents) {
            return true; /* at the floor it would read as a disclosure to the post-guard */
        }
    }
    return false;
}

/* The description sentence sharing the most keywords with the question (at least one and,
 * when must_have is given, containing one of those stems), or NULL. Caller frees. */
static char *best_sentence(const char *description, const char *question,
                           const char *const *must_have, int64_t price_cents, int64_t floor_cents)
{
    char kw[48][PHRASE_WORD_MAX];
    size_t nkw = question_keywords(question, kw, 48);
    char *best = NULL;
    int best_score = 0;

    if (description == NULL || nkw == 0) {
        return NULL;
    }
    const char *p = description;
    while (*p != '\0') {
        const char *end = p;
        while (*end != '\0' && *end != '.' && *end != '!' && *end != '?' && *end != '\n') {
            end++;
        }
        if (*end != '\0' && *end != '\n') {
            end++; /* keep the sentence's own full stop */
        }
        char *sentence = xstrndup(p, (size_t)(end - p));
        p = *end != '\0' ? end + (*end == '\n') : end;
        /* skip bullets and blanks */
        char *s = sentence;
        while (*s == ' ' || *s == '-' || *s == '*' || *s == '\t') {
            s++;
        }
        phrase_text_t t;
        phrase_text_init(&t, s);
        int score = 0;
        bool required = must_have == NULL;
        for (size_t k = 0; k < nkw; k++) {
            for (size_t w = 0; w < t.n; w++) {
                char st[PHRASE_WORD_MAX];
                stem(t.words[w], st, sizeof(st));
                if (stems_match(kw[k], st)) {
                    score++;
                    break;
                }
            }
        }
        for (size_t m = 0; !required && must_have[m] != NULL; m++) {
            for (size_t w = 0; w < t.n; w++) {
                char st[PHRASE_WORD_MAX];
                stem(t.words[w], st, sizeof(st));
                if (stems_match(must_have[m], st)) {
                    required = true;
                    break;
                }
            }
        }
        phrase_text_free(&t);
        if (score > best_score && required && strlen(s) >= 3 &&
            !sentence_unsafe(s, price_cents, floor_cents)) {
            free(best);
            best = shorten(s, 200);
            best_score = score;
        }
        free(sentence);
    }
    return best;
}

/* ---- drafting ----------------------------------------------------------------------------- */

typedef struct {
    const reply_requested_t *req;
    const plan_t *plan;
    rules_tone_t tone;
    uint32_t hash;
    char price[48], agreed[48], counter[48], competing[48];
    char *title, *location, *fact, *where, *pickup_at;
    const char *condition;
} ctx_t;

static char *render(const ctx_t *c, reply_kind_t kind)
{
    const var_t vars[] = {
        {"title", c->title},         {"price", c->price},         {"agreed", c->agreed},
        {"counter", c->counter},     {"competing", c->competing}, {"condition", c->condition},
        {"fact", c->fact},           {"location", c->location},   {"where", c->where},
        {"pickup_at", c->pickup_at},
    };
    return fill(pick(kind, c->tone, c->hash), vars, sizeof(vars) / sizeof(vars[0]));
}

/* Joins a prefix and a body into a new string; frees both. */
static char *join_free(char *prefix, char *body)
{
    if (prefix == NULL) {
        return body;
    }
    char *out = xasprintf("%s%s", prefix, body);
    free(prefix);
    free(body);
    return out;
}

static const char *const PICKUP_WORDS[] = {"pick",     "pickup", "deliver",  "delivery", "ship",
                                           "shipping", "meet",   "location", "drop",     NULL};
static const char *const DELIVERY_ASKED[] = {"deliver*", "ship",     "shipping", "ships",
                                             "drop off", "bring it", NULL};
static const char *const CONDITION_ASKED[] = {"condition", "scratch*", "damage*", "wear",
                                              "broken",    "shape",    "flaw*",   "dent*",
                                              "quality",   NULL};

/* Chooses the reply kind, the deal and the action. */
/* A buyer's offer: the policy's verdict decides the reply and the deal. */
static reply_kind_t decide_offer(const plan_t *plan, reply_drafted_t *out)
{
    const policy_t *p = &plan->policy;
    out->deal.buyer_offer_cents = plan->buyer_offer_cents;
    switch (plan->verdict) {
    case OFFER_VERDICT_ACCEPT:
        rules_field_set(&out->deal.status, "agreed");
        out->deal.agreed_price_cents = plan->agreed_cents;
        return plan->proposes_time || plan->mentions_day ? R_ACCEPT_TIME : R_ACCEPT_OFFER;
    case OFFER_VERDICT_COUNTER:
        rules_field_set(&out->deal.status, "negotiating");
        out->deal.counter_cents = plan->counter_cents;
        return plan->competing_cents > 0 ? R_COUNTER_COMPETING : R_COUNTER;
    case OFFER_VERDICT_DECLINE:
        rules_field_set(&out->deal.status, "negotiating");
        out->deal.counter_cents = plan->counter_cents;
        if (p->firm) {
            return R_FIRM;
        }
        if (plan->rounds >= POLICY_MAX_ROUNDS) {
            rules_field_set(&out->deal.status, "declined");
            return R_DECLINE_FINAL;
        }
        return R_DECLINE_LOW;
    case OFFER_VERDICT_NONE:
        break;
    }
    return R_OTHER;
}

/* Where and when: a proposed time goes to the seller; otherwise the listing's own words on
 * pickup, or the tone's pickup line. */
static reply_kind_t decide_pickup(ctx_t *c, const char *question, const char **action,
                                  const char **reason)
{
    const plan_t *plan = c->plan;
    const policy_t *p = &plan->policy;
    if (plan->proposes_time) {
        *action = "handoff";
        *reason = "buyer proposes a pickup time; please confirm it";
        return R_CONFIRM_TIME;
    }
    phrase_text_t t;
    phrase_text_init(&t, question);
    bool delivery = phrase_match_any(&t, DELIVERY_ASKED) != NULL;
    phrase_text_free(&t);
    c->fact = best_sentence(c->req->listing.description, question, PICKUP_WORDS, p->price_cents,
                            p->floor_cents);
    if (c->fact != NULL) {
        return R_PICKUP_FACT;
    }
    if (delivery) {
        *action = "handoff";
        *reason = "asks about delivery; the listing does not say";
        return R_DELIVERY_UNKNOWN;
    }
    return plan->mentions_day ? R_PICKUP_DAY : R_PICKUP;
}

/* A question about the item: answered from the listing's description or condition, or the
 * chat goes to the seller. */
static reply_kind_t decide_details(ctx_t *c, const char *question, const char **action,
                                   const char **reason)
{
    const policy_t *p = &c->plan->policy;
    phrase_text_t t;
    phrase_text_init(&t, question);
    bool condition_asked = phrase_match_any(&t, CONDITION_ASKED) != NULL;
    phrase_text_free(&t);
    char *fact =
        best_sentence(c->req->listing.description, question, NULL, p->price_cents, p->floor_cents);
    if (condition_asked && c->condition != NULL) {
        c->fact = fact != NULL ? xasprintf(" %s", fact) : xstrdup("");
        free(fact);
        return R_DETAILS_CONDITION;
    }
    if (fact != NULL) {
        c->fact = fact;
        return R_DETAILS_FACT;
    }
    *action = "handoff";
    *reason = "question not answered by the listing; please answer the buyer";
    return R_DETAILS_UNKNOWN;
}

static reply_kind_t decide(ctx_t *c, const char *question, reply_drafted_t *out,
                           const char **action, const char **reason)
{
    const plan_t *plan = c->plan;
    const policy_t *p = &plan->policy;

    *action = "send";
    *reason = NULL;
    rules_field_set(&out->deal.status, "none");
    if (!plan->listing_known) {
        return R_WHICH_ITEM;
    }
    if (plan->listing_sold && !plan->agreed) {
        return R_SOLD; /* sold to someone else; the buyer who has the deal keeps talking */
    }
    if (plan->seller_reason[0] != '\0') {
        if (plan->agreed) {
            rules_field_set(&out->deal.status, "agreed");
            out->deal.agreed_price_cents = plan->agreed_cents;
        }
        *action = "handoff";
        *reason = plan->seller_reason;
        return R_NEEDS_SELLER;
    }
    if (plan->agreed) {
        rules_field_set(&out->deal.status, "agreed");
        out->deal.agreed_price_cents = plan->agreed_cents;
        switch (plan->intent) {
        case INTENT_DECLINE:
            *action = "handoff";
            *reason = "buyer backs out of the agreed deal";
            return R_BACKING_OUT;
        case INTENT_PICKUP:
            break;
        case INTENT_DETAILS:
            break;
        case INTENT_ACCEPT:
            if (plan->proposes_time || plan->mentions_day) {
                *action = "handoff";
                *reason = "buyer proposes a pickup time; please confirm it";
                return R_CONFIRM_TIME;
            }
            return R_AGREED_ALREADY;
        default:
            return R_AGREED_ALREADY;
        }
    }
    switch (plan->intent) {
    case INTENT_OFFER:
        return decide_offer(plan, out);
    case INTENT_ACCEPT:
        rules_field_set(&out->deal.status, "agreed");
        out->deal.agreed_price_cents = plan->agreed_cents;
        return plan->proposes_time || plan->mentions_day ? R_ACCEPT_TIME : R_ACCEPT_COUNTER;
    case INTENT_LOWEST:
        if (p->firm) {
            return R_FIRM;
        }
        rules_field_set(&out->deal.status, "negotiating");
        out->deal.counter_cents = plan->counter_cents;
        return plan->rounds >= POLICY_MAX_ROUNDS ? R_DECLINE_FINAL : R_LOWEST;
    case INTENT_DECLINE:
        rules_field_set(&out->deal.status, "declined");
        return R_BUYER_DECLINE;
    case INTENT_AVAILABILITY:
        return R_AVAILABLE;
    case INTENT_PICKUP:
        return decide_pickup(c, question, action, reason);
    case INTENT_DETAILS:
        return decide_details(c, question, action, reason);
    case INTENT_THANKS:
        return R_THANKS;
    case INTENT_WHICH_ITEM:
        return R_WHICH_ITEM;
    case INTENT_OTHER:
        break;
    }
    return plan->asks_human ? R_BOT : R_OTHER;
}

char *rules_honest_line(const reply_requested_t *req)
{
    ctx_t c;
    memset(&c, 0, sizeof(c));
    c.tone = rules_tone(req->policy.tone);
    c.title = shorten(
        req->listing.id != 0 && req->listing.title != NULL ? req->listing.title : "item", 60);
    char *line = render(&c, R_BOT);
    free(c.title);
    return line;
}

int rules_draft(const reply_requested_t *req, const plan_t *plan, reply_drafted_t *out)
{
    ctx_t c;
    char *question = NULL;
    memset(&c, 0, sizeof(c));
    c.req = req;
    c.plan = plan;
    c.tone = rules_tone(req->policy.tone);
    c.hash = hash_str(req->request_id);

    if (out->request_id == NULL) {
        rules_field_set(&out->request_id, req->request_id);
    }
    if (out->conversation_id == NULL) {
        rules_field_set(&out->conversation_id, req->conversation_id);
    }
    rules_field_set(&out->source, "rules");
    rules_field_set(&out->intent, intent_name(plan->intent));
    out->deal.agreed_price_cents = 0;
    out->deal.buyer_offer_cents = plan->buyer_offer_cents;
    out->deal.counter_cents = 0;

    if (plan->handoff) {
        rules_field_set(&out->action, "handoff");
        rules_field_set(&out->text, "");
        rules_field_set(&out->deal.status, "none");
        rules_field_set(&out->guard.handoff_reason, plan->handoff_reason);
        return 0;
    }
    if (plan->nothing_to_answer) {
        rules_field_set(&out->action, "none");
        rules_field_set(&out->text, "");
        rules_field_set(&out->deal.status, plan->agreed ? "agreed" : "none");
        out->deal.agreed_price_cents = plan->agreed ? plan->agreed_cents : 0;
        return 0;
    }

    const char *currency = req->listing.currency;
    money_display(plan->policy.price_cents, currency, MONEY_TO_BUYER, c.price, sizeof(c.price));
    money_display(plan->agreed_cents, currency, MONEY_TO_BUYER, c.agreed, sizeof(c.agreed));
    money_display(plan->counter_cents, currency, MONEY_TO_BUYER, c.counter, sizeof(c.counter));
    money_display(plan->competing_cents, currency, MONEY_TO_BUYER, c.competing,
                  sizeof(c.competing));
    c.title = shorten(
        req->listing.title != NULL && req->listing.title[0] != '\0' ? req->listing.title : "item",
        60);
    c.location = shorten(req->listing.location, 60);
    c.condition = condition_words(req->listing.condition);
    if (c.location != NULL && c.location[0] != '\0') {
        const var_t vars[] = {{"location", c.location}};
        c.where = fill(pick(R_WHERE, c.tone, 0), vars, 1);
        c.pickup_at = fill(pick(R_PICKUP_AT, c.tone, 0), vars, 1);
    } else {
        c.where = xstrdup("");
        c.pickup_at = xstrdup("");
    }
    question = plan_buyer_text(req);

    const char *action = "send";
    const char *reason = NULL;
    reply_kind_t kind = decide(&c, question, out, &action, &reason);
    char *text = render(&c, kind);
    /* answer the secondary questions the main reply would leave hanging */
    if (plan->listing_known && !plan->listing_sold && kind != R_AVAILABLE && kind != R_SOLD &&
        PLAN_HAS_INTENT(plan, INTENT_AVAILABILITY) &&
        (plan->intent == INTENT_OFFER || plan->intent == INTENT_LOWEST ||
         plan->intent == INTENT_PICKUP || plan->intent == INTENT_DETAILS)) {
        text = join_free(render(&c, R_AVAILABLE_PREFIX), text);
    }
    if (plan->asks_human && kind != R_BOT) {
        char *honest = render(&c, R_BOT);
        text = join_free(xasprintf("%s ", honest), text);
        free(honest);
    }
    rules_field_set(&out->action, action);
    rules_field_set(&out->text, text);
    if (reason != NULL) {
        rules_field_set(&out->guard.handoff_reason, reason);
    }
    free(text);
    free(question);
    free(c.title);
    free(c.location);
    free(c.fact);
    free(c.where);
    free(c.pickup_at);
    return 0;
}
