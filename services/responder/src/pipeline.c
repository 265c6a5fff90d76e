/* One reply request -> one draft (see pipeline.h). Every draft, whoever wrote it, passes
 * guard_check before it leaves: the model is never trusted with the floor. */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/metrics.h"
#include "common/xmalloc.h"
#include "guard.h"
#include "rules.h"

struct pipeline {
    pipeline_config_t cfg;
};

pipeline_t *pipeline_new(const pipeline_config_t *cfg)
{
    pipeline_t *pl = xcalloc(1, sizeof(*pl));
    pl->cfg = *cfg;
    return pl;
}

void pipeline_free(pipeline_t *pl)
{
    free(pl);
}

void pipeline_job_free(pipeline_job_t *job)
{
    if (!job)
        return;
    reply_requested_free(&job->req);
    reply_drafted_free(&job->draft);
    free(job);
}

/* ---- pure steps ------------------------------------------------------------------------- */

void pipeline_draft_id(const char *request_id, char out[UUID_STR_LEN])
{
    static const char prefix[] = "byebuy/reply.drafted/";
    size_t n = strlen(request_id);
    char *name = xmalloc(sizeof(prefix) + n);
    memcpy(name, prefix, sizeof(prefix) - 1);
    memcpy(name + sizeof(prefix) - 1, request_id, n + 1);
    char hex[65];
    util_sha256_hex(name, sizeof(prefix) - 1 + n, hex);
    free(name);
    /* 32 hex digits in the 8-4-4-4-12 layout, version nibble 5, RFC 4122 variant. */
    static const char digits[] = "0123456789abcdef";
    hex[12] = '5';
    int v = hex[16] <= '9' ? hex[16] - '0' : hex[16] - 'a' + 10;
    hex[16] = digits[(v & 0x3) | 0x8];
    snprintf(out, UUID_STR_LEN, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
             hex + 20);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void pipeline_handoff_draft(const reply_requested_t *req, const plan_t *plan, const char *source,
                            const char *reason, reply_drafted_t *out)
{
    memset(out, 0, sizeof(*out));
    out->request_id = dup_or_null(req->request_id);
    out->conversation_id = dup_or_null(req->conversation_id);
    out->action = xstrdup("handoff");
    out->text = NULL;
    out->intent = xstrdup(plan ? intent_name(plan->intent) : intent_name(INTENT_OTHER));
    int64_t offer = plan ? plan->buyer_offer_cents : 0;
    out->deal.status = xstrdup(req->state.agreed_price_cents > 0 ? "agreed"
                               : offer > 0                       ? "negotiating"
                                                                 : "none");
    out->deal.agreed_price_cents = req->state.agreed_price_cents;
    out->deal.buyer_offer_cents = offer;
    out->guard.handoff_reason = xstrdup(reason && *reason ? reason : "needs the seller");
    out->source = xstrdup(source);
}

void pipeline_llm_draft(const reply_requested_t *req, const plan_t *plan, const llm_draft_t *m,
                        reply_drafted_t *out)
{
    (void)plan;
    memset(out, 0, sizeof(*out));
    out->request_id = dup_or_null(req->request_id);
    out->conversation_id = dup_or_null(req->conversation_id);
    out->action = xstrdup(m->handoff ? "handoff" : "send");
    /* On a handoff the text is only a suggestion for the seller (never sent automatically),
     * like the rules engine's holding lines. */
    out->text = m->text && *m->text ? xstrdup(m->text) : NULL;
    out->intent = xstrdup(m->intent);
    out->deal.status = xstrdup(m->deal_status);
    out->deal.agreed_price_cents = m->agreed_price_cents;
    out->deal.buyer_offer_cents = m->buyer_offer_cents;
    out->deal.counter_cents = m->counter_cents;
    if (m->handoff)
        out->guard.handoff_reason =
            xstrdup(m->handoff_reason && *m->handoff_reason ? m->handoff_reason
                                                            : "the model asked for the seller");
    out->source = xstrdup("llm");
}

/* ---- the path --------------------------------------------------------------------------- */

/* Post-guards, ids, metrics, then hands the job to the caller. */
static void finish(pipeline_job_t *job, const char *source)
{
    reply_drafted_t *d = &job->draft;
    if (!d->request_id)
        d->request_id = dup_or_null(job->req.request_id);
    if (!d->conversation_id)
        d->conversation_id = dup_or_null(job->req.conversation_id);
    if (!d->source)
        d->source = xstrdup(source);
    (void)guard_check(&job->req, &job->plan, d);
    if (!d->action)
        d->action = xstrdup("handoff");
    char name[160];
    snprintf(name, sizeof(name), "bb_responder_drafts_total{source=\"%s\",action=\"%s\"}",
             d->source, d->action);
    metrics_inc(metrics_counter(name, "Drafts produced, by source and action"), 1);
    pipeline_t *pl = job->pl;
    pl->cfg.done(job, pl->cfg.ctx);
}

static void on_model(void *user, llm_result_t *res)
{
    pipeline_job_t *job = user;
    pipeline_t *pl = job->pl;
    job->model_us = res->latency_ms * 1000;
    if (res->outcome == LLM_OUTCOME_ABORTED) {
        /* No draft at all: the request stays unacknowledged and is redelivered. */
        job->aborted = true;
        pl->cfg.done(job, pl->cfg.ctx);
        return;
    }
    if (res->outcome == LLM_OUTCOME_OK) {
        pipeline_llm_draft(&job->req, &job->plan, &res->draft, &job->draft);
    } else {
        LOG_WARN("request %s: model gave no draft: %s", job->req.request_id, res->reason);
        pipeline_handoff_draft(&job->req, &job->plan, "llm", res->reason, &job->draft);
    }
    job->draft.model.name =
        xstrdup(job->req.policy.model && *job->req.policy.model ? job->req.policy.model
                                                                : pl->cfg.prompt.model);
    job->draft.model.latency_ms = res->latency_ms;
    job->draft.model.prompt_tokens = res->prompt_tokens;
    job->draft.model.completion_tokens = res->completion_tokens;
    finish(job, "llm");
}

pipeline_submit_t pipeline_submit(pipeline_t *pl, const cJSON *data, void *user, char *errstr,
                                  size_t errstr_size)
{
    pipeline_job_t *job = xcalloc(1, sizeof(*job));
    job->pl = pl;
    job->user = user;
    job->received_us = util_now_us();
    if (reply_requested_parse(data, &job->req, errstr, errstr_size) < 0) {
        pipeline_job_free(job);
        return PIPELINE_INVALID;
    }
    pipeline_draft_id(job->req.request_id, job->draft_id);

    char err[200];
    if (plan_build(&job->req, &job->plan, err, sizeof(err)) < 0) {
        /* The conversation exists and waits for an answer: the seller must see it. */
        char reason[240];
        snprintf(reason, sizeof(reason), "cannot plan a reply: %s", err);
        LOG_WARN("request %s: %s", job->req.request_id, reason);
        pipeline_handoff_draft(&job->req, NULL, "rules", reason, &job->draft);
        finish(job, "rules");
        return PIPELINE_ACCEPTED;
    }
    if (job->plan.handoff) {
        pipeline_handoff_draft(&job->req, &job->plan, "rules", job->plan.handoff_reason,
                               &job->draft);
        finish(job, "rules");
        return PIPELINE_ACCEPTED;
    }
    /* The rules engine answers when no model is configured, when the seller switched the
     * model off (policy.use_model false; not set = use the configured model), and when there
     * is nothing to answer ("ok" after a deal, an emoji): no model call for that. */
    bool seller_wants_model = !job->req.policy.has_use_model || job->req.policy.use_model;
    if (!pl->cfg.llm || !seller_wants_model || job->plan.nothing_to_answer) {
        if (rules_draft(&job->req, &job->plan, &job->draft) < 0) {
            reply_drafted_free(&job->draft);
            pipeline_handoff_draft(&job->req, &job->plan, "rules", "the rules engine had no reply",
                                   &job->draft);
        }
        finish(job, "rules");
        return PIPELINE_ACCEPTED;
    }
    char *body = prompt_request_body(&job->req, &job->plan, &pl->cfg.prompt);
    if (llm_client_submit(pl->cfg.llm, body, job->req.request_id, on_model, job) < 0) {
        snprintf(errstr, errstr_size, "shutting down");
        pipeline_job_free(job);
        return PIPELINE_UNAVAILABLE;
    }
    return PIPELINE_ACCEPTED;
}
