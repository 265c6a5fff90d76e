/* Payloads of bb.reply.requests (reply.requested) and bb.reply.drafts (reply.drafted), with
 * the field names fixed by the responder contract (issue 4): build and parse (see event.h). */
#include "common/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

static int non_negative(const char *field, int64_t v, char *errstr, size_t errstr_size)
{
    if (v >= 0)
        return 0;
    snprintf(errstr, errstr_size, "%s: must not be negative", field);
    return -1;
}

/* Checks s against a NULL-terminated list of allowed values. */
static int one_of(const char *field, const char *s, const char *const *allowed, char *errstr,
                  size_t errstr_size)
{
    if (!s)
        return 0;
    for (size_t i = 0; allowed[i]; i++)
        if (strcmp(s, allowed[i]) == 0)
            return 0;
    char list[128] = "";
    for (size_t i = 0; allowed[i]; i++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", allowed[i]);
    }
    snprintf(errstr, errstr_size, "%s: expected one of %s", field, list);
    return -1;
}

/* Prefixes errstr with "<array>[<i>]" the way the nested parsers do. */
static void element_error(char *errstr, size_t errstr_size, const char *array, int i,
                          const cJSON *item)
{
    char where[48];
    snprintf(where, sizeof(where), "%s[%d]", array, i);
    if (!cJSON_IsObject(item))
        snprintf(errstr, errstr_size, "%s: expected an object", where);
    else
        ev_errstr_prefix(errstr, errstr_size, where);
}

/* ---- reply.requested -------------------------------------------------------------------- */

cJSON *reply_requested_build(const reply_requested_t *e)
{
    cJSON *data = cJSON_CreateObject();
    ev_add_string(data, F_REQUEST_ID, e->request_id);
    ev_add_string(data, F_CONVERSATION_ID, e->conversation_id);

    cJSON *l = cJSON_AddObjectToObject(data, F_LISTING);
    ev_add_int64(l, F_ID, e->listing.id, false);
    ev_add_string(l, F_TITLE, e->listing.title);
    ev_add_string(l, F_DESCRIPTION, e->listing.description);
    ev_add_int64(l, F_PRICE_CENTS, e->listing.price_cents, false);
    ev_add_int64(l, F_FLOOR_CENTS, e->listing.floor_cents, false);
    ev_add_string(l, F_CURRENCY, e->listing.currency);
    cJSON_AddNumberToObject(l, F_FLEXIBILITY, e->listing.flexibility);
    ev_add_string(l, F_CONDITION, e->listing.condition);
    ev_add_string(l, F_LOCATION, e->listing.location);
    ev_add_string(l, F_STATUS, e->listing.status);
    ev_add_string(l, F_SELLER_NOTES, e->listing.seller_notes);

    cJSON *b = cJSON_AddObjectToObject(data, F_BUYER);
    ev_add_string(b, F_NAME, e->buyer.name);

    cJSON *st = cJSON_AddObjectToObject(data, F_STATE);
    ev_add_string(st, F_STATUS, e->state.status);
    ev_add_int64(st, F_AGREED_PRICE_CENTS, e->state.agreed_price_cents, true);
    ev_add_int64(st, F_CURRENT_OFFER_CENTS, e->state.current_offer_cents, true);
    ev_add_int64(st, F_COMPETING_OFFER_CENTS, e->state.competing_offer_cents, true);

    cJSON *h = cJSON_AddArrayToObject(data, F_HISTORY);
    for (size_t i = 0; i < e->nhistory; i++) {
        cJSON *o = cJSON_CreateObject();
        ev_add_string(o, F_ROLE, e->history[i].role);
        ev_add_string(o, F_TEXT, e->history[i].text);
        ev_add_string(o, F_AT, e->history[i].at);
        cJSON_AddItemToArray(h, o);
    }
    cJSON *nm = cJSON_AddArrayToObject(data, F_NEW_MESSAGES);
    for (size_t i = 0; i < e->nnew_messages; i++) {
        cJSON *o = cJSON_CreateObject();
        ev_add_string(o, F_FINGERPRINT, e->new_messages[i].fingerprint);
        ev_add_string(o, F_TEXT, e->new_messages[i].text);
        ev_add_string(o, F_AT, e->new_messages[i].at);
        cJSON_AddItemToArray(nm, o);
    }

    cJSON *p = cJSON_AddObjectToObject(data, F_POLICY);
    ev_add_string(p, F_TONE, e->policy.tone);
    ev_add_string(p, F_PERSONA, e->policy.persona);
    cJSON_AddBoolToObject(p, F_AUTO_SEND, e->policy.auto_send);
    if (e->policy.has_use_model)
        cJSON_AddBoolToObject(p, F_USE_MODEL, e->policy.use_model);
    ev_add_string(p, F_MODEL, e->policy.model);
    return data;
}

