/* Post-guards (see guard.h): checks in a fixed order, each recording its violation code and
 * repairing the draft or handing it to the seller. */
#include "guard.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "contact.h"
#include "offer.h"
#include "phrase.h"
#include "rules.h"

/* A draft claiming to be a person. */
static const char *const CLAIMS_HUMAN[] = {
    "i'm a real person",
    "i am a real person",
    "im real",
    "i'm real",
    "i am real",
    "i'm human",
    "i am human",
    "i'm a human",
    "i am a human",
    "not a bot",
    "not a robot",
    "not an ai",
    "not ai",
    "not automated",
    "real human",
    "i'm a person",
    "i am a person",
    "not a machine",
    "a real person",
    "human being",
    NULL,
};

/* Words that turn the floor amount into a disclosure even when it equals the visible lowest. */
static const char *const FLOOR_WORDS[] = {
    "floor",         "minimum",    "min price",      "reserve",     "bottom line", "lowest allowed",
    "allowed to go", "seller set", "sellers lowest", "not allowed", NULL,
};

const char *draft_action_name(draft_action_t action)
{
    switch (action) {
    case DRAFT_ACTION_SEND:
        return "send";
    case DRAFT_ACTION_HANDOFF:
        return "handoff";
    case DRAFT_ACTION_NONE:
        return "none";
    }
    return "handoff";
}

bool guard_has_violation(const reply_drafted_t *draft, const char *code)
{
    for (size_t i = 0; i < draft->guard.nviolations; i++) {
        if (strcmp(draft->guard.violations[i], code) == 0) {
            return true;
        }
    }
    return false;
}

static void add_violation(reply_drafted_t *draft, const char *code)
{
    if (guard_has_violation(draft, code)) {
        return;
    }
    draft->guard.violations =
        xrealloc(draft->guard.violations, (draft->guard.nviolations + 1) * sizeof(char *));
    draft->guard.violations[draft->guard.nviolations++] = xstrdup(code);
}

static bool str_eq(const char *a, const char *b)
{
    return a != NULL && strcmp(a, b) == 0;
}

static bool known_intent(const char *name)
{
    for (int i = INTENT_AVAILABILITY; i <= INTENT_OTHER; i++) {
        if (str_eq(name, intent_name((intent_t)i))) {
            return true;
        }
    }
    return false;
}

static void set_handoff(reply_drafted_t *draft, draft_action_t *action, const char *reason)
{
    *action = DRAFT_ACTION_HANDOFF;
    if (draft->guard.handoff_reason == NULL || draft->guard.handoff_reason[0] == '\0') {
        rules_field_set(&draft->guard.handoff_reason, reason);
    }
}

/* ---- text scanners -------------------------------------------------------------------- */

/* Replaces em dashes (U+2014, and " -- ") by commas and en dashes (U+2013) by hyphens.
 * Returns a new string, or NULL when there was nothing to replace. */
static char *replace_dashes(const char *text)
{
    if (strstr(text, "\xE2\x80\x94") == NULL && strstr(text, "\xE2\x80\x93") == NULL &&
        strstr(text, " -- ") == NULL) {
        return NULL;
    }
    size_t len = strlen(text);
    char *out = xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        bool em = strncmp(text + i, "\xE2\x80\x94", 3) == 0;
        bool dd = strncmp(text + i, " -- ", 4) == 0;
        if (em || dd) {
            /* "a — b", "a—b", "a -- b" -> "a, b" */
            while (o > 0 && out[o - 1] == ' ') {
                o--;
            }
            i += em ? 3 : 4;
            while (text[i] == ' ') {
                i++;
            }
            if (o > 0 && out[o - 1] != ',' && text[i] != '\0') {
                out[o++] = ',';
            }
            if (o > 0 && text[i] != '\0') {
                out[o++] = ' ';
            }
        } else if (strncmp(text + i, "\xE2\x80\x93", 3) == 0) {
            out[o++] = '-';
            i += 3;
        } else {
            out[o++] = text[i++];
        }
    }
    out[o] = '\0';
    return out;
}

/* Number of UTF-8 code points in s. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if ((*p & 0xC0) != 0x80) {
            n++;
        }
    }
    return n;
}

/* Byte offset just after max_chars code points of s. */
static size_t utf8_prefix_bytes(const char *s, size_t max_chars)
{
    size_t chars = 0;
    size_t i = 0;
    while (s[i] != '\0') {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (chars == max_chars) {
                break;
            }
            chars++;
        }
        i++;
    }
    return i;
}

