/* Builds the plan of a reply (see plan.h): the pre-guard over the buyer's new text, the
 * intent, the offer and the policy's verdict. Every table of phrases is below, in the order
 * it is consulted. */
#include "plan.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"
#include "contact.h"
#include "offer.h"
#include "phrase.h"
#include "policy.h"

/* ---- pre-guard: scams, off-platform moves, abuse -> handoff, no automatic text ---------- */

static const char *const VERIFICATION_CODE[] = {
    "send me the code",
    "send me that code",
    "send me a code",
    "send the code",
    "give me the code",
    "share the code",
    "read me the code",
    "tell me the code",
    "what's the code",
    "verification code",
    "verify code",
    "confirmation code",
    "the code i sent",
    "code i just sent",
    "code i sent you",
    "sent you a code",
    "text you a code",
    "digit code",
    "google voice",
    "verify you're real",
    "verify you are real",
    "verify that you're real",
    "verify you're a real",
    "verify your number",
    "verify your phone",
    "verify your identity",
    "prove you're real",
    "prove you are real",
    "make sure you're real",
    "otp",
    NULL,
};

static const char *const PAYMENT_APP[] = {
    "zelle",
    "cash app",
    "cashapp",
    "friends and family",
    "friends & family",
    "f&f",
    "wire transfer",
    "wire the money",
    "wire you",
    "wire it",
    "western union",
    "moneygram",
    "gift card*",
    "giftcard*",
    "itunes card",
    "steam card",
    "google play card",
    "bitcoin",
    "btc",
    "crypto*",
    "usdt",
    "ethereum",
    "coinbase",
    NULL,
};

static const char *const OVERPAYMENT[] = {
    "send * extra",
    "overpa*",
    "refund the difference",
    "refund * difference",
    "send * back the difference",
    "return the difference",
    "send back the rest",
    "cashier's check",
    "cashiers check",
    "certified check",
    "money order",
    "cheque",
    "check for more",
    NULL,
};

static const char *const COURIER[] = {
    "my mover*",
    "movers will",
    "mover will",
    "shipping agent",
    "pickup agent",
    "pick up agent",
    "courier",
    "shipping label",
    "prepaid label",
    "out of town * my",
    "my cousin will",
    "arrange a pickup",
    "arrange pickup",
    "arrange shipping",
    "my assistant will",
    "send a driver",
    NULL,
};

/* Insults and slurs, matched as whole words (a trailing * allows endings). Kept small on
 * purpose: the seller sees every handoff, so a miss costs little and a false hit less. */
static const char *const ABUSE[] = {
    "idiot*",  "stupid",   "moron*", "dumbass",  "dumb ass", "fuck*",  "motherf*",
    "shit*",   "bullshit", "bitch*", "asshole*", "bastard*", "cunt*",  "retard*",
    "scammer", "kill you", "kys",    "stfu",     "slut*",    "whore*", "nigg*",
    "faggot*", "spic",     "chink",  "kike",     NULL,
};

/* In order: the first row that matches decides. A row matches by its phrase patterns, or by
 * the contact-info kinds it names (contact.h, shared with the post-guard). */
static const struct {
    const char *code;
    const char *reason;
    const char *const *patterns;
    unsigned contact;
} PRE_GUARDS[] = {
    {"verification_code",
     "asks for a verification code or to verify identity (account takeover scam)",
     VERIFICATION_CODE, 0},
    {"payment_app",
     "wants to pay outside the marketplace (payment app, friends and family, wire, gift "
     "cards, crypto)",
     PAYMENT_APP, 0},
    {"overpayment",
     "overpayment or refund scheme (sends extra, cashier's check, refund the difference)",
     OVERPAYMENT, 0},
    {"courier",
     "courier or shipping-only trick (mover, shipping agent, label, someone else picks up)",
     COURIER, 0},
    {"off_platform", "wants to move the chat off the marketplace (WhatsApp, text, email)", NULL,
     CONTACT_OFF_PLATFORM},
    {"abuse", "abusive language", ABUSE, 0},
    {"contact_info", "shares a phone number or email address (moving off the marketplace)", NULL,
     CONTACT_PHONE | CONTACT_EMAIL},
    {"link", "sends a link (possible phishing)", NULL, CONTACT_LINK},
};

