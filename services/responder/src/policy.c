/* Negotiation policy (see policy.h): integer cents throughout; the only floating point is
 * the seller's flexibility share, applied once and rounded towards the asking price. */
#include "policy.h"

#include <math.h>
#include <string.h>

/* Per tier: share of the price accepted at once (per mille) and the counters, as per mille of
 * the gap between the visible lowest and the price (0 = the visible lowest itself). */
static const struct {
    int accept_permille;
    int ladder_permille[4];
    int nladder;
} TIERS[] = {
    [POLICY_TIER_FIRM] = {1000, {0}, 0},
    [POLICY_TIER_RELUCTANT] = {950, {700, 400, 0}, 3},
    [POLICY_TIER_DEFAULT] = {900, {600, 300, 0}, 3},
    [POLICY_TIER_FLEXIBLE] = {850, {400, 0}, 2},
    [POLICY_TIER_CLEARANCE] = {800, {0}, 1},
};

static double clamp_flex(double flexibility)
{
    if (isnan(flexibility)) {
        return 0.5;
    }
    if (flexibility < 0.0) {
        return 0.0;
    }
    if (flexibility > 1.0) {
        return 1.0;
    }
    return flexibility;
}

int policy_tier(double flexibility)
{
    double f = clamp_flex(flexibility);
    if (f <= 0.15) {
        return POLICY_TIER_FIRM;
    }
    if (f <= 0.35) {
        return POLICY_TIER_RELUCTANT;
    }
    if (f <= 0.65) {
        return POLICY_TIER_DEFAULT;
    }
    if (f <= 0.85) {
        return POLICY_TIER_FLEXIBLE;
    }
    return POLICY_TIER_CLEARANCE;
}

int64_t policy_step(int64_t price_cents)
{
    if (price_cents < 10000) {
        return 100;
    }
    if (price_cents < 50000) {
        return 500;
    }
    if (price_cents < 500000) {
        return 1000;
    }
    return 5000;
}

static int64_t ceil_to(int64_t cents, int64_t step)
{
    return (cents + step - 1) / step * step;
}

static int64_t round_to(int64_t cents, int64_t step)
{
    return (cents + step / 2) / step * step;
}

static void make_firm(policy_t *p)
{
    p->firm = true;
    p->visible_lowest_cents = p->price_cents;
    p->accept_cents = p->price_cents;
    p->nladder = 0;
    memset(p->ladder, 0, sizeof(p->ladder));
}

/* Rebuilds the ladder between visible lowest and price for the tier. */
static void build_ladder(policy_t *p)
{
    int64_t gap = p->price_cents - p->visible_lowest_cents;
    int64_t prev = p->price_cents;

    p->nladder = 0;
    memset(p->ladder, 0, sizeof(p->ladder));
    for (int i = 0; i < TIERS[p->tier].nladder; i++) {
        int64_t v = p->visible_lowest_cents + gap * TIERS[p->tier].ladder_permille[i] / 1000;
        if (TIERS[p->tier].ladder_permille[i] > 0) {
            v = round_to(v, p->step_cents);
        }
        if (v < p->visible_lowest_cents) {
            v = p->visible_lowest_cents;
        }
        if (v >= prev) {
            continue; /* rounding merged two steps, or reached the price */
        }
        p->ladder[p->nladder++] = v;
        prev = v;
    }
    if (p->nladder == 0 || p->ladder[p->nladder - 1] != p->visible_lowest_cents) {
        /* the last counter is always the visible lowest (only reached when a step above it
         * was merged away, so there is room) */
        if (p->nladder == 4) {
            p->nladder--;
        }
        p->ladder[p->nladder++] = p->visible_lowest_cents;
    }
}

void policy_compute(int64_t price_cents, int64_t floor_cents, double flexibility, policy_t *out)
{
    memset(out, 0, sizeof(*out));
    if (price_cents < 0) {
        price_cents = 0;
    }
    if (floor_cents <= 0 || floor_cents > price_cents) {
        floor_cents = price_cents;
    }
    double flex = clamp_flex(flexibility);
    out->price_cents = price_cents;
    out->floor_cents = floor_cents;
    out->tier = policy_tier(flex);
    out->step_cents = policy_step(price_cents);

    /* the discount is truncated, so the visible lowest errs towards the asking price */
    int64_t discount = (int64_t)((double)(price_cents - floor_cents) * flex);
    int64_t visible = ceil_to(price_cents - discount, 100);
    if (visible < floor_cents) {
        visible = floor_cents;
    }
    if (visible > price_cents) {
        visible = price_cents;
    }
    out->visible_lowest_cents = visible;
    if (out->tier == POLICY_TIER_FIRM || visible >= price_cents) {
        make_firm(out);
        return;
    }
    int64_t accept = ceil_to(price_cents * TIERS[out->tier].accept_permille / 1000, 100);
    if (accept > price_cents) {
        accept = price_cents;
    }
    out->accept_cents = accept > visible ? accept : visible;
    build_ladder(out);
}

void policy_raise_lowest(policy_t *p, int64_t lowest_cents)
{
    if (p->firm || lowest_cents <= p->visible_lowest_cents) {
        return;
    }
    int64_t lowest = ceil_to(lowest_cents, 100);
    if (lowest >= p->price_cents) {
        make_firm(p);
        return;
    }
    p->visible_lowest_cents = lowest;
    if (p->accept_cents < lowest) {
        p->accept_cents = lowest;
    }
    build_ladder(p);
}

int64_t policy_next_counter(const policy_t *p, int rounds, int64_t last_counter_cents)
{
    if (p->firm || p->nladder == 0) {
        return p->price_cents;
    }
    if (rounds < 0) {
        rounds = 0;
    }
    int64_t next = p->ladder[rounds < p->nladder ? rounds : p->nladder - 1];
    if (last_counter_cents > 0 && last_counter_cents < next &&
        last_counter_cents >= p->visible_lowest_cents) {
        next = last_counter_cents;
    }
    return next;
}

offer_verdict_t policy_verdict(const policy_t *p, int64_t offer_cents, int rounds,
                               int64_t last_counter_cents, int64_t *counter_cents)
{
    *counter_cents = 0;
    if (offer_cents <= 0) {
        return OFFER_VERDICT_NONE;
    }
    if (offer_cents >= p->accept_cents && offer_cents >= p->floor_cents) {
        return OFFER_VERDICT_ACCEPT;
    }
    if (p->firm) {
        *counter_cents = p->price_cents;
        return OFFER_VERDICT_DECLINE;
    }
    int64_t next = policy_next_counter(p, rounds, last_counter_cents);
    if (offer_cents >= next) {
        return OFFER_VERDICT_ACCEPT; /* next >= visible lowest >= floor */
    }
    int64_t lowball_permille = p->tier == POLICY_TIER_CLEARANCE ? 500 : 700;
    if (offer_cents * 1000 < p->visible_lowest_cents * lowball_permille ||
        (rounds >= POLICY_MAX_ROUNDS && offer_cents < p->visible_lowest_cents)) {
        *counter_cents = p->visible_lowest_cents;
        return OFFER_VERDICT_DECLINE;
    }
    *counter_cents = next;
    return OFFER_VERDICT_COUNTER;
}
