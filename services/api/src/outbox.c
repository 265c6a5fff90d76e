/* Outbox enqueue (inside the caller's transaction) and the relay thread that publishes
 * outbox rows to Kafka, marking them published only when the broker acknowledged them. */
#include "outbox.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/db.h"
#include "common/event.h"
#include "common/kafka.h"
#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "store/store.h"

#define RELAY_IDLE_WAKE_MS 1000  /* safety net when a NOTIFY was missed */
#define RELAY_DUE_RECHECK_MS 20  /* rows due but not claimed: look again soon */
#define RELAY_STOP_GRACE_MS 3000 /* how long a stopping relay still waits for reports */
#define RELAY_MAX_BACKOFF_S 60
#define RELAY_LAG_EVERY_MS 1000 /* how often the lag gauges are refreshed while reports wait */

typedef struct {
    int64_t id;
    int64_t delivered_us; /* wall clock of the delivery report: the row's published_at */
    bool done;
    int err;
    char errmsg[256];
} outbox_item_t;

struct outbox_relay {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    outbox_item_t *items; /* one batch; reused only once every report of it arrived */
    size_t nitems_cap;
    size_t outstanding; /* produced, no report yet */
    PGconn *pg;         /* the relay's own connection (LISTEN) */
};

int outbox_enqueue_at(PGconn *pg, int64_t not_before_us, const char *topic, const char *key,
                      const char *type, const char *subject, cJSON *data,
                      char event_id[UUID_STR_LEN], char *errstr, size_t errstr_size)
{
    char id[UUID_STR_LEN], at[24];
    util_uuid_v4(id);
    char *payload = event_encode("api", type, subject, id, data);
    if (!payload) {
        snprintf(errstr, errstr_size, "outbox: could not encode %s event", type);
        return -1;
    }
    snprintf(at, sizeof(at), "%" PRId64, not_before_us);
    const char *params[6] = {id, topic, key, type, payload, not_before_us > 0 ? at : NULL};
    /* next_attempt_at is the row's "not before" (migrations/0010_job_pacing.sql); a time in
     * the past is due at once, as now() is. */
    PGresult *res = db_exec(pg,
                            "INSERT INTO outbox (event_id, topic, key, type, payload,"
                            " next_attempt_at) VALUES ($1, $2, $3, $4, $5, COALESCE('epoch'::"
                            "timestamptz + $6::bigint * interval '1 microsecond', now()))",
                            6, params, errstr, errstr_size, NULL);
    free(payload);
    if (!res)
        return -1;
    PQclear(res);
    if (event_id)
        memcpy(event_id, id, UUID_STR_LEN);
    return 0;
}

int outbox_enqueue(PGconn *pg, const char *topic, const char *key, const char *type,
                   const char *subject, cJSON *data, char event_id[UUID_STR_LEN], char *errstr,
                   size_t errstr_size)
{
    return outbox_enqueue_at(pg, 0, topic, key, type, subject, data, event_id, errstr, errstr_size);
}

