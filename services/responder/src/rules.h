/* The rules engine: drafts a reply from the plan without any model, using the listing's
 * facts (title, price, condition, location, the description sentence that answers a
 * question) in the seller's tone. It is the default when no model is configured and the
 * text the post-guards fall back to when a model's draft breaks a rule. Pure, no I/O. */
#ifndef RESPONDER_RULES_H
#define RESPONDER_RULES_H

#include <stdint.h>

#include "common/event.h"
#include "plan.h"

/* Tones (policy.tone): "friendly" (default, also for unknown values), "casual" (the
 * original's relaxed texting style, lower case, "lmk"; never em dashes), "formal". */
typedef enum { RULES_TONE_FRIENDLY, RULES_TONE_CASUAL, RULES_TONE_FORMAL } rules_tone_t;

rules_tone_t rules_tone(const char *tone);

/* Replaces *field with a copy of value (NULL clears it), freeing the old string. For the
 * heap strings of reply_drafted_t. */
void rules_field_set(char **field, const char *value);

/* Drafts the reply for req and its plan into out (a zeroed reply_drafted_t, or one filled
 * before: action, text, intent, deal and source are replaced; request_id and conversation_id
 * are set when NULL; guard and model are left alone). Sets source "rules". Decisions:
 *   - pre-guard hit: action "handoff", empty text, guard.handoff_reason = the plan's reason;
 *   - nothing to answer ("ok" after a deal, an emoji): action "none", empty text;
 *   - listing unknown: ask which item; listing sold: say so;
 *   - offers: accept (deal agreed at the offer, ask about pickup), counter (deal negotiating,
 *     counter_cents; another buyer's offer is named as leverage), decline with the visible
 *     lowest (deal declined after POLICY_MAX_ROUNDS counters); firm: the price;
 *   - a deal already agreed is never renegotiated; the buyer backing out hands off;
 *   - a details question the description does not answer: action "handoff" with an honest
 *     holding line as the suggested text ("let me check and get back to you");
 *   - "are you a bot?": an honest line first, never a claim to be human.
 * The wording is picked from a few variants by a hash of request_id, so a redelivered
 * request gets the same text. Never names an amount below the floor. Returns 0. Pure and
 * thread-safe. */
int rules_draft(const reply_requested_t *req, const plan_t *plan, reply_drafted_t *out);

/* The honest answer to "are you a bot?" for this request's tone ("I'm an assistant helping
 * the seller, happy to help with the <title>."). Caller frees with free(). */
char *rules_honest_line(const reply_requested_t *req);

#endif
