/* The reply_slots table (see reply_slot_store.h). */
#include "store/reply_slot_store.h"

/* A timestamptz as unix microseconds and back, exactly (as store/slot_store.c). */
#define US(ts) "(extract(epoch FROM " ts ") * 1000000)::bigint"
#define TS(us) "('epoch'::timestamptz + (" us ")::bigint * interval '1 microsecond')"

int reply_slot_store_lock(PGconn *pg, int64_t account_id, store_err_t *err)
{
    store_num_t aid;
    const char *params[1] = {store_i64(&aid, account_id)};
    return store_run(pg, "SELECT pg_advisory_xact_lock(hashtext('bb.reply_slots'), hashtext($1))",
                     1, params, err);
}

int reply_slot_store_get(PGconn *pg, int64_t account_id, int64_t *now_us, int64_t *last_us,
                         store_err_t *err)
{
    store_num_t aid;
    const char *params[1] = {store_i64(&aid, account_id)};
    PGresult *res = store_exec(pg,
                               "SELECT " US("now()") " AS now_us, COALESCE((SELECT " US(
                                   "last_send_at") " FROM reply_slots WHERE account_id = $1),"
                                                   " 0) AS last_us",
                               1, params, err);
    if (!res)
        return -1;
    *now_us = row_i64(res, 0, "now_us");
    *last_us = row_i64(res, 0, "last_us");
    PQclear(res);
    return 0;
}

int reply_slot_store_put(PGconn *pg, int64_t account_id, int64_t at_us, store_err_t *err)
{
    store_num_t aid, at;
    const char *params[2] = {store_i64(&aid, account_id), store_i64(&at, at_us)};
    return store_run(pg,
                     "INSERT INTO reply_slots (account_id, last_send_at) VALUES ($1, " TS(
                         "$2") ")"
                               " ON CONFLICT (account_id) DO UPDATE SET last_send_at ="
                               " GREATEST(reply_slots.last_send_at, EXCLUDED.last_send_at)",
                     2, params, err);
}
