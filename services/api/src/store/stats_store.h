/* GET /api/stats: the original's dashboard numbers (total_conversations,
 * active_conversations, sold_conversations, total_messages, total_buyers) and ours, counted
 * from the tables in one statement. */
#ifndef API_STATS_STORE_H
#define API_STATS_STORE_H

#include <libpq-fe.h>

#include "store/store.h"

/* The stats document. "Today" starts at midnight in the responder settings' time zone
 * (UTC by default). Returns 0 or -1 (err). */
int stats_store_json(PGconn *pg, store_json_t *out, store_err_t *err)
    __attribute__((warn_unused_result));

#endif