/* Cuts text to at most max_chars code points: at the last sentence end that fits, else at
 * the last space (with a full stop). Returns a new string. */
static char *trim_text(const char *text, size_t max_chars)
{
    size_t limit = utf8_prefix_bytes(text, max_chars);
    size_t cut = 0;
    for (size_t i = 0; i < limit; i++) {
        if ((text[i] == '.' || text[i] == '!' || text[i] == '?') &&
            (i + 1 == limit || text[i + 1] == ' ' || text[i + 1] == '\n')) {
            cut = i + 1;
        }
    }
    if (cut > 0) {
        return xstrndup(text, cut);
    }
    size_t space = limit;
    while (space > 0 && text[space] != ' ') {
        space--;
    }
    if (space == 0) {
        /* one long word: cut one code point short of the limit, room for the full stop */
        space = utf8_prefix_bytes(text, max_chars > 0 ? max_chars - 1 : 0);
    }
    while (space > 0 && (text[space - 1] == ' ' || text[space - 1] == ',')) {
        space--;
    }
    char *out = xmalloc(space + 2);
    memcpy(out, text, space);
    out[space] = '.';
    out[space + 1] = '\0';
    return out;
}

/* ---- money -------------------------------------------------------------------------------- */

/* Amounts a draft may name below the visible lowest: the buyer's offer, the deal the plan
 * has or makes, the counter we named before, another buyer's offer. */
static bool amount_known(const plan_t *plan, int64_t cents)
{
    return cents == plan->buyer_offer_cents || cents == plan->agreed_cents ||
           cents == plan->last_counter_cents || cents == plan->competing_cents;
}

/* Records money violations of the draft (deal fields and text); true when any. */
static bool money_violations(const reply_requested_t *req, const plan_t *plan,
                             reply_drafted_t *draft)
{
    const int64_t floor_cents = plan->policy.floor_cents;
    const int64_t visible = plan->policy.visible_lowest_cents;
    bool bad = false;

    if (!plan->listing_known || floor_cents <= 0) {
        return false;
    }
    if ((draft->deal.agreed_price_cents > 0 && draft->deal.agreed_price_cents < floor_cents) ||
        (draft->deal.counter_cents > 0 && draft->deal.counter_cents < floor_cents)) {
        add_violation(draft, GUARD_V_BELOW_FLOOR);
        bad = true;
    }
    if (draft->deal.counter_cents == floor_cents && floor_cents < visible &&
        !amount_known(plan, floor_cents)) {
        add_violation(draft, GUARD_V_FLOOR_DISCLOSED);
        bad = true;
    }
    const int64_t deal_amounts[] = {draft->deal.agreed_price_cents, draft->deal.counter_cents};
    for (size_t i = 0; i < 2; i++) {
        if (deal_amounts[i] > floor_cents && deal_amounts[i] < visible &&
            !amount_known(plan, deal_amounts[i])) {
            add_violation(draft, GUARD_V_BELOW_LOWEST);
            bad = true;
        }
    }
    if (draft->text == NULL) {
        return bad;
    }
    offer_amount_t amounts[32];
    /* the listing's title repeated in the draft is not an amount ("The lamp 1 is $80") */
    size_t n = offer_scan_titled(draft->text, req->listing.title, plan->policy.price_cents,
                                 OFFER_SCAN_ALL, amounts, 32);
    if (n > 32) {
        n = 32;
    }
    bool floor_named = false;
    for (size_t i = 0; i < n; i++) {
        if (amounts[i].cents < floor_cents) {
            add_violation(draft, GUARD_V_BELOW_FLOOR);
            bad = true;
        } else if (amounts[i].cents == floor_cents && !amount_known(plan, floor_cents)) {
            floor_named = true;
        } else if (amounts[i].cents > floor_cents && amounts[i].cents < visible &&
                   !amount_known(plan, amounts[i].cents)) {
            add_violation(draft, GUARD_V_BELOW_LOWEST);
            bad = true;
        }
    }
    if (floor_named) {
        phrase_text_t t;
        phrase_text_init(&t, draft->text);
        bool words = phrase_match_any(&t, FLOOR_WORDS) != NULL;
        phrase_text_free(&t);
        if (floor_cents < visible || words) {
            add_violation(draft, GUARD_V_FLOOR_DISCLOSED);
            bad = true;
        }
    }
    return bad;
}