bool plan_pre_guard(const char *text, char *code, size_t code_size, char *reason,
                    size_t reason_size)
{
    bool hit = false;
    unsigned contact = contact_scan(text);
    phrase_text_t t;
    phrase_text_init(&t, text);
    for (size_t i = 0; i < sizeof(PRE_GUARDS) / sizeof(PRE_GUARDS[0]) && !hit; i++) {
        hit = PRE_GUARDS[i].patterns != NULL ? phrase_match_any(&t, PRE_GUARDS[i].patterns) != NULL
                                             : (contact & PRE_GUARDS[i].contact) != 0;
        if (hit) {
            snprintf(code, code_size, "%s", PRE_GUARDS[i].code);
            snprintf(reason, reason_size, "%s", PRE_GUARDS[i].reason);
        }
    }
    phrase_text_free(&t);
    return hit;
}

/* ---- intents ------------------------------------------------------------------------------ */

static const char *const ASKS_HUMAN[] = {
    "are you a bot",
    "are you a robot",
    "is this a bot",
    "is this a robot",
    "are you real",
    "are you a real",
    "are you human",
    "are you a human",
    "are you a person",
    "is this automated",
    "is this an automated",
    "are you an ai",
    "are you ai",
    "is this ai",
    "is this an ai",
    "talking to a bot",
    "talking to a robot",
    "talking to a real",
    "talking to a person",
    "talking to a human",
    "is this a real person",
    "chatgpt",
    "auto reply",
    "automated reply",
    NULL,
};

static const char *const ACCEPT_STRONG[] = {
    "^deal",           "ok deal",
    "okay deal",       "it's a deal",
    "you have a deal", "you got a deal",
    "i'll take it",    "i will take it",
    "i'll buy it",     "i want it",
    "let's do it",     "lets do it",
    "works for me",    "that works",
    "sounds good",     "sounds great",
    "agreed",          "i accept",
    "i'll take",       "we have a deal",
    "i'd like to buy", "i would like to buy",
    "i want to buy",   "i'll buy",
    "can i buy it",    NULL,
};

static const char *const ACCEPT_WEAK[] = {
    "^ok",   "^okay", "^yes",  "^yeah", "^yep", "^sure", "^alright",
    "^fine", "^k $",  "^kk $", "^ya",   "^bet", NULL,
};

static const char *const DECLINE[] = {
    "no thanks",     "no thank you",     "that's too much", "too much for",
    "bit too much",  "way too much",     "too much money",  "^too much",
    "it's too much", "too expensive",    "too pricey",      "i'll pass",
    "^pass",         "not interested",   "never mind",      "nevermind",
    "nvm",           "out of my budget", "no deal",         "can't afford",
    "cant afford",   "found another",    "found one",       "bought another",
    "bought one",    "no longer need",   "don't need it",   NULL,
};

static const char *const LOWEST[] = {
    "lowest",       "best price",  "negotiable",  "negotiate",       "obo",         "firm",
    "any discount", "discount",    "flexible",    "take less",       "come down",   "go lower",
    "lower",        "cheaper",     "bottom",      "best you can do", "wiggle room", "deal on",
    "better price", "last price",  "best offer",  "room on",         "least",       "how low",
    "go down",      "take for it", "final price", "cheapest",        NULL,
};

static const char *const AVAILABILITY[] = {
    "available", "still have",  "still for sale", "still selling",
    "still got", "is it sold",  "is this sold",   "has it sold",
    "still up",  "still there", "is it gone",     "still a thing",
    "still on",  "avail",       "^sold",          NULL,
};

static const char *const PICKUP[] = {
    "pick up",   "pickup",        "pick it up",  "deliver*",     "ship",     "shipping",
    "ships",     "where are you", "where is it", "location",     "located",  "address",
    "come by",   "come get",      "meet",        "drop off",     "swing by", "when can i",
    "what time", "tonight",       "tomorrow",    "this weekend", "how far",  "where can i",
    "collect",   "see it",        "look at it",  "check it out", "inspect",  "come see",
    NULL,
};

static const char *const DETAILS[] = {
    "condition", "work",       "works",    "working",  "size",     "dimension*", "measure*",
    "how old",   "how big",    "how tall", "how long", "how wide", "how heavy",  "weight",
    "weigh*",    "heavy",      "height",   "width",    "depth",    "tall",       "wide",
    "deep",      "made of",    "scratch*", "damage*",  "broken",   "brand",      "model",
    "come with", "comes with", "included", "include*", "original", "battery",    "smoke",
    "smell*",    "pet",        "pets",     "wear",     "stain*",   "color",      "colour",
    "year",      "warranty",   "receipt",  "issues",   "problems", "defects",    "tested",
    "material",  "fit",        "fits",     "specs",    "shape",    "quality",    "sturdy",
    "wobbl*",    "stable",     NULL,
};

