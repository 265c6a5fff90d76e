/* The messages table (see message_store.h). */
#include "store/message_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fingerprint.h"
#include "common/xmalloc.h"

int message_store_insert_received(PGconn *pg, int64_t conversation_id, const char *role,
                                  const char *text, const char *fingerprint, const char *at,
                                  int64_t *id, store_err_t *err)
{
    store_num_t cid;
    const char *params[5] = {store_i64(&cid, conversation_id), role, text, fingerprint, at};
    /* One statement: the insert, and when it inserted, the conversation's last_message_at
     * (as conversation_store_touch) from the message's own sent_at. */
    PGresult *res = store_exec(
        pg,
        "WITH m AS (INSERT INTO messages (conversation_id, role, text, fingerprint, delivery,"
        "  sent_at)"
        "  VALUES ($1, $2, $3, $4, CASE WHEN $2 = 'buyer' THEN 'received' ELSE 'sent' END,"
        "  COALESCE(NULLIF($5, '')::timestamptz, now()))"
        "  ON CONFLICT (conversation_id, fingerprint) DO NOTHING RETURNING id, sent_at),"
        " touched AS (UPDATE conversations c SET last_message_at ="
        "  GREATEST(c.last_message_at, m.sent_at) FROM m WHERE c.id = $1)"
        " SELECT id FROM m",
        5, params, err);
    if (!res)
        return -1;
    int inserted = PQntuples(res) == 1;
    if (inserted)
        *id = row_i64(res, 0, "id");
    PQclear(res);
    return inserted;
}

int message_store_claim_ours(PGconn *pg, int64_t conversation_id, const char *text,
                             const char *fingerprint, const char *at, int64_t *id, store_err_t *err)
{
    store_num_t cid;
    const char *params[4] = {store_i64(&cid, conversation_id), text, fingerprint, at};
    /* The oldest of ours with that text: two identical replies are claimed in order, as the
     * monitor's occurrence numbers count them. */
    PGresult *res =
        store_exec(pg,
                   "UPDATE messages SET fingerprint = $3, delivery = 'sent', last_error = NULL,"
                   " sent_at = COALESCE(sent_at, NULLIF($4, '')::timestamptz, now())"
                   " WHERE id = (SELECT id FROM messages WHERE conversation_id = $1"
                   "  AND fingerprint IS NULL AND role IN ('seller', 'agent')"
                   "  AND delivery IN ('queued', 'sent', 'failed') AND btrim(text) = btrim($2)"
                   "  AND NOT EXISTS (SELECT 1 FROM messages f WHERE f.conversation_id = $1"
                   "   AND f.fingerprint = $3)"
                   "  ORDER BY id LIMIT 1 FOR UPDATE) RETURNING id",
                   4, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found)
        *id = row_i64(res, 0, "id");
    PQclear(res);
    return found;
}

int message_store_schedule(PGconn *pg, int64_t id, int64_t at_us, store_err_t *err)
{
    store_num_t idbuf, at;
    const char *params[2] = {store_i64(&idbuf, id), store_i64(&at, at_us)};
    return store_run(pg,
                     "UPDATE messages SET scheduled_at ="
                     " 'epoch'::timestamptz + $2::bigint * interval '1 microsecond' WHERE id = $1",
                     2, params, err);
}

int message_store_insert_outgoing(PGconn *pg, int64_t conversation_id, const char *role,
                                  const char *text, int64_t *id, store_err_t *err)
{
    store_num_t cid;
    const char *params[3] = {store_i64(&cid, conversation_id), role, text};
    PGresult *res = store_exec(pg,
                               "INSERT INTO messages (conversation_id, role, text, delivery,"
                               " attempts) VALUES ($1, $2, $3, 'queued', 1) RETURNING id",
                               3, params, err);
    if (!res)
        return -1;
    *id = row_i64(res, 0, "id");
    PQclear(res);
    return 0;
}

int message_store_occurrence(PGconn *pg, int64_t id, int64_t *occurrence, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    /* The normalisation is the fingerprint's own (C isspace collapsing), done here rather than
     * in SQL so the two can never disagree. */
    PGresult *res = store_exec(pg,
                               "SELECT me.text AS mine, o.text"
                               " FROM messages me LEFT JOIN messages o"
                               "  ON o.conversation_id = me.conversation_id AND o.id < me.id"
                               "  AND o.role IN ('seller', 'agent')"
                               "  AND o.delivery IN ('queued', 'sent')"
                               " WHERE me.id = $1",
                               1, params, err);
    if (!res)
        return -1;
    *occurrence = 0;
    char *mine = PQntuples(res) > 0 ? fingerprint_normalize(PQgetvalue(res, 0, 0)) : NULL;
    for (int i = 0; mine && i < PQntuples(res); i++) {
        if (PQgetisnull(res, i, 1))
            continue;
        char *t = fingerprint_normalize(PQgetvalue(res, i, 1));
        *occurrence += strcmp(t, mine) == 0;
        free(t);
    }
    free(mine);
    PQclear(res);
    return 0;
}

