/* The conversations table (see conversation_store.h). */
#include "store/conversation_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

/* A conversation's own switch is AND-ed with the settings: the listing's row when it has a
 * value, else the global row, else on. */
#define SETTINGS_AUTO_REPLY                                                                        \
    "COALESCE((SELECT s.auto_reply FROM responder_settings s WHERE s.listing_id = c.listing_id),"  \
    " (SELECT s.auto_reply FROM responder_settings s WHERE s.listing_id IS NULL), true)"

int conversation_store_account_platform(PGconn *pg, int64_t account_id, char *out, size_t size,
                                        store_err_t *err)
{
    store_num_t id;
    const char *params[1] = {store_i64(&id, account_id)};
    PGresult *res =
        store_exec(pg, "SELECT platform FROM marketplace_accounts WHERE id = $1", 1, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found)
        snprintf(out, size, "%s", row_text(res, 0, "platform"));
    PQclear(res);
    return found;
}

/* A conversation row as conv_row_t reads it, from "conversations c": usable in a SELECT and in
 * the RETURNING of an INSERT or UPDATE, which saves a statement to read back what was written.
 * Scalar subqueries, not joins, so RETURNING can use them too. */
#define CONV_COLS                                                                                  \
    "c.id, c.account_id, c.thread_external_id, COALESCE(c.listing_id, 0) AS listing_id,"           \
    " COALESCE((SELECT COALESCE(l.min_price_cents, l.price_cents) FROM listings l"                 \
    "  WHERE l.id = c.listing_id), 0) AS floor_cents, c.status, c.auto_reply,"                     \
    " " SETTINGS_AUTO_REPLY " AS settings_auto_reply,"                                             \
    " COALESCE(c.agreed_price_cents, 0) AS agreed_price_cents, c.reply_request_id"

/* Reads the first row of a CONV_COLS result into row. */
static void conv_row_read(const PGresult *res, conv_row_t *row)
{
    const char *req = row_text(res, 0, "reply_request_id");
    memset(row, 0, sizeof(*row));
    row->id = row_i64(res, 0, "id");
    row->account_id = row_i64(res, 0, "account_id");
    snprintf(row->thread_id, sizeof(row->thread_id), "%s", row_text(res, 0, "thread_external_id"));
    row->listing_id = row_i64(res, 0, "listing_id");
    row->floor_cents = row_i64(res, 0, "floor_cents");
    snprintf(row->status, sizeof(row->status), "%s", row_text(res, 0, "status"));
    row->auto_reply = row_bool(res, 0, "auto_reply");
    row->settings_auto_reply = row_bool(res, 0, "settings_auto_reply");
    row->agreed_price_cents = row_i64(res, 0, "agreed_price_cents");
    snprintf(row->reply_request_id, sizeof(row->reply_request_id), "%s", req ? req : "");
}

/* Runs sql (returning CONV_COLS) and reads its row. Returns 1, 0 without a row, or -1. */
static int conv_row_exec(PGconn *pg, const char *sql, int n, const char *const *params,
                         conv_row_t *row, bool *created, store_err_t *err)
{
    PGresult *res = store_exec(pg, sql, n, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found) {
        conv_row_read(res, row);
        if (created)
            *created = row_bool(res, 0, "created");
    }
    PQclear(res);
    return found;
}

int conversation_store_upsert(PGconn *pg, int64_t account_id, const char *thread_id,
                              const char *thread_url, int64_t buyer_id, conv_row_t *row,
                              bool *created, store_err_t *err)
{
    store_num_t aid, bid;
    const char *params[4] = {store_i64(&aid, account_id), thread_id, thread_url,
                             buyer_id ? store_i64(&bid, buyer_id) : NULL};
    /* ON CONFLICT DO UPDATE locks the existing row as an UPDATE does (a new one is ours
     * anyway), so this is the upsert and conversation_store_lock in one statement. xmax = 0
     * only on the row version an INSERT wrote: it tells new from existing. */
    int found = conv_row_exec(pg,
                              "INSERT INTO conversations AS c (account_id, thread_external_id,"
                              " thread_url, buyer_id) VALUES ($1, $2, $3, $4)"
                              " ON CONFLICT (account_id, thread_external_id) DO UPDATE SET"
                              " thread_url = COALESCE(EXCLUDED.thread_url, c.thread_url),"
                              " buyer_id = COALESCE(c.buyer_id, EXCLUDED.buyer_id)"
                              " RETURNING " CONV_COLS ", (c.xmax = 0) AS created",
                              4, params, row, created, err);
    if (found == 0) {
        snprintf(err->msg, sizeof(err->msg), "the conversation upsert returned no row");
        err->sqlstate[0] = '\0';
        return -1;
    }
    return found < 0 ? -1 : 0;
}

