/* The auth tables (see auth_store.h). */
#include "store/auth_store.h"

#include <stdio.h>
#include <string.h>

#define TOKEN_JSON                                                                                 \
    "json_build_object('id', id, 'name', name, 'prefix', prefix, 'created_at', " DB_TS(            \
        "created_at") ", 'last_used_at', CASE WHEN last_used_at IS NULL THEN NULL ELSE " DB_TS("l" \
                                                                                               "a" \
                                                                                               "s" \
                                                                                               "t" \
                                                                                               "_" \
                                                                                               "u" \
                                                                                               "s" \
                                                                                               "e" \
                                                                                               "d" \
                                                                                               "_" \
                                                                                               "a" \
                                                                                               "t") " END)"

int auth_store_owner_ensure(PGconn *pg, store_err_t *err)
{
    return store_run(pg, "INSERT INTO auth_owner (id) VALUES (1) ON CONFLICT (id) DO NOTHING", 0,
                     NULL, err);
}

int auth_store_owner_hash(PGconn *pg, char *out, size_t size, store_err_t *err)
{
    out[0] = '\0';
    PGresult *res =
        store_exec(pg, "SELECT COALESCE(password_hash, '') AS h FROM auth_owner", 0, NULL, err);
    if (!res)
        return -1;
    int found = PQntuples(res) > 0;
    if (found)
        snprintf(out, size, "%s", row_text(res, 0, "h"));
    PQclear(res);
    return found;
}

int auth_store_owner_set_hash(PGconn *pg, const char *hash, store_err_t *err)
{
    const char *p[1] = {hash};
    if (store_run(
            pg,
            "INSERT INTO auth_owner (id, password_hash, password_set_at) VALUES (1, $1, now())"
            " ON CONFLICT (id) DO UPDATE SET password_hash = $1, password_set_at = now()",
            1, p, err) != 0)
        return -1;
    /* a new password ends every session opened with the old one */
    return store_run(pg, "DELETE FROM auth_sessions", 0, NULL, err);
}

int auth_store_session_insert(PGconn *pg, const char *token_hash, long long ttl_s, store_err_t *err)
{
    char ttl[32];
    snprintf(ttl, sizeof(ttl), "%lld", ttl_s);
    const char *p[2] = {token_hash, ttl};
    return store_run(pg,
                     "INSERT INTO auth_sessions (token_hash, expires_at)"
                     " VALUES ($1, now() + make_interval(secs => $2::bigint))",
                     2, p, err);
}

/* Runs a statement returning rows; 1 when it returned any. */
static int exists(PGconn *pg, const char *sql, int n, const char *const *p, store_err_t *err)
{
    PGresult *res = store_exec(pg, sql, n, p, err);
    if (!res)
        return -1;
    int found = PQntuples(res) > 0;
    PQclear(res);
    return found;
}

int auth_store_session_valid(PGconn *pg, const char *token_hash, store_err_t *err)
{
    const char *p[1] = {token_hash};
    /* last_seen_at is written at most once a minute: a page of requests is one write */
    return exists(pg,
                  "WITH s AS (SELECT id, last_seen_at FROM auth_sessions"
                  "  WHERE token_hash = $1 AND expires_at > now()),"
                  " touch AS (UPDATE auth_sessions a SET last_seen_at = now() FROM s"
                  "  WHERE a.id = s.id AND s.last_seen_at < now() - interval '1 minute')"
                  " SELECT 1 FROM s",
                  1, p, err);
}

int auth_store_session_delete(PGconn *pg, const char *token_hash, store_err_t *err)
{
    const char *p[1] = {token_hash};
    return store_run(pg, "DELETE FROM auth_sessions WHERE token_hash = $1 OR expires_at <= now()",
                     1, p, err);
}

int auth_store_token_insert(PGconn *pg, const char *name, const char *token_hash,
                            const char *prefix, store_json_t *doc, store_err_t *err)
{
    const char *p[3] = {name, token_hash, prefix};
    PGresult *res = store_exec(pg,
                               "INSERT INTO api_tokens (name, token_hash, prefix)"
                               " VALUES ($1, $2, $3) RETURNING " TOKEN_JSON " AS doc",
                               3, p, err);
    if (!res)
        return -1;
    store_json_take(res, "doc", doc);
    PQclear(res);
    return 0;
}

int auth_store_token_valid(PGconn *pg, const char *token_hash, store_err_t *err)
{
    const char *p[1] = {token_hash};
    return exists(pg,
                  "WITH t AS (SELECT id, last_used_at FROM api_tokens"
                  "  WHERE token_hash = $1 AND revoked_at IS NULL),"
                  " touch AS (UPDATE api_tokens a SET last_used_at = now() FROM t WHERE a.id = t.id"
                  "  AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute'))"
                  " SELECT 1 FROM t",
                  1, p, err);
}

int auth_store_token_list(PGconn *pg, store_json_t *doc, store_err_t *err)
{
    PGresult *res = store_exec(pg,
                               "SELECT COALESCE(json_agg(" TOKEN_JSON " ORDER BY id DESC), '[]')"
                               " AS doc FROM api_tokens WHERE revoked_at IS NULL",
                               0, NULL, err);
    if (!res)
        return -1;
    store_json_take(res, "doc", doc);
    PQclear(res);
    return 0;
}

int auth_store_token_revoke(PGconn *pg, int64_t id, store_err_t *err)
{
    store_num_t n;
    const char *p[1] = {store_i64(&n, id)};
    return exists(pg,
                  "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL"
                  " RETURNING id",
                  1, p, err);
}

int auth_store_setup_insert(PGconn *pg, const char *token_hash, long long ttl_s, store_err_t *err)
{
    char ttl[32];
    snprintf(ttl, sizeof(ttl), "%lld", ttl_s);
    const char *p[2] = {token_hash, ttl};
    if (store_run(pg, "DELETE FROM auth_setup_tokens", 0, NULL, err) != 0)
        return -1;
    return store_run(pg,
                     "INSERT INTO auth_setup_tokens (token_hash, expires_at)"
                     " VALUES ($1, now() + make_interval(secs => $2::bigint))",
                     2, p, err);
}

int auth_store_setup_use(PGconn *pg, const char *token_hash, store_err_t *err)
{
    const char *p[1] = {token_hash};
    return exists(pg,
                  "UPDATE auth_setup_tokens SET used_at = now() WHERE token_hash = $1"
                  " AND used_at IS NULL AND expires_at > now() RETURNING 1",
                  1, p, err);
}