/* "how much?": answered with the price (intent other) unless a details word is there too
 * ("how much does it weigh"). */
static const char *const ASKS_PRICE[] = {
    "how much", "price", "what are you asking", "cost", "asking", NULL,
};

/* Questions that are about the item but carry no keyword of their own. */
static const char *const DETAILS_GENERIC[] = {
    "does it", "is it", "can it", "what kind", "how many", "details", NULL,
};

/* Requests only the seller can answer: the reply is a holding line and a handoff. */
static const char *const ASKS_HOLD[] = {
    "hold it",     "hold for",   "hold this",    "hold until", "hold till",
    "save it for", "reserve it", "put it aside", "put aside",  NULL,
};
static const char *const ASKS_TRADE[] = {"trade", "swap", "exchange for", NULL};
static const char *const ASKS_PHOTOS[] = {
    "more pictures", "more photos",   "more pics",   "another picture", "another photo",
    "video",         "send pictures", "send photos", "send pics",       "pictures of",
    "photos of",     "pics of",       NULL,
};
static const char *const ASKS_PAYMENT[] = {
    "paypal",        "venmo",          "credit card",  "debit card", "pay by card",
    "card payment",  "accept card",    "take card",    "apple pay",  "google pay",
    "how can i pay", "payment method", "how do i pay", NULL,
};
static const char *const ARRIVING[] = {
    "on my way",    "omw",          "i'm here",     "i'm outside", "outside now", "here now",
    "i've arrived", "just arrived", "running late", "be there in", "i'm at your", NULL,
};

static const struct {
    const char *reason;
    const char *const *patterns;
} NEEDS_SELLER[] = {
    {"buyer is on the way or has arrived", ARRIVING},
    {"asks to hold the item", ASKS_HOLD},
    {"offers a trade", ASKS_TRADE},
    {"asks for more photos", ASKS_PHOTOS},
    {"asks about the payment method", ASKS_PAYMENT},
};

static const char *const THANKS[] = {
    "thanks", "thank you", "thx", "ty", "tysm", "appreciate*", "cheers", NULL,
};

/* A pickup time proposed by the buyer: only the seller can confirm it. Clock times ("5pm",
 * "5:30") are found by has_clock_time. */
static const char *const DAY_WORDS[] = {
    "tomorrow",  "tonight",   "today",    "this weekend", "next week", "this week", "monday",
    "tuesday",   "wednesday", "thursday", "friday",       "saturday",  "sunday",    "morning",
    "afternoon", "evening",   "noon",     "after work",   NULL,
};

/* Messages that need no answer (after a deal) or none at all ("ok", "cool"). */
static const char *const ACK_ONLY[] = {
    "^ok $",
    "^okay $",
    "^k $",
    "^kk $",
    "^cool $",
    "^great $",
    "^perfect $",
    "^got it $",
    "^sounds good $",
    "^awesome $",
    "^nice $",
    "^bet $",
    "^alright $",
    "^ok cool $",
    "^ok thanks $",
    "^ok thank you $",
    "^thanks $",
    "^thank you $",
    "^thx $",
    "^ty $",
    "^ok great $",
    "^will do $",
    "^see you then $",
    "^see you $",
    "^cya $",
    NULL,
};

const char *intent_name(intent_t intent)
{
    switch (intent) {
    case INTENT_AVAILABILITY:
        return "availability";
    case INTENT_OFFER:
        return "offer";
    case INTENT_LOWEST:
        return "lowest";
    case INTENT_DETAILS:
        return "details";
    case INTENT_PICKUP:
        return "pickup";
    case INTENT_WHICH_ITEM:
        return "which_item";
    case INTENT_ACCEPT:
        return "accept";
    case INTENT_DECLINE:
        return "decline";
    case INTENT_THANKS:
        return "thanks";
    case INTENT_OTHER:
        return "other";
    }
    return "other";
}

/* True for roles that speak for the seller: the seller and our agent. */
static bool role_is_us(const char *role)
{
    return role != NULL && (strcmp(role, "agent") == 0 || strcmp(role, "seller") == 0);
}

