/* Post-guards: the rules every draft must keep before it can be sent, whatever wrote it (the
 * model or the rules engine). Each broken rule is recorded as a stable violation code in
 * draft->guard.violations and then repaired (by the policy's own reply from the rules engine,
 * or by editing the text) or the draft is handed to the seller. Pure, no I/O. */
#ifndef RESPONDER_GUARD_H
#define RESPONDER_GUARD_H

#include "common/event.h"
#include "plan.h"

/* Longest text we send, in characters (UTF-8 code points). */
#define GUARD_MAX_CHARS 320

/* Violation codes (stable: dashboards and tests match on them). */
#define GUARD_V_INVALID_ACTION "invalid_action" /* action not send/handoff/none -> handoff */
#define GUARD_V_PRE_GUARD "pre_guard"           /* buyer text hit a pre-guard but draft said send */
#define GUARD_V_INVALID_DEAL "invalid_deal"     /* unknown status, agreed without price or buyer */
#define GUARD_V_BELOW_FLOOR "below_floor"       /* agreed/counter/text amount below the floor */
#define GUARD_V_FLOOR_DISCLOSED "floor_disclosed" /* names the secret floor */
#define GUARD_V_BELOW_LOWEST                                                                       \
    "below_lowest"                          /* between floor and visible lowest, not named         \
                                             * by the buyer, the deal or our last counter */
#define GUARD_V_CLAIMS_HUMAN "claims_human" /* "I'm a real person", "not a bot" */
#define GUARD_V_CONTACT_INFO "contact_info" /* phone number, email or "whatsapp me" -> handoff */
#define GUARD_V_LINK "link"                 /* URL in the text -> handoff */
#define GUARD_V_EM_DASH "em_dash"           /* replaced by a comma (en dash by a hyphen) */
#define GUARD_V_TOO_LONG "too_long"         /* trimmed at a sentence end */
#define GUARD_V_EMPTY_TEXT "empty_text"     /* send with nothing to send -> handoff */

typedef enum {
    DRAFT_ACTION_SEND,
    DRAFT_ACTION_HANDOFF,
    DRAFT_ACTION_NONE,
} draft_action_t;

/* "send", "handoff", "none". */
const char *draft_action_name(draft_action_t action);

/* Checks and repairs draft (from the model or the rules engine) for req and its plan, in
 * this order:
 *   1. action must be send/handoff/none (else handoff);
 *   2. a pre-guard hit in the plan forces handoff with the plan's reason and no text, and
 *      clears the deal;
 *   3. deal: status must be none/negotiating/agreed/declined; "agreed" needs a price and a
 *      buyer who offered or accepted it (else downgraded to negotiating);
 *   4. money: agreed price, counter or any amount in the text below the floor, or the floor
 *      itself named when it is below the visible lowest (or next to "minimum", "floor"...),
 *      or an amount between the floor and the visible lowest that neither the buyer, the
 *      deal nor our last counter named (the seller's flexibility decides how far down we
 *      speak, not the model) -> the whole draft is replaced by the rules engine's reply for
 *      the plan (a handoff stays a handoff); if that still fails, handoff;
 *   5. claims to be human -> the text becomes the honest line (rules_honest_line);
 *   6. contact info (contact.h: phone numbers, emails, asking to move off the marketplace)
 *      -> handoff; links -> handoff (the pre-guard sees exactly the same things);
 *   7. em dashes -> commas (en dashes -> hyphens);
 *   8. longer than GUARD_MAX_CHARS -> trimmed at the last sentence end that fits;
 *   9. send with empty text -> handoff; handoff always gets a reason.
 * An intent that is not one of intent_name's is replaced by the plan's (no violation).
 * Violations are appended to draft->guard.violations (each code once). Never lowers the
 * action's safety: a handoff stays a handoff. Returns the final action (also written to
 * draft->action). Pure and thread-safe. */
draft_action_t guard_check(const reply_requested_t *req, const plan_t *plan,
                           reply_drafted_t *draft);

/* True when the draft lists the violation code. */
bool guard_has_violation(const reply_drafted_t *draft, const char *code);

#endif