static int request_listing_parse(const cJSON *l, reply_requested_t *e, char *errstr,
                                 size_t errstr_size)
{
    if (ev_get_int64(l, F_ID, true, &e->listing.id, errstr, errstr_size) < 0 ||
        ev_get_string(l, F_TITLE, true, &e->listing.title, errstr, errstr_size) < 0 ||
        ev_get_string(l, F_DESCRIPTION, false, &e->listing.description, errstr, errstr_size) < 0 ||
        ev_get_int64(l, F_PRICE_CENTS, true, &e->listing.price_cents, errstr, errstr_size) < 0 ||
        non_negative(F_PRICE_CENTS, e->listing.price_cents, errstr, errstr_size) < 0 ||
        ev_get_int64(l, F_FLOOR_CENTS, true, &e->listing.floor_cents, errstr, errstr_size) < 0 ||
        non_negative(F_FLOOR_CENTS, e->listing.floor_cents, errstr, errstr_size) < 0 ||
        ev_get_string(l, F_CURRENCY, true, &e->listing.currency, errstr, errstr_size) < 0 ||
        ev_get_double(l, F_FLEXIBILITY, false, &e->listing.flexibility, errstr, errstr_size) < 0 ||
        ev_get_string(l, F_CONDITION, false, &e->listing.condition, errstr, errstr_size) < 0 ||
        ev_get_string(l, F_LOCATION, false, &e->listing.location, errstr, errstr_size) < 0 ||
        ev_get_string(l, F_STATUS, false, &e->listing.status, errstr, errstr_size) < 0 ||
        ev_get_string(l, F_SELLER_NOTES, false, &e->listing.seller_notes, errstr, errstr_size) < 0)
        return -1;
    if (e->listing.flexibility < 0 || e->listing.flexibility > 1) {
        snprintf(errstr, errstr_size, F_FLEXIBILITY ": expected a number from 0 to 1");
        return -1;
    }
    return 0;
}

static int request_state_parse(const cJSON *st, reply_requested_t *e, char *errstr,
                               size_t errstr_size)
{
    if (ev_get_string(st, F_STATUS, false, &e->state.status, errstr, errstr_size) < 0 ||
        ev_get_int64(st, F_AGREED_PRICE_CENTS, false, &e->state.agreed_price_cents, errstr,
                     errstr_size) < 0 ||
        non_negative(F_AGREED_PRICE_CENTS, e->state.agreed_price_cents, errstr, errstr_size) < 0 ||
        ev_get_int64(st, F_CURRENT_OFFER_CENTS, false, &e->state.current_offer_cents, errstr,
                     errstr_size) < 0 ||
        non_negative(F_CURRENT_OFFER_CENTS, e->state.current_offer_cents, errstr, errstr_size) <
            0 ||
        ev_get_int64(st, F_COMPETING_OFFER_CENTS, false, &e->state.competing_offer_cents, errstr,
                     errstr_size) < 0 ||
        non_negative(F_COMPETING_OFFER_CENTS, e->state.competing_offer_cents, errstr, errstr_size) <
            0)
        return -1;
    return 0;
}