/* Counts our earlier counters (messages naming an amount below the asking price) and keeps
 * the amount of the latest one. */
static void count_rounds(const reply_requested_t *req, plan_t *plan)
{
    int64_t price = req->listing.price_cents;
    for (size_t i = 0; i < req->nhistory; i++) {
        const ev_history_t *h = &req->history[i];
        if (!role_is_us(h->role) || h->text == NULL) {
            continue;
        }
        offer_amount_t amounts[8];
        size_t n =
            offer_scan_titled(h->text, req->listing.title, price, OFFER_SCAN_ALL, amounts, 8);
        if (n > 8) {
            n = 8;
        }
        int64_t counter = 0;
        for (size_t k = 0; k < n; k++) {
            if (amounts[k].cents < price) {
                counter = amounts[k].cents; /* the last amount below asking in the message */
            }
        }
        if (counter > 0) {
            plan->rounds++;
            plan->last_counter_cents = counter;
        }
    }
}

/* True when our latest message in the history named a counter (so "ok" accepts it). */
static bool last_us_message_was_counter(const reply_requested_t *req)
{
    for (size_t i = req->nhistory; i > 0; i--) {
        const ev_history_t *h = &req->history[i - 1];
        if (!role_is_us(h->role)) {
            continue;
        }
        offer_amount_t amounts[8];
        size_t n = offer_scan_titled(h->text, req->listing.title, req->listing.price_cents,
                                     OFFER_SCAN_ALL, amounts, 8);
        if (n > 8) {
            n = 8;
        }
        for (size_t k = 0; k < n; k++) {
            if (amounts[k].cents < req->listing.price_cents) {
                return true;
            }
        }
        return false;
    }
    return false;
}

char *plan_buyer_text(const reply_requested_t *req)
{
    size_t len = 1;
    for (size_t i = 0; i < req->nnew_messages; i++) {
        if (req->new_messages[i].text != NULL) {
            len += strlen(req->new_messages[i].text) + 1;
        }
    }
    char *out = xmalloc(len);
    size_t at = 0;
    for (size_t i = 0; i < req->nnew_messages; i++) {
        const char *t = req->new_messages[i].text;
        if (t == NULL) {
            continue;
        }
        size_t n = strlen(t);
        memcpy(out + at, t, n);
        at += n;
        out[at++] = '\n';
    }
    out[at] = '\0';
    return out;
}

static bool str_eq(const char *a, const char *b)
{
    return a != NULL && strcmp(a, b) == 0;
}

static int validate(const reply_requested_t *req, char *errstr, size_t errstr_size)
{
    const int64_t price = req->listing.price_cents;
    const int64_t floor_cents = req->listing.floor_cents;
    if (req->listing.id == 0) {
        return 0; /* unknown listing: no money to plan */
    }
    if (price <= 0) {
        snprintf(errstr, errstr_size, "listing.price_cents must be > 0 (got %lld)",
                 (long long)price);
        return -1;
    }
    if (floor_cents < 0) {
        snprintf(errstr, errstr_size, "listing.floor_cents must be >= 0 (got %lld)",
                 (long long)floor_cents);
        return -1;
    }
    if (floor_cents > price) {
        snprintf(errstr, errstr_size,
                 "listing.floor_cents (%lld) is above listing.price_cents (%lld)",
                 (long long)floor_cents, (long long)price);
        return -1;
    }
    if (!(req->listing.flexibility >= 0.0 && req->listing.flexibility <= 1.0)) {
        snprintf(errstr, errstr_size, "listing.flexibility must be within 0..1 (got %g)",
                 req->listing.flexibility);
        return -1;
    }
    return 0;
}