/* Replaces action, text, intent and deal of draft with the rules engine's reply. */
static void replace_with_rules(const reply_requested_t *req, const plan_t *plan,
                               reply_drafted_t *draft)
{
    reply_drafted_t tmp;
    memset(&tmp, 0, sizeof(tmp));
    (void)rules_draft(req, plan, &tmp);
    rules_field_set(&draft->action, tmp.action);
    rules_field_set(&draft->text, tmp.text);
    rules_field_set(&draft->intent, tmp.intent);
    rules_field_set(&draft->deal.status, tmp.deal.status);
    draft->deal.agreed_price_cents = tmp.deal.agreed_price_cents;
    draft->deal.buyer_offer_cents = tmp.deal.buyer_offer_cents;
    draft->deal.counter_cents = tmp.deal.counter_cents;
    if (tmp.guard.handoff_reason != NULL) {
        rules_field_set(&draft->guard.handoff_reason, tmp.guard.handoff_reason);
    }
    reply_drafted_free(&tmp);
}

/* ---- the guard ------------------------------------------------------------------------------ */

static bool deal_supported(const plan_t *plan, int64_t agreed_cents)
{
    if (plan->agreed || plan->intent == INTENT_ACCEPT || PLAN_HAS_INTENT(plan, INTENT_ACCEPT)) {
        return true;
    }
    return plan->buyer_offer_cents > 0 && plan->buyer_offer_cents >= agreed_cents;
}

static void check_deal(const plan_t *plan, reply_drafted_t *draft)
{
    const char *status = draft->deal.status;
    if (draft->deal.agreed_price_cents < 0 || draft->deal.counter_cents < 0 ||
        draft->deal.buyer_offer_cents < 0) {
        add_violation(draft, GUARD_V_INVALID_DEAL);
        if (draft->deal.agreed_price_cents < 0) {
            draft->deal.agreed_price_cents = 0;
        }
        if (draft->deal.counter_cents < 0) {
            draft->deal.counter_cents = 0;
        }
        if (draft->deal.buyer_offer_cents < 0) {
            draft->deal.buyer_offer_cents = 0;
        }
    }
    if (!str_eq(status, "none") && !str_eq(status, "negotiating") && !str_eq(status, "agreed") &&
        !str_eq(status, "declined")) {
        add_violation(draft, GUARD_V_INVALID_DEAL);
        rules_field_set(&draft->deal.status,
                        draft->deal.counter_cents > 0 ? "negotiating" : "none");
        return;
    }
    if (str_eq(status, "agreed")) {
        if (draft->deal.agreed_price_cents <= 0) {
            add_violation(draft, GUARD_V_INVALID_DEAL);
            rules_field_set(&draft->deal.status, "negotiating");
        } else if (!deal_supported(plan, draft->deal.agreed_price_cents)) {
            /* the buyer neither offered nor accepted this price: it is only a proposal */
            add_violation(draft, GUARD_V_INVALID_DEAL);
            rules_field_set(&draft->deal.status, "negotiating");
            if (draft->deal.counter_cents == 0) {
                draft->deal.counter_cents = draft->deal.agreed_price_cents;
            }
            draft->deal.agreed_price_cents = 0;
        }
    }
}

/* Step 4 of guard_check: a draft with a money violation is replaced by the rules engine's
 * reply for the plan; if even that breaks a rule, the chat goes to the seller. */
static void check_money(const reply_requested_t *req, const plan_t *plan, reply_drafted_t *draft,
                        draft_action_t *action)
{
    if (money_violations(req, plan, draft)) {
        replace_with_rules(req, plan, draft);
        /* the policy's reply replaces the text, but a handoff stays a handoff and "none"
         * stays silent: only a send may take the rules engine's action */
        if (*action == DRAFT_ACTION_SEND) {
            *action = str_eq(draft->action, "send")   ? DRAFT_ACTION_SEND
                      : str_eq(draft->action, "none") ? DRAFT_ACTION_NONE
                                                      : DRAFT_ACTION_HANDOFF;
        }
        reply_drafted_t probe;
        memset(&probe, 0, sizeof(probe));
        probe.text = draft->text;
        probe.deal = draft->deal;
        bool still_bad = money_violations(req, plan, &probe);
        for (size_t i = 0; i < probe.guard.nviolations; i++) {
            free(probe.guard.violations[i]);
        }
        free(probe.guard.violations);
        if (still_bad) {
            rules_field_set(&draft->guard.handoff_reason,
                            "could not write a reply within the seller's price");
            *action = DRAFT_ACTION_HANDOFF;
        }
    }
}