int conversation_store_lock(PGconn *pg, int64_t id, conv_row_t *row, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    return conv_row_exec(pg, "SELECT " CONV_COLS " FROM conversations c WHERE c.id = $1 FOR UPDATE",
                         1, params, row, NULL, err);
}

int conversation_store_match_listing(PGconn *pg, int64_t id, int64_t listing_id, conv_row_t *row,
                                     store_err_t *err)
{
    store_num_t idbuf, lid;
    const char *params[2] = {store_i64(&idbuf, id), store_i64(&lid, listing_id)};
    int found = conv_row_exec(pg,
                              "UPDATE conversations c SET listing_id = $2 WHERE c.id = $1"
                              " RETURNING " CONV_COLS,
                              2, params, row, NULL, err);
    return found < 0 ? -1 : 0;
}

/* Runs sql with $1 = conversation id and up to three more text parameters. */
static int conv_run(PGconn *pg, const char *sql, int64_t id, int nextra, const char *a,
                    const char *b, const char *c, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[4] = {store_i64(&idbuf, id), a, b, c};
    return store_run(pg, sql, 1 + nextra, params, err);
}

int conversation_store_set_status(PGconn *pg, int64_t id, const char *status,
                                  int64_t agreed_price_cents, const char *handoff_reason,
                                  store_err_t *err)
{
    store_num_t price;
    return conv_run(pg,
                    "UPDATE conversations SET status = $2, agreed_price_cents ="
                    " COALESCE($3::bigint, agreed_price_cents), handoff_reason = $4 WHERE id = $1",
                    id, 3, status,
                    agreed_price_cents > 0 ? store_i64(&price, agreed_price_cents) : NULL,
                    handoff_reason, err);
}

int conversation_store_set_listing(PGconn *pg, int64_t id, int64_t listing_id, store_err_t *err)
{
    store_num_t lid;
    return conv_run(pg, "UPDATE conversations SET listing_id = $2 WHERE id = $1", id, 1,
                    listing_id > 0 ? store_i64(&lid, listing_id) : NULL, NULL, NULL, err);
}

int conversation_store_set_auto_reply(PGconn *pg, int64_t id, bool on, store_err_t *err)
{
    return conv_run(pg, "UPDATE conversations SET auto_reply = $2 WHERE id = $1", id, 1,
                    on ? "true" : "false", NULL, NULL, err);
}

int conversation_store_set_offer(PGconn *pg, int64_t id, int64_t offer_cents, store_err_t *err)
{
    store_num_t offer;
    return conv_run(pg, "UPDATE conversations SET current_offer_cents = $2 WHERE id = $1", id, 1,
                    store_i64(&offer, offer_cents), NULL, NULL, err);
}

int conversation_store_set_request(PGconn *pg, int64_t id, const char *request_id, store_err_t *err)
{
    return conv_run(pg,
                    "UPDATE conversations SET reply_request_id = $2, reply_requested_at ="
                    " CASE WHEN $2::text IS NULL THEN NULL ELSE now() END WHERE id = $1",
                    id, 1, request_id, NULL, NULL, err);
}

int conversation_store_touch(PGconn *pg, int64_t id, const char *at, store_err_t *err)
{
    return conv_run(pg,
                    "UPDATE conversations SET last_message_at = GREATEST(last_message_at,"
                    " COALESCE(NULLIF($2, '')::timestamptz, now())) WHERE id = $1",
                    id, 1, at, NULL, NULL, err);
}

