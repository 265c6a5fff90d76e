/* The responder's view of one reply request before any text is written: what the buyer
 * said (intent, offer), what the seller's policy allows (computed in C from price, floor and
 * flexibility: the model is never told the floor), and whether a pre-guard already decided
 * to hand the chat to the seller. Built by plan_build; consumed by the rules engine, the
 * LLM prompt and the post-guards. */
#ifndef RESPONDER_PLAN_H
#define RESPONDER_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/event.h"

typedef enum {
    INTENT_AVAILABILITY, /* "is this still available?" */
    INTENT_OFFER,        /* names a price: "would you do 75" */
    INTENT_LOWEST,       /* "what's your lowest?" */
    INTENT_DETAILS,      /* condition, size, age, works?, from the description */
    INTENT_PICKUP,       /* pickup, delivery, where, when */
    INTENT_WHICH_ITEM,   /* listing unknown: ask which item */
    INTENT_ACCEPT,       /* buyer agrees to the last counter ("deal", "ok 90 works") */
    INTENT_DECLINE,      /* "no thanks", "too much" */
    INTENT_THANKS,
    INTENT_OTHER,
} intent_t;

/* Stable names for events and logs: "availability", "offer", ... */
const char *intent_name(intent_t intent);

typedef struct {
    int64_t price_cents;          /* asking */
    int64_t floor_cents;          /* the seller's secret minimum */
    int64_t visible_lowest_cents; /* the lowest we will ever say; >= floor */
    int64_t accept_cents;         /* an offer at or above this is accepted at once */
    /* counter ladder: successive counters, from near asking down to visible_lowest */
    int64_t ladder[4];
    int nladder;
    bool firm;          /* flexibility so low that we do not counter */
    int tier;           /* 1 firm, 2 reluctant, 3 default, 4 flexible, 5 clearance */
    int64_t step_cents; /* counters are multiples of this ($1, $5, $10, $50) */
} policy_t;

typedef enum {
    OFFER_VERDICT_NONE,    /* no offer in the message */
    OFFER_VERDICT_ACCEPT,  /* offer >= accept threshold (and >= floor) */
    OFFER_VERDICT_COUNTER, /* answer with counter_cents */
    OFFER_VERDICT_DECLINE, /* far too low, or rounds used up: say the visible lowest (the
                            * price when firm) */
} offer_verdict_t;

typedef struct {
    intent_t intent;
    policy_t policy;
    int64_t buyer_offer_cents; /* parsed from the new messages; 0 = none */
    offer_verdict_t verdict;
    int64_t counter_cents; /* verdict COUNTER: the next counter; DECLINE: the visible
                            * lowest (price when firm); intent LOWEST without an offer:
                            * the next counter to name; 0 otherwise */
    int rounds;            /* earlier counters by us in history */
    /* pre-guard: when handoff is set, no automatic text is sent */
    bool handoff;
    char handoff_reason[160]; /* "asks for a verification code", ... */
    /* what the rules engine, the prompt and the post-guards also need */
    char handoff_code[32];      /* stable: "verification_code", "payment_app", ... */
    unsigned intents;           /* every intent seen in the new messages: 1u << intent */
    bool listing_known;         /* listing.id != 0 */
    bool listing_sold;          /* listing.status is "sold" (or archived) */
    bool agreed;                /* the conversation already has a deal: state.status
                                 * "agreed" or "sold", or an agreed price */
    int64_t agreed_cents;       /* price of that deal, or of the deal this reply makes */
    int64_t last_counter_cents; /* the amount in our latest message that named one, 0 none */
    int64_t competing_cents;    /* another buyer's offer above the floor (leverage), 0 none */
    bool asks_human;            /* "are you a bot?", "is this a real person?" */
    bool nothing_to_answer;     /* no new text, or only "ok"/"thanks"/emoji after a deal */
    bool proposes_time;         /* a clock time ("5pm", "5:30", "at 6"): seller confirms */
    bool mentions_day;          /* "tomorrow", "saturday", "tonight" */
    char seller_reason[96];     /* a request only the seller can answer (hold, trade, more
                                 * photos, payment method, "on my way"): "" when none */
} plan_t;

/* True when the plan saw intent in the new messages (not only the main one). */
#define PLAN_HAS_INTENT(plan, intent) (((plan)->intents & (1u << (intent))) != 0)

/* The buyer's new messages joined by newlines (each followed by one), "" when none. Returns a
 * new string the caller frees with free(). Thread-safe. */
char *plan_buyer_text(const reply_requested_t *req);

/* The pre-guard alone: true when buyer text (NULL = none) asks for a verification code, a
 * payment app or "friends and family", runs an overpayment or courier scheme, moves the chat
 * off the marketplace (including a phone number, email or link in the text) or is abusive;
 * then code gets a stable code ("verification_code", "payment_app", "overpayment",
 * "courier", "off_platform", "contact_info", "link", "abuse") and reason a sentence for the
 * seller. Pure and thread-safe. */
bool plan_pre_guard(const char *text, char *code, size_t code_size, char *reason,
                    size_t reason_size);

/* Computes the plan for a request. Pure and thread-safe. Returns 0, or -1 with errstr when
 * the request cannot be planned (e.g. floor above price). */
int plan_build(const reply_requested_t *req, plan_t *plan, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

#endif
