/* The seller's negotiation policy in numbers, computed from price, floor and flexibility:
 * the visible lowest (never below the floor), the accept threshold (never below the visible
 * lowest), a ladder of counters from near asking down to the visible lowest, and the verdict
 * on a buyer's offer. Replaces the original's prompt tiers without their contradictions
 * ("accept >= 90%" could undercut "never below the lowest"; the model held the floor). */
#ifndef RESPONDER_POLICY_H
#define RESPONDER_POLICY_H

#include <stdint.h>

#include "plan.h" /* policy_t, offer_verdict_t */

/* Tiers, from the original's flexibility bands. */
enum {
    POLICY_TIER_FIRM = 1,      /* flexibility <= 0.15: asking price only, no counters */
    POLICY_TIER_RELUCTANT = 2, /* <= 0.35: accept >= 95%, three counters from near asking */
    POLICY_TIER_DEFAULT = 3,   /* <= 0.65: accept >= 90%, three counters */
    POLICY_TIER_FLEXIBLE = 4,  /* <= 0.85: accept >= 85%, two counters */
    POLICY_TIER_CLEARANCE = 5, /* > 0.85: accept >= 80%, one counter at the visible lowest */
};

/* After this many counters without agreement we state the visible lowest and wrap up. */
#define POLICY_MAX_ROUNDS 3

/* The tier of a flexibility (NaN counts as the default 0.5; values are clamped to 0..1). */
int policy_tier(double flexibility);

/* Rounding step of counters for a price: $1 below $100, $5 below $500, $10 below $5,000,
 * $50 above. */
int64_t policy_step(int64_t price_cents);

/* Fills out from the asking price, the seller's floor and the flexibility (0..1):
 *   visible_lowest = price - (price - floor) * flexibility, rounded up to a whole dollar,
 *                    never below the floor, never above the price;
 *   accept_cents   = max(visible_lowest, tier's share of the price rounded up to a dollar),
 *                    the price itself when firm;
 *   ladder         = strictly decreasing counters in [visible_lowest, price), multiples of
 *                    policy_step except the last, which is visible_lowest; empty when firm.
 * A floor <= 0 (none set) or above the price is taken as the price: no discount is given
 * that the seller did not allow. Pure and thread-safe. */
void policy_compute(int64_t price_cents, int64_t floor_cents, double flexibility, policy_t *out);

/* Raises the visible lowest (and accept threshold) to lowest_cents, rounded up to a dollar
 * and capped at the price, dropping counters below it: used when another buyer offered that
 * much. No effect when lowest_cents is not above the current visible lowest. */
void policy_raise_lowest(policy_t *p, int64_t lowest_cents);

/* The next counter after `rounds` earlier counters: ladder[min(rounds, nladder - 1)], or the
 * last counter we named (last_counter_cents, 0 = none) when that is lower and still at or
 * above the visible lowest, so counters never go up. The price when firm. */
int64_t policy_next_counter(const policy_t *p, int rounds, int64_t last_counter_cents);

/* The verdict on an offer (0 = none) after `rounds` earlier counters:
 *   ACCEPT  offer >= accept threshold, or >= the next counter (we would not ask for less than
 *           what is offered); the offer is then >= visible lowest >= floor;
 *   COUNTER *counter_cents = the next counter (> offer, >= visible lowest);
 *   DECLINE a firm price (counter = price), a lowball (below 70% of the visible lowest, 50% for
 *           the clearance tier), or an offer below the visible lowest after POLICY_MAX_ROUNDS
 *           counters: *counter_cents = the visible lowest (the price when firm);
 *   NONE    no offer; *counter_cents = 0.
 * Pure and thread-safe. */
offer_verdict_t policy_verdict(const policy_t *p, int64_t offer_cents, int rounds,
                               int64_t last_counter_cents, int64_t *counter_cents);

#endif