/* ids as a PostgreSQL text[] literal: {"a","b"} with " and \ escaped. Caller frees. */
static char *text_array_literal(const char *const *ids, size_t n)
{
    size_t cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += 2 * strlen(ids[i]) + 3;
    char *out = xmalloc(cap), *p = out;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        for (const char *s = ids[i]; *s; s++) {
            if (*s == '"' || *s == '\\')
                *p++ = '\\';
            *p++ = *s;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

/* Runs a matching query whose first column is a listing id. */
static int match_one(PGconn *pg, const char *sql, int n, const char *const *params,
                     int64_t *listing_id, store_err_t *err)
{
    PGresult *res = store_exec(pg, sql, n, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) >= 1;
    if (found)
        *listing_id = row_i64(res, 0, "listing_id");
    PQclear(res);
    return found;
}

int conversation_store_match_link(PGconn *pg, const char *platform, int64_t account_id,
                                  const char *url, const char *const *ids, size_t nids,
                                  int64_t *listing_id, store_err_t *err)
{
    store_num_t aid;
    char *list = text_array_literal(ids, nids);
    const char *params[4] = {platform, account_id ? store_i64(&aid, account_id) : NULL, url, list};
    /* The exact item URL is proof whatever the platform; a bare id only within the
     * account's platform (and its jobs, or the default account's). A posting being taken
     * down, or taken down, is still the item the buyer writes about; only post jobs carry
     * the marketplace's URL and id. */
    int rc = match_one(pg,
                       "SELECT j.listing_id FROM posting_jobs j"
                       " WHERE j.kind = 'post'"
                       "  AND j.status IN ('posted', 'delisting', 'delist_failed', 'delisted')"
                       "  AND (j.external_url = $3"
                       "  OR (j.platform = $1 AND j.external_id = ANY($4::text[])"
                       "      AND (j.account_id IS NULL OR j.account_id = $2::bigint)))"
                       " ORDER BY COALESCE(j.external_url = $3, false) DESC, j.id DESC LIMIT 1",
                       4, params, listing_id, err);
    free(list);
    return rc;
}

int conversation_store_match_title(PGconn *pg, const char *title, double threshold,
                                   int64_t *listing_id, store_err_t *err)
{
    char thr[32];
    snprintf(thr, sizeof(thr), "%.3f", threshold);
    const char *params[2] = {title, thr};
    /* `%` (similarity above pg_trgm.similarity_threshold, 0.3) uses the trigram index; the
     * stricter threshold is checked on what it finds. */
    return match_one(pg,
                     "SELECT id AS listing_id FROM listings WHERE status = 'active'"
                     " AND title % $1 AND similarity(title, $1) >= $2::float8"
                     " ORDER BY similarity(title, $1) DESC, id DESC LIMIT 1",
                     2, params, listing_id, err);
}

int conversation_store_listing_exists(PGconn *pg, int64_t listing_id, store_err_t *err)
{
    store_num_t lid;
    const char *params[1] = {store_i64(&lid, listing_id)};
    PGresult *res = store_exec(pg, "SELECT 1 FROM listings WHERE id = $1", 1, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    PQclear(res);
    return found;
}

PGresult *conversation_store_request_source(PGconn *pg, int64_t id, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    PGresult *res = store_exec(
        pg,
        "SELECT l.id AS listing_id, l.title, l.description, l.price_cents,"
        " COALESCE(l.min_price_cents, l.price_cents) AS floor_cents, l.currency, l.flexibility,"
        " l.condition, l.location, l.status AS listing_status, l.seller_notes,"
        " b.display_name AS buyer_name, c.status,"
        " COALESCE(c.agreed_price_cents, 0) AS agreed_price_cents,"
        " COALESCE(c.current_offer_cents, 0) AS current_offer_cents,"
        " COALESCE((SELECT max(o.current_offer_cents) FROM conversations o"
        "  WHERE o.listing_id = c.listing_id AND o.id <> c.id"
        "  AND o.status IN ('active', 'agreed')), 0) AS competing_offer_cents,"
        " COALESCE(ls.tone, gs.tone) AS tone, COALESCE(ls.persona, gs.persona) AS persona,"
        " COALESCE(ls.use_model, gs.use_model) AS use_model, COALESCE(ls.model, gs.model) AS model"
        " FROM conversations c JOIN listings l ON l.id = c.listing_id"
        " LEFT JOIN buyers b ON b.id = c.buyer_id"
        " LEFT JOIN responder_settings ls ON ls.listing_id = c.listing_id"
        " LEFT JOIN responder_settings gs ON gs.listing_id IS NULL WHERE c.id = $1",
        1, params, err);
    if (res && PQntuples(res) != 1) {
        PQclear(res);
        snprintf(err->msg, sizeof(err->msg), "conversation or its listing not found");
        err->sqlstate[0] = '\0';
        return NULL;
    }
    return res;
}

PGresult *conversation_store_overdue_requests(PGconn *pg, int older_than_s, int limit,
                                              store_err_t *err)
{
    char secs[16], lim[16];
    snprintf(secs, sizeof(secs), "%d", older_than_s);
    snprintf(lim, sizeof(lim), "%d", limit);
    const char *params[2] = {secs, lim};
    return store_exec(
        pg,
        "SELECT id, reply_request_id FROM conversations WHERE reply_request_id IS NOT NULL"
        " AND reply_requested_at < now() - make_interval(secs => $1::int)"
        " ORDER BY reply_requested_at LIMIT $2::int",
        2, params, err);
}