int reply_requested_parse(const cJSON *data, reply_requested_t *e, char *errstr, size_t errstr_size)
{
    static const char *const roles[] = {"buyer", "seller", "agent", NULL};
    const cJSON *l = NULL, *b = NULL, *st = NULL, *h = NULL, *nm = NULL, *p = NULL;

    memset(e, 0, sizeof(*e));
    if (ev_get_string(data, F_REQUEST_ID, true, &e->request_id, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_CONVERSATION_ID, true, &e->conversation_id, errstr, errstr_size) <
            0 ||
        ev_get_object(data, F_LISTING, true, &l, errstr, errstr_size) < 0 ||
        ev_get_object(data, F_BUYER, false, &b, errstr, errstr_size) < 0 ||
        ev_get_object(data, F_STATE, false, &st, errstr, errstr_size) < 0 ||
        ev_get_array(data, F_HISTORY, false, &h, errstr, errstr_size) < 0 ||
        ev_get_array(data, F_NEW_MESSAGES, false, &nm, errstr, errstr_size) < 0 ||
        ev_get_object(data, F_POLICY, false, &p, errstr, errstr_size) < 0)
        goto fail;
    if (e->request_id[0] == '\0') {
        snprintf(errstr, errstr_size, F_REQUEST_ID ": empty");
        goto fail;
    }
    if (request_listing_parse(l, e, errstr, errstr_size) < 0) {
        ev_errstr_prefix(errstr, errstr_size, F_LISTING);
        goto fail;
    }
    if (b && ev_get_string(b, F_NAME, false, &e->buyer.name, errstr, errstr_size) < 0) {
        ev_errstr_prefix(errstr, errstr_size, F_BUYER);
        goto fail;
    }
    if (st && request_state_parse(st, e, errstr, errstr_size) < 0) {
        ev_errstr_prefix(errstr, errstr_size, F_STATE);
        goto fail;
    }
    int n = h ? cJSON_GetArraySize(h) : 0;
    if (n > 0) {
        e->history = xcalloc((size_t)n, sizeof(*e->history));
        e->nhistory = (size_t)n;
        int i = 0;
        for (const cJSON *o = h->child; o; o = o->next, i++) {
            ev_history_t *x = &e->history[i];
            if (!cJSON_IsObject(o) ||
                ev_get_string(o, F_ROLE, true, &x->role, errstr, errstr_size) < 0 ||
                one_of(F_ROLE, x->role, roles, errstr, errstr_size) < 0 ||
                ev_get_string(o, F_TEXT, true, &x->text, errstr, errstr_size) < 0 ||
                ev_get_string(o, F_AT, false, &x->at, errstr, errstr_size) < 0) {
                element_error(errstr, errstr_size, F_HISTORY, i, o);
                goto fail;
            }
        }
    }
    n = nm ? cJSON_GetArraySize(nm) : 0;
    if (n > 0) {
        e->new_messages = xcalloc((size_t)n, sizeof(*e->new_messages));
        e->nnew_messages = (size_t)n;
        int i = 0;
        for (const cJSON *o = nm->child; o; o = o->next, i++) {
            ev_new_message_t *x = &e->new_messages[i];
            if (!cJSON_IsObject(o) ||
                ev_get_string(o, F_FINGERPRINT, false, &x->fingerprint, errstr, errstr_size) < 0 ||
                ev_get_string(o, F_TEXT, true, &x->text, errstr, errstr_size) < 0 ||
                ev_get_string(o, F_AT, false, &x->at, errstr, errstr_size) < 0) {
                element_error(errstr, errstr_size, F_NEW_MESSAGES, i, o);
                goto fail;
            }
        }
    }
    if (p && (ev_get_string(p, F_TONE, false, &e->policy.tone, errstr, errstr_size) < 0 ||
              ev_get_string(p, F_PERSONA, false, &e->policy.persona, errstr, errstr_size) < 0 ||
              ev_get_bool(p, F_AUTO_SEND, false, &e->policy.auto_send, errstr, errstr_size) < 0 ||
              ev_get_string(p, F_MODEL, false, &e->policy.model, errstr, errstr_size) < 0)) {
        ev_errstr_prefix(errstr, errstr_size, F_POLICY);
        goto fail;
    }
    const cJSON *use_model = p ? cJSON_GetObjectItemCaseSensitive(p, F_USE_MODEL) : NULL;
    e->policy.has_use_model = use_model && !cJSON_IsNull(use_model);
    if (e->policy.has_use_model &&
        ev_get_bool(p, F_USE_MODEL, true, &e->policy.use_model, errstr, errstr_size) < 0) {
        ev_errstr_prefix(errstr, errstr_size, F_POLICY);
        goto fail;
    }
    return 0;
fail:
    reply_requested_free(e);
    return -1;
}

