/* The reply_slots table (migrations/0062_reply_pacing.sql): per account, the latest send slot
 * given to one of its messages, which the next paced reply keeps its gap from. Times are unix
 * microseconds, the clock is PostgreSQL's (every api instance agrees). */
#ifndef API_REPLY_SLOT_STORE_H
#define API_REPLY_SLOT_STORE_H

#include <stdint.h>

#include <libpq-fe.h>

#include "store/store.h"

/* Serialises the reply scheduling of account_id until the transaction ends
 * (pg_advisory_xact_lock, a key space of its own: a post being scheduled does not hold up a
 * reply). Returns 0 or -1 (err). */
int reply_slot_store_lock(PGconn *pg, int64_t account_id, store_err_t *err)
    __attribute__((warn_unused_result));

/* The transaction's now() (*now_us) and the account's latest send slot (*last_us, 0 when it
 * never sent). Returns 0 or -1 (err). */
int reply_slot_store_get(PGconn *pg, int64_t account_id, int64_t *now_us, int64_t *last_us,
                         store_err_t *err) __attribute__((warn_unused_result));

/* Records at_us as the account's latest send slot unless a later one is recorded already.
 * Returns 0 or -1 (err). */
int reply_slot_store_put(PGconn *pg, int64_t account_id, int64_t at_us, store_err_t *err)
    __attribute__((warn_unused_result));

#endif