/* The main intent, in priority order; every intent seen goes into plan->intents. */
static void classify(const reply_requested_t *req, const phrase_text_t *t, plan_t *plan,
                     bool has_offer)
{
    unsigned seen = 0;
    bool counter_context = last_us_message_was_counter(req);
    bool strong = phrase_match_any(t, ACCEPT_STRONG) != NULL;
    bool weak = counter_context && phrase_match_any(t, ACCEPT_WEAK) != NULL;

    if (has_offer) {
        seen |= 1u << INTENT_OFFER;
    }
    if (strong || weak) {
        seen |= 1u << INTENT_ACCEPT;
    }
    if (phrase_match_any(t, DECLINE) != NULL) {
        seen |= 1u << INTENT_DECLINE;
    }
    if (phrase_match_any(t, LOWEST) != NULL) {
        seen |= 1u << INTENT_LOWEST;
    }
    if (phrase_match_any(t, AVAILABILITY) != NULL) {
        seen |= 1u << INTENT_AVAILABILITY;
    }
    if (phrase_match_any(t, PICKUP) != NULL) {
        seen |= 1u << INTENT_PICKUP;
    }
    bool details_strong = phrase_match_any(t, DETAILS) != NULL;
    if (details_strong || phrase_match_any(t, DETAILS_GENERIC) != NULL) {
        seen |= 1u << INTENT_DETAILS;
    }
    if (phrase_match_any(t, THANKS) != NULL) {
        seen |= 1u << INTENT_THANKS;
    }
    plan->intents = seen;

    /* a strong acceptance outranks a decline word ("no worries, deal"); a weak "ok" does
     * not outrank a question about the price ("ok but what's your lowest?") */
    static const intent_t order_strong[] = {
        INTENT_OFFER,        INTENT_ACCEPT, INTENT_DECLINE, INTENT_LOWEST,
        INTENT_AVAILABILITY, INTENT_PICKUP, INTENT_DETAILS, INTENT_THANKS,
    };
    static const intent_t order_weak[] = {
        INTENT_OFFER,        INTENT_DECLINE, INTENT_LOWEST,  INTENT_ACCEPT,
        INTENT_AVAILABILITY, INTENT_PICKUP,  INTENT_DETAILS, INTENT_THANKS,
    };
    const intent_t *order = strong ? order_strong : order_weak;
    plan->intent = INTENT_OTHER;
    for (size_t i = 0; i < sizeof(order_strong) / sizeof(order_strong[0]); i++) {
        if ((seen & (1u << order[i])) != 0) {
            plan->intent = order[i];
            break;
        }
    }
    if ((plan->intent == INTENT_DETAILS || plan->intent == INTENT_OTHER) && !details_strong &&
        phrase_match_any(t, ASKS_PRICE) != NULL) {
        plan->intent = INTENT_OTHER; /* the generic reply names the price */
    }
    /* "still available? how much to deliver?": answer the question, the rules engine puts
     * "yes, it's still available" first */
    if (plan->intent == INTENT_AVAILABILITY) {
        if ((seen & (1u << INTENT_PICKUP)) != 0) {
            plan->intent = INTENT_PICKUP;
        } else if (details_strong) {
            plan->intent = INTENT_DETAILS;
        }
    }
}

/* "5pm", "5 pm", "10am", "5:30", "at 6": a digit followed by am/pm or by ':' and a digit, or
 * "at" before a number. */
static bool has_clock_time(const char *text)
{
    for (const char *p = text; *p != '\0'; p++) {
        if ((p == text || !isalpha((unsigned char)p[-1])) && strncasecmp(p, "at ", 3) == 0 &&
            isdigit((unsigned char)p[3])) {
            return true;
        }
        if (!isdigit((unsigned char)*p)) {
            continue;
        }
        const char *q = p + 1;
        if (*q == ':' && isdigit((unsigned char)q[1])) {
            return true;
        }
        if (*q == ' ') {
            q++;
        }
        if ((tolower((unsigned char)q[0]) == 'a' || tolower((unsigned char)q[0]) == 'p') &&
            tolower((unsigned char)q[1]) == 'm' && !isalpha((unsigned char)q[2])) {
            return true;
        }
    }
    return false;
}

/* True when text has no word at all but is not just a question mark (emoji, "!"). */
static bool only_symbols(const char *text, const phrase_text_t *t)
{
    return t->n == 0 && strchr(text, '?') == NULL;
}