void reply_requested_free(reply_requested_t *e)
{
    if (!e)
        return;
    free(e->request_id);
    free(e->conversation_id);
    free(e->listing.title);
    free(e->listing.description);
    free(e->listing.currency);
    free(e->listing.condition);
    free(e->listing.location);
    free(e->listing.status);
    free(e->listing.seller_notes);
    free(e->buyer.name);
    free(e->state.status);
    for (size_t i = 0; i < e->nhistory; i++) {
        free(e->history[i].role);
        free(e->history[i].text);
        free(e->history[i].at);
    }
    free(e->history);
    for (size_t i = 0; i < e->nnew_messages; i++) {
        free(e->new_messages[i].fingerprint);
        free(e->new_messages[i].text);
        free(e->new_messages[i].at);
    }
    free(e->new_messages);
    free(e->policy.tone);
    free(e->policy.persona);
    free(e->policy.model);
    memset(e, 0, sizeof(*e));
}

/* ---- reply.drafted ---------------------------------------------------------------------- */

cJSON *reply_drafted_build(const reply_drafted_t *e)
{
    cJSON *data = cJSON_CreateObject();
    ev_add_string(data, F_REQUEST_ID, e->request_id);
    ev_add_string(data, F_CONVERSATION_ID, e->conversation_id);
    ev_add_string(data, F_ACTION, e->action);
    ev_add_string(data, F_TEXT, e->text);
    ev_add_string(data, F_INTENT, e->intent);

    cJSON *d = cJSON_AddObjectToObject(data, F_DEAL);
    ev_add_string(d, F_STATUS, e->deal.status ? e->deal.status : "none");
    ev_add_int64(d, F_AGREED_PRICE_CENTS, e->deal.agreed_price_cents, true);
    ev_add_int64(d, F_BUYER_OFFER_CENTS, e->deal.buyer_offer_cents, true);
    ev_add_int64(d, F_COUNTER_CENTS, e->deal.counter_cents, true);

    cJSON *g = cJSON_AddObjectToObject(data, F_GUARD);
    cJSON *v = cJSON_AddArrayToObject(g, F_VIOLATIONS);
    for (size_t i = 0; i < e->guard.nviolations; i++)
        cJSON_AddItemToArray(v, cJSON_CreateString(e->guard.violations[i]));
    ev_add_string(g, F_HANDOFF_REASON, e->guard.handoff_reason);

    ev_add_string(data, F_SOURCE, e->source);
    if (e->model.name) {
        cJSON *m = cJSON_AddObjectToObject(data, F_MODEL);
        ev_add_string(m, F_NAME, e->model.name);
        ev_add_int64(m, F_LATENCY_MS, e->model.latency_ms, false);
        ev_add_int64(m, F_PROMPT_TOKENS, e->model.prompt_tokens, false);
        ev_add_int64(m, F_COMPLETION_TOKENS, e->model.completion_tokens, false);
    } else {
        cJSON_AddNullToObject(data, F_MODEL); /* the rules engine used no model */
    }
    return data;
}

static int draft_deal_parse(const cJSON *d, reply_drafted_t *e, char *errstr, size_t errstr_size)
{
    static const char *const statuses[] = {"none", "negotiating", "agreed", "declined", NULL};
    if (ev_get_string(d, F_STATUS, true, &e->deal.status, errstr, errstr_size) < 0 ||
        one_of(F_STATUS, e->deal.status, statuses, errstr, errstr_size) < 0 ||
        ev_get_int64(d, F_AGREED_PRICE_CENTS, false, &e->deal.agreed_price_cents, errstr,
                     errstr_size) < 0 ||
        non_negative(F_AGREED_PRICE_CENTS, e->deal.agreed_price_cents, errstr, errstr_size) < 0 ||
        ev_get_int64(d, F_BUYER_OFFER_CENTS, false, &e->deal.buyer_offer_cents, errstr,
                     errstr_size) < 0 ||
        non_negative(F_BUYER_OFFER_CENTS, e->deal.buyer_offer_cents, errstr, errstr_size) < 0 ||
        ev_get_int64(d, F_COUNTER_CENTS, false, &e->deal.counter_cents, errstr, errstr_size) < 0 ||
        non_negative(F_COUNTER_CENTS, e->deal.counter_cents, errstr, errstr_size) < 0)
        return -1;
    return 0;
}