int message_store_conversation_of(PGconn *pg, int64_t id, int64_t *conversation_id,
                                  store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    PGresult *res =
        store_exec(pg, "SELECT conversation_id FROM messages WHERE id = $1", 1, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found)
        *conversation_id = row_i64(res, 0, "conversation_id");
    PQclear(res);
    return found;
}

int message_store_lock(PGconn *pg, int64_t id, msg_row_t *row, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    PGresult *res = store_exec(pg,
                               "SELECT m.id, m.conversation_id, c.account_id,"
                               " c.thread_external_id, m.role, m.delivery, m.attempts, m.text"
                               " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
                               " WHERE m.id = $1 FOR UPDATE OF m",
                               1, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found) {
        memset(row, 0, sizeof(*row));
        row->id = row_i64(res, 0, "id");
        row->conversation_id = row_i64(res, 0, "conversation_id");
        row->account_id = row_i64(res, 0, "account_id");
        snprintf(row->thread_id, sizeof(row->thread_id), "%s",
                 row_text(res, 0, "thread_external_id"));
        snprintf(row->role, sizeof(row->role), "%s", row_text(res, 0, "role"));
        snprintf(row->delivery, sizeof(row->delivery), "%s", row_text(res, 0, "delivery"));
        row->attempts = row_int(res, 0, "attempts");
        row->text = xstrdup(row_text(res, 0, "text"));
    }
    PQclear(res);
    return found;
}

int message_store_mark_sent(PGconn *pg, int64_t id, const char *fingerprint, const char *sent_at,
                            store_err_t *err)
{
    store_num_t idbuf;
    const char *params[3] = {store_i64(&idbuf, id), fingerprint, sent_at};
    /* A fingerprint another message of the thread already holds (a re-read that ran before
     * this report and stored the bubble separately) is not taken twice. */
    return store_run(pg,
                     "UPDATE messages m SET delivery = 'sent', last_error = NULL,"
                     " sent_at = COALESCE(NULLIF($3, '')::timestamptz, m.sent_at, now()),"
                     " fingerprint = CASE WHEN $2::text IS NULL OR EXISTS (SELECT 1 FROM messages o"
                     "  WHERE o.conversation_id = m.conversation_id AND o.fingerprint = $2"
                     "  AND o.id <> m.id) THEN m.fingerprint ELSE $2 END WHERE m.id = $1",
                     3, params, err);
}

int message_store_retry(PGconn *pg, int64_t id, const char *last_error, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[2] = {store_i64(&idbuf, id), last_error};
    return store_run(pg,
                     "UPDATE messages SET attempts = attempts + 1, last_error = $2,"
                     " delivery = 'queued' WHERE id = $1",
                     2, params, err);
}

int message_store_mark_failed(PGconn *pg, int64_t id, const char *last_error, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[2] = {store_i64(&idbuf, id), last_error};
    return store_run(pg, "UPDATE messages SET delivery = 'failed', last_error = $2 WHERE id = $1",
                     2, params, err);
}

/* The time a message happened at the marketplace, else when we stored it. */
// clang-format off
#define MSG_AT DB_TS("COALESCE(sent_at, created_at)")

/* The last $2 messages of conversation $1 (the original sent the first 50), oldest first. */
#define HISTORY_SQL                                                                         \
    "SELECT role, text, at FROM (SELECT id, role, text, " MSG_AT " AS at FROM messages"     \
    " WHERE conversation_id = $1 AND delivery <> 'failed'"                                  \
    " ORDER BY id DESC LIMIT $2::int) h ORDER BY id"

/* The buyer's messages of conversation $1 after our last one that was not a failure. */
#define UNANSWERED_SQL                                                                      \
    "SELECT fingerprint, text, at FROM (SELECT id, fingerprint, text, " MSG_AT " AS at"     \
    " FROM messages WHERE conversation_id = $1 AND role = 'buyer'"                          \
    " AND id > COALESCE((SELECT max(o.id) FROM messages o WHERE o.conversation_id = $1"     \
    "  AND o.role <> 'buyer' AND o.delivery <> 'failed'), 0)"                               \
    " ORDER BY id DESC LIMIT $2::int) u ORDER BY id"
// clang-format on

/* Runs sql with $1 = conversation id, $2 = a row limit. */
static PGresult *conv_rows(PGconn *pg, const char *sql, int64_t conversation_id, int n,
                           store_err_t *err)
{
    store_num_t cid;
    char lim[16];
    snprintf(lim, sizeof(lim), "%d", n);
    const char *params[2] = {store_i64(&cid, conversation_id), lim};
    return store_exec(pg, sql, 2, params, err);
}

PGresult *message_store_history(PGconn *pg, int64_t conversation_id, int n, store_err_t *err)
{
    return conv_rows(pg, HISTORY_SQL, conversation_id, n, err);
}

PGresult *message_store_unanswered(PGconn *pg, int64_t conversation_id, int n, store_err_t *err)
{
    return conv_rows(pg, UNANSWERED_SQL, conversation_id, n, err);
}