int plan_build(const reply_requested_t *req, plan_t *plan, char *errstr, size_t errstr_size)
{
    int rc = -1;
    char *text = NULL;
    phrase_text_t t = {0};

    memset(plan, 0, sizeof(*plan));
    plan->intent = INTENT_OTHER;
    if (validate(req, errstr, errstr_size) != 0) {
        goto cleanup;
    }
    plan->listing_known = req->listing.id != 0;
    plan->listing_sold =
        str_eq(req->listing.status, "sold") || str_eq(req->listing.status, "archived");
    text = plan_buyer_text(req);
    phrase_text_init(&t, text);

    if (plan->listing_known) {
        policy_compute(req->listing.price_cents, req->listing.floor_cents, req->listing.flexibility,
                       &plan->policy);
        int64_t competing = req->state.competing_offer_cents;
        if (competing > plan->policy.floor_cents && !plan->policy.firm) {
            /* another buyer's offer is our new lowest; at or above asking we hold the price */
            plan->competing_cents =
                competing < plan->policy.price_cents ? competing : plan->policy.price_cents;
            policy_raise_lowest(&plan->policy, competing);
        }
        count_rounds(req, plan);
    }
    /* "sold" here is the conversation: this buyer bought it, the deal stands */
    plan->agreed = str_eq(req->state.status, "agreed") || str_eq(req->state.status, "sold") ||
                   req->state.agreed_price_cents > 0;
    if (plan->agreed) {
        plan->agreed_cents = req->state.agreed_price_cents;
    }
    plan->asks_human = phrase_match_any(&t, ASKS_HUMAN) != NULL;
    plan->proposes_time = has_clock_time(text);
    plan->mentions_day = phrase_match_any(&t, DAY_WORDS) != NULL;

    /* the pre-guard first: nothing else matters when the buyer is running a scam */
    if (plan_pre_guard(text, plan->handoff_code, sizeof(plan->handoff_code), plan->handoff_reason,
                       sizeof(plan->handoff_reason))) {
        plan->handoff = true;
    }

    if (t.n == 0 && (req->nnew_messages == 0 || only_symbols(text, &t))) {
        plan->nothing_to_answer = true; /* nothing new, or only an emoji */
        rc = 0;
        goto cleanup;
    }
    if (!plan->listing_known) {
        plan->intent = INTENT_WHICH_ITEM;
        plan->intents = 1u << INTENT_WHICH_ITEM;
        rc = 0;
        goto cleanup;
    }

    int64_t offer = 0;
    bool has_offer =
        offer_parse_titled(text, req->listing.title, plan->policy.price_cents, &offer) == 1;
    classify(req, &t, plan, has_offer);
    if (phrase_match_any(&t, ACK_ONLY) != NULL && plan->intent != INTENT_ACCEPT &&
        (plan->agreed || plan->intent != INTENT_THANKS)) {
        plan->nothing_to_answer = true; /* "ok", "cool"; "thanks" only once a deal is made */
    }

    if (plan->agreed && plan->intent == INTENT_ACCEPT && !plan->proposes_time &&
        !plan->mentions_day) {
        plan->nothing_to_answer = true; /* "ok", "sounds good" once the deal is made */
    }

    if (plan->intent != INTENT_OFFER && plan->intent != INTENT_ACCEPT &&
        plan->intent != INTENT_DECLINE && plan->intent != INTENT_LOWEST) {
        for (size_t i = 0; i < sizeof(NEEDS_SELLER) / sizeof(NEEDS_SELLER[0]); i++) {
            if (phrase_match_any(&t, NEEDS_SELLER[i].patterns) != NULL) {
                snprintf(plan->seller_reason, sizeof(plan->seller_reason), "%s",
                         NEEDS_SELLER[i].reason);
                plan->nothing_to_answer = false;
                break;
            }
        }
    }

    if (has_offer && !plan->agreed) {
        plan->buyer_offer_cents = offer;
        plan->verdict = policy_verdict(&plan->policy, offer, plan->rounds, plan->last_counter_cents,
                                       &plan->counter_cents);
        if (plan->verdict == OFFER_VERDICT_ACCEPT) {
            plan->agreed_cents =
                offer < plan->policy.price_cents ? offer : plan->policy.price_cents;
        }
    } else if (has_offer) {
        plan->buyer_offer_cents = offer;
    } else if (plan->intent == INTENT_ACCEPT && !plan->agreed) {
        /* "deal" / "ok": at our last counter when we named one, else at the asking price */
        int64_t at =
            plan->last_counter_cents > 0 ? plan->last_counter_cents : plan->policy.price_cents;
        if (at >= plan->policy.floor_cents) {
            plan->agreed_cents = at;
        } else {
            plan->intent = INTENT_OTHER; /* never agree below the floor, whoever said it */
        }
    } else if (plan->intent == INTENT_LOWEST && !plan->agreed) {
        plan->counter_cents =
            plan->rounds >= POLICY_MAX_ROUNDS
                ? plan->policy.visible_lowest_cents
                : policy_next_counter(&plan->policy, plan->rounds, plan->last_counter_cents);
    }
    rc = 0;

cleanup:
    phrase_text_free(&t);
    free(text);
    return rc;
}