static int draft_guard_parse(const cJSON *g, reply_drafted_t *e, char *errstr, size_t errstr_size)
{
    const cJSON *v = NULL;
    if (ev_get_array(g, F_VIOLATIONS, false, &v, errstr, errstr_size) < 0 ||
        ev_get_string(g, F_HANDOFF_REASON, false, &e->guard.handoff_reason, errstr, errstr_size) <
            0)
        return -1;
    int n = v ? cJSON_GetArraySize(v) : 0;
    if (n == 0)
        return 0;
    e->guard.violations = xcalloc((size_t)n, sizeof(char *));
    int i = 0;
    for (const cJSON *s = v->child; s; s = s->next, i++) {
        if (!cJSON_IsString(s)) {
            snprintf(errstr, errstr_size, F_VIOLATIONS "[%d]: expected a string", i);
            return -1;
        }
        e->guard.violations[i] = xstrdup(s->valuestring);
        e->guard.nviolations = (size_t)i + 1;
    }
    return 0;
}

int reply_drafted_parse(const cJSON *data, reply_drafted_t *e, char *errstr, size_t errstr_size)
{
    static const char *const actions[] = {"send", "handoff", "none", NULL};
    static const char *const sources[] = {"rules", "llm", NULL};
    const cJSON *d = NULL, *g = NULL, *m = NULL;

    memset(e, 0, sizeof(*e));
    if (ev_get_string(data, F_REQUEST_ID, true, &e->request_id, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_CONVERSATION_ID, true, &e->conversation_id, errstr, errstr_size) <
            0 ||
        ev_get_string(data, F_ACTION, true, &e->action, errstr, errstr_size) < 0 ||
        one_of(F_ACTION, e->action, actions, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_TEXT, false, &e->text, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_INTENT, false, &e->intent, errstr, errstr_size) < 0 ||
        ev_get_object(data, F_DEAL, false, &d, errstr, errstr_size) < 0 ||
        ev_get_object(data, F_GUARD, false, &g, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_SOURCE, true, &e->source, errstr, errstr_size) < 0 ||
        one_of(F_SOURCE, e->source, sources, errstr, errstr_size) < 0 ||
        ev_get_object(data, F_MODEL, false, &m, errstr, errstr_size) < 0)
        goto fail;
    /* A draft the api would send must carry the text to send. */
    if (strcmp(e->action, "send") == 0 && (!e->text || !e->text[0])) {
        snprintf(errstr, errstr_size, F_TEXT ": missing (action is send)");
        goto fail;
    }
    if (d && draft_deal_parse(d, e, errstr, errstr_size) < 0) {
        ev_errstr_prefix(errstr, errstr_size, F_DEAL);
        goto fail;
    }
    if (!d)
        e->deal.status = xstrdup("none");
    if (g && draft_guard_parse(g, e, errstr, errstr_size) < 0) {
        ev_errstr_prefix(errstr, errstr_size, F_GUARD);
        goto fail;
    }
    if (m && (ev_get_string(m, F_NAME, true, &e->model.name, errstr, errstr_size) < 0 ||
              ev_get_int64(m, F_LATENCY_MS, false, &e->model.latency_ms, errstr, errstr_size) < 0 ||
              ev_get_int64(m, F_PROMPT_TOKENS, false, &e->model.prompt_tokens, errstr,
                           errstr_size) < 0 ||
              ev_get_int64(m, F_COMPLETION_TOKENS, false, &e->model.completion_tokens, errstr,
                           errstr_size) < 0)) {
        ev_errstr_prefix(errstr, errstr_size, F_MODEL);
        goto fail;
    }
    return 0;
fail:
    reply_drafted_free(e);
    return -1;
}

void reply_drafted_free(reply_drafted_t *e)
{
    if (!e)
        return;
    free(e->request_id);
    free(e->conversation_id);
    free(e->action);
    free(e->text);
    free(e->intent);
    free(e->deal.status);
    for (size_t i = 0; i < e->guard.nviolations; i++)
        free(e->guard.violations[i]);
    free(e->guard.violations);
    free(e->guard.handoff_reason);
    free(e->source);
    free(e->model.name);
    memset(e, 0, sizeof(*e));
}