/* Steps 5 to 8 of guard_check: honest about being an assistant, no contact info or links,
 * no em dashes, not too long. */
static void check_text(const reply_requested_t *req, reply_drafted_t *draft, draft_action_t *action)
{
    /* 5. honest about being an assistant */
    {
        phrase_text_t t;
        phrase_text_init(&t, draft->text);
        bool claims = phrase_match_any(&t, CLAIMS_HUMAN) != NULL;
        phrase_text_free(&t);
        if (claims) {
            add_violation(draft, GUARD_V_CLAIMS_HUMAN);
            char *honest = rules_honest_line(req);
            rules_field_set(&draft->text, honest);
            free(honest);
        }
    }

    /* 6. no contact details or links in what we send */
    unsigned contact = contact_scan(draft->text);
    if ((contact & (CONTACT_OFF_PLATFORM | CONTACT_PHONE | CONTACT_EMAIL)) != 0) {
        add_violation(draft, GUARD_V_CONTACT_INFO);
        set_handoff(draft, action,
                    "draft contains a phone number or email address, or moves the chat off "
                    "the marketplace");
    }
    if ((contact & CONTACT_LINK) != 0) {
        add_violation(draft, GUARD_V_LINK);
        set_handoff(draft, action, "draft contains a link");
    }

    /* 7. style: no em dashes */
    {
        char *fixed = replace_dashes(draft->text);
        if (fixed != NULL) {
            add_violation(draft, GUARD_V_EM_DASH);
            free(draft->text);
            draft->text = fixed;
        }
    }

    /* 8. length */
    if (utf8_chars(draft->text) > GUARD_MAX_CHARS) {
        add_violation(draft, GUARD_V_TOO_LONG);
        char *trimmed = trim_text(draft->text, GUARD_MAX_CHARS);
        free(draft->text);
        draft->text = trimmed;
    }
}

draft_action_t guard_check(const reply_requested_t *req, const plan_t *plan, reply_drafted_t *draft)
{
    draft_action_t action;

    /* 1. a known action */
    if (str_eq(draft->action, "send")) {
        action = DRAFT_ACTION_SEND;
    } else if (str_eq(draft->action, "handoff")) {
        action = DRAFT_ACTION_HANDOFF;
    } else if (str_eq(draft->action, "none")) {
        action = DRAFT_ACTION_NONE;
    } else {
        add_violation(draft, GUARD_V_INVALID_ACTION);
        set_handoff(draft, &action, "draft had no valid action");
    }
    if (draft->text == NULL) {
        rules_field_set(&draft->text, "");
    }
    if (!known_intent(draft->intent)) {
        rules_field_set(&draft->intent, intent_name(plan->intent)); /* model's free text */
    }

    /* 2. the pre-guard decided already */
    if (plan->handoff) {
        if (action == DRAFT_ACTION_SEND) {
            add_violation(draft, GUARD_V_PRE_GUARD);
        }
        action = DRAFT_ACTION_HANDOFF;
        rules_field_set(&draft->guard.handoff_reason, plan->handoff_reason);
        rules_field_set(&draft->text, "");
        rules_field_set(&draft->deal.status, "none");
        draft->deal.agreed_price_cents = 0;
        draft->deal.counter_cents = 0;
        goto done;
    }

    /* 3. a coherent deal */
    check_deal(plan, draft);

    /* 4. money: never below the floor, never the floor itself */
    check_money(req, plan, draft, &action);

    /* 5. to 8. what the text says and how */
    check_text(req, draft, &action);

    /* 9. something to send, and a reason for every handoff */
    if (action == DRAFT_ACTION_SEND) {
        const char *p = draft->text;
        while (isspace((unsigned char)*p)) {
            p++;
        }
        if (*p == '\0') {
            add_violation(draft, GUARD_V_EMPTY_TEXT);
            set_handoff(draft, &action, "draft was empty");
        }
    }

done:
    if (action == DRAFT_ACTION_HANDOFF &&
        (draft->guard.handoff_reason == NULL || draft->guard.handoff_reason[0] == '\0')) {
        rules_field_set(&draft->guard.handoff_reason, "handed to the seller for review");
    }
    rules_field_set(&draft->action, draft_action_name(action));
    return action;
}