void outbox_on_delivery(void *msg_opaque, int err, const char *errstr, void *ctx)
{
    struct app *app = ctx;
    struct outbox_relay *r = app->relay;
    outbox_item_t *item = msg_opaque;
    if (!r || !item)
        return;
    pthread_mutex_lock(&r->mu);
    item->done = true;
    item->err = err;
    item->delivered_us = util_wall_ms() * 1000;
    if (err)
        snprintf(item->errmsg, sizeof(item->errmsg), "%s", errstr ? errstr : "delivery failed");
    if (r->outstanding > 0)
        r->outstanding--;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

int outbox_relay_init(struct app *app)
{
    struct outbox_relay *r = xcalloc(1, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    r->nitems_cap = (size_t)(app->cfg.outbox_batch > 0 ? app->cfg.outbox_batch : 100);
    r->items = xcalloc(r->nitems_cap, sizeof(*r->items));
    app->relay = r;
    return 0;
}

void outbox_relay_free(struct app *app)
{
    struct outbox_relay *r = app->relay;
    if (!r)
        return;
    if (r->pg)
        PQfinish(r->pg);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r->items);
    free(r);
    app->relay = NULL;
}

/* (Re)opens the relay's connection and LISTENs. Returns 0 or -1. */
static int relay_connect(struct app *app, struct outbox_relay *r)
{
    if (r->pg && PQstatus(r->pg) == CONNECTION_OK)
        return 0;
    if (r->pg)
        PQfinish(r->pg);
    r->pg = PQconnectdb(app->cfg.database_url);
    if (PQstatus(r->pg) != CONNECTION_OK) {
        LOG_WARN("outbox relay: connecting: %s", PQerrorMessage(r->pg));
        return -1;
    }
    char err[256];
    PGresult *res = db_exec(r->pg, "LISTEN outbox", 0, NULL, err, sizeof(err), NULL);
    if (!res) {
        LOG_WARN("outbox relay: LISTEN outbox: %s", err);
        return -1;
    }
    PQclear(res);
    return 0;
}

/* The lag gauges: rows that should have gone out and did not (due, or failed before and
 * waiting for their retry), and the age of the oldest; rows a pacing slot holds back are
 * "scheduled", not lag. clock_timestamp(), not now(): inside the relay's claiming
 * transaction now() is the claim time. Returns 0 or -1. */
static int relay_lag_update(struct app *app, struct outbox_relay *r)
{
    char err[256];
    PGresult *res = db_exec(
        r->pg,
        "SELECT count(*) FILTER (WHERE next_attempt_at <= clock_timestamp() OR attempts > 0)"
        " AS lag, coalesce(extract(epoch FROM clock_timestamp() - min(CASE WHEN attempts = 0 THEN"
        " next_attempt_at ELSE created_at END) FILTER (WHERE next_attempt_at <= clock_timestamp()"
        " OR attempts > 0)), 0)::float8 AS oldest_s"
        " FROM outbox WHERE published_at IS NULL",
        0, NULL, err, sizeof(err), NULL);
    if (!res) {
        LOG_WARN("outbox relay: reading the lag: %s", err);
        return -1;
    }
    metrics_set(app->m.outbox_lag, row_i64(res, 0, "lag"));
    metrics_set(app->m.outbox_oldest_s, (int64_t)atof(row_text(res, 0, "oldest_s")));
    PQclear(res);
    return 0;
}

/* Waits until every report of the batch arrived; after a stop, at most RELAY_STOP_GRACE_MS.
 * While reports are missing (the broker is away: librdkafka keeps retrying until
 * message.timeout.ms) the lag gauges keep being refreshed, so they show the outage.
 * Returns true when all arrived. */
static bool relay_wait_reports(struct app *app, struct outbox_relay *r)
{
    int64_t stop_deadline = 0, lag_at = util_now_ms() + RELAY_LAG_EVERY_MS;
    pthread_mutex_lock(&r->mu);
    while (r->outstanding > 0) {
        if (util_now_ms() >= lag_at) {
            pthread_mutex_unlock(&r->mu);
            (void)relay_lag_update(app, r);
            lag_at = util_now_ms() + RELAY_LAG_EVERY_MS;
            pthread_mutex_lock(&r->mu);
            continue;
        }
        if (app->workers_stop) {
            int64_t now = util_now_ms();
            if (!stop_deadline)
                stop_deadline = now + RELAY_STOP_GRACE_MS;
            else if (now >= stop_deadline)
                break;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&r->cv, &r->mu, &ts);
    }
    bool all = r->outstanding == 0;
    pthread_mutex_unlock(&r->mu);
    return all;
}

/* Marks the batch's results in the claiming transaction. Returns 0 or -1. */
static int relay_record(struct outbox_relay *r, size_t n, size_t *published, char *errstr,
                        size_t errstr_size)
{
    /* Published ids and their report times as two array literals: one UPDATE for the
     * whole batch. */
    size_t cap = n * 24 + 4, len = 0, tlen = 0;
    char *ids = xmalloc(cap), *times = xmalloc(cap);
    int rc = -1;
    ids[len++] = '{';
    times[tlen++] = '{';
    *published = 0;
    for (size_t i = 0; i < n; i++) {
        outbox_item_t *it = &r->items[i];
        if (it->done && it->err == 0) {
            const char *sep = *published ? "," : "";
            len += (size_t)snprintf(ids + len, cap - len, "%s%" PRId64, sep, it->id);
            tlen += (size_t)snprintf(times + tlen, cap - tlen, "%s%" PRId64, sep, it->delivered_us);
            (*published)++;
            continue;
        }
        char id[32];
        snprintf(id, sizeof(id), "%" PRId64, it->id);
        const char *msg = it->done ? it->errmsg : "no delivery report";
        const char *params[3] = {id, msg, NULL};
        char backoff[16];
        snprintf(backoff, sizeof(backoff), "%d", RELAY_MAX_BACKOFF_S);
        params[2] = backoff;
        PGresult *res = db_exec(r->pg,
                                "UPDATE outbox SET attempts = attempts + 1, last_error = $2,"
                                " next_attempt_at = now() + least($3::int, power(2, attempts))"
                                " * interval '1 second' WHERE id = $1",
                                3, params, errstr, errstr_size, NULL);
        if (!res)
            goto cleanup;
        PQclear(res);
        LOG_WARN("outbox: event row %s not published: %s", id, msg);
    }
    ids[len++] = '}';
    ids[len] = '\0';
    times[tlen++] = '}';
    times[tlen] = '\0';
    if (*published) {
        /* published_at is when the broker acknowledged the event (its delivery report), not
         * the claim: now() here would be the claiming transaction's start, a time when the
         * broker may have been down. */
        const char *params[2] = {ids, times};
        PGresult *res = db_exec(r->pg,
                                "UPDATE outbox o SET published_at = 'epoch'::timestamptz + d.us"
                                " * interval '1 microsecond', attempts = attempts + 1,"
                                " last_error = NULL FROM unnest($1::bigint[], $2::bigint[])"
                                " AS d(id, us) WHERE o.id = d.id",
                                2, params, errstr, errstr_size, NULL);
        if (!res)
            goto cleanup;
        PQclear(res);
    }
    rc = 0;
cleanup:
    free(ids);
    free(times);
    return rc;
}

/* Claims and publishes one batch. Returns the number of rows claimed, or -1 when the
 * database failed (the transaction is rolled back; rows stay unpublished). */
static int relay_batch(struct app *app, struct outbox_relay *r)
{
    char err[512];
    PGresult *res = NULL;
    size_t n = 0;

    if (db_begin(r->pg, err, sizeof(err)) != 0)
        goto fail;
    char limit[16];
    snprintf(limit, sizeof(limit), "%zu", r->nitems_cap);
    const char *params[1] = {limit};
    res = db_exec(r->pg,
                  "SELECT id, topic, key, payload FROM outbox"
                  " WHERE published_at IS NULL AND next_attempt_at <= now()"
                  " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                  1, params, err, sizeof(err), NULL);
    if (!res)
        goto fail;
    n = (size_t)PQntuples(res);
    if (n == 0) {
        PQclear(res);
        res = NULL;
        if (db_commit(r->pg, err, sizeof(err)) != 0)
            goto fail;
        return 0;
    }

    if (app->cfg.outbox_publish_delay_ms > 0) {
        /* TEST HOOK (OUTBOX_PUBLISH_DELAY_MS): the rows are committed and claimed but not yet
         * produced, so a test can SIGKILL the process in exactly this window. */
        LOG_INFO("outbox: test delay of %lld ms before publishing %zu event(s)",
                 app->cfg.outbox_publish_delay_ms, n);
        if (util_sleep_ms(app->cfg.outbox_publish_delay_ms, &app->workers_stop)) {
            PQclear(res);
            db_rollback(r->pg);
            return 0;
        }
    }

    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < n; i++) {
        memset(&r->items[i], 0, sizeof(r->items[i]));
        r->items[i].id = row_i64(res, (int)i, "id");
    }
    pthread_mutex_unlock(&r->mu);

    int payload_col = PQfnumber(res, "payload");
    for (size_t i = 0; i < n; i++) {
        const char *payload = PQgetvalue(res, (int)i, payload_col);
        char perr[256];
        pthread_mutex_lock(&r->mu);
        r->outstanding++;
        pthread_mutex_unlock(&r->mu);
        if (kafka_produce(app->producer, row_text(res, (int)i, "topic"),
                          row_text(res, (int)i, "key"), payload,
                          (size_t)PQgetlength(res, (int)i, payload_col), &r->items[i], perr,
                          sizeof(perr)) != 0) {
            pthread_mutex_lock(&r->mu);
            r->outstanding--;
            r->items[i].done = true;
            r->items[i].err = -1;
            snprintf(r->items[i].errmsg, sizeof(r->items[i].errmsg), "%s", perr);
            pthread_mutex_unlock(&r->mu);
        }
    }
    PQclear(res);
    res = NULL;

    if (!relay_wait_reports(app, r)) {
        /* Stopping with reports still missing: leave the rows unpublished (they are sent
         * again by the next relay; consumers dedupe by event id). The items stay valid
         * until outbox_relay_free, after the producer is gone. */
        LOG_WARN("outbox: stopping with delivery reports of %zu event(s) missing", n);
        db_rollback(r->pg);
        return -2;
    }

    size_t published = 0; /* items are final: relay_wait_reports' lock ordered the writes */
    if (relay_record(r, n, &published, err, sizeof(err)) != 0)
        goto fail;
    if (db_commit(r->pg, err, sizeof(err)) != 0)
        goto fail;
    metrics_inc(app->m.outbox_published, (int64_t)published);
    if (published < n)
        metrics_inc(app->m.outbox_failed, (int64_t)(n - published));
    LOG_DEBUG("outbox: published %zu of %zu event(s)", published, n);
    return (int)n;
fail:
    LOG_WARN("outbox relay: %s", err);
    PQclear(res);
    if (r->pg && PQstatus(r->pg) == CONNECTION_OK)
        db_rollback(r->pg);
    return -1;
}

/* Updates the lag gauge (rows due but not published) and returns how long the relay may
 * sleep: until the earliest row not yet due (a scheduled job, a retry's backoff) falls due,
 * at most RELAY_IDLE_WAKE_MS (the safety net for a missed NOTIFY). */
static int relay_idle_ms(struct app *app, struct outbox_relay *r)
{
    char err[256];
    PGresult *res = db_exec(r->pg,
                            "SELECT count(*) FILTER (WHERE next_attempt_at <= now()) AS due,"
                            " count(*) FILTER (WHERE next_attempt_at > now() AND attempts = 0)"
                            " AS scheduled,"
                            " ceil(extract(epoch FROM min(next_attempt_at) FILTER"
                            " (WHERE next_attempt_at > now()) - clock_timestamp()) * 1000)::bigint"
                            " AS next_due_ms FROM outbox WHERE published_at IS NULL",
                            0, NULL, err, sizeof(err), NULL);
    if (!res) {
        LOG_WARN("outbox relay: reading the next due time: %s", err);
        return RELAY_IDLE_WAKE_MS;
    }
    (void)relay_lag_update(app, r);
    metrics_set(app->m.outbox_scheduled, row_i64(res, 0, "scheduled"));
    int64_t wait = RELAY_IDLE_WAKE_MS;
    if (row_i64(res, 0, "due") > 0)
        wait = RELAY_DUE_RECHECK_MS; /* came due since the claim (or another relay has it) */
    else if (row_text(res, 0, "next_due_ms")) {
        int64_t due = row_i64(res, 0, "next_due_ms");
        wait = due < 0 ? 0 : due < wait ? due : wait;
    }
    PQclear(res);
    return (int)wait;
}

/* Sleeps until a NOTIFY arrives on the relay's connection, a timeout, or a stop. */
static void relay_wait_notify(struct app *app, struct outbox_relay *r, int timeout_ms)
{
    int64_t deadline = util_now_ms() + timeout_ms;
    while (!app->workers_stop) {
        PGnotify *notify;
        bool woke = false;
        if (PQconsumeInput(r->pg) == 0)
            return; /* broken: the main loop reconnects */
        while ((notify = PQnotifies(r->pg)) != NULL) {
            woke = true;
            PQfreemem(notify);
        }
        if (woke)
            return;
        int64_t left = deadline - util_now_ms();
        if (left <= 0)
            return;
        struct pollfd pfd = {.fd = PQsocket(r->pg), .events = POLLIN};
        /* Short slices so a stop is seen quickly. */
        (void)poll(&pfd, 1, (int)(left < 100 ? left : 100));
    }
}

static void *relay_main(void *arg)
{
    struct app *app = arg;
    struct outbox_relay *r = app->relay;
    int64_t backoff_ms = 100;
    LOG_INFO("outbox relay started (batch %zu)", r->nitems_cap);
    while (!app->workers_stop) {
        if (relay_connect(app, r) != 0) {
            util_sleep_ms(backoff_ms, &app->workers_stop);
            backoff_ms = backoff_ms * 2 > 5000 ? 5000 : backoff_ms * 2;
            continue;
        }
        int claimed = relay_batch(app, r);
        if (claimed == -2)
            break;
        if (claimed < 0) {
            util_sleep_ms(backoff_ms, &app->workers_stop);
            backoff_ms = backoff_ms * 2 > 5000 ? 5000 : backoff_ms * 2;
            continue;
        }
        backoff_ms = 100;
        if ((size_t)claimed == r->nitems_cap)
            continue; /* a full batch: more are probably waiting */
        int idle_ms = relay_idle_ms(app, r);
        if (idle_ms > 0)
            relay_wait_notify(app, r, idle_ms);
    }
    LOG_INFO("outbox relay stopped");
    return NULL;
}

int outbox_relay_start(struct app *app, char *errstr, size_t errstr_size)
{
    int err = pthread_create(&app->relay_thread, NULL, relay_main, app);
    if (err != 0) {
        snprintf(errstr, errstr_size, "outbox relay thread: %s", strerror(err));
        return -1;
    }
    app->relay_started = true;
    return 0;
}

void outbox_relay_join(struct app *app)
{
    if (!app->relay_started)
        return;
    pthread_join(app->relay_thread, NULL);
    app->relay_started = false;
}
