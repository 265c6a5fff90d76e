/* The processed_events table (see processed_store.h). */
#include "store/processed_store.h"

#include <stdlib.h>

int processed_store_claim(PGconn *pg, const char *event_id, const char *topic, store_err_t *err)
{
    const char *params[2] = {event_id, topic};
    PGresult *res = store_exec(pg,
                               "INSERT INTO processed_events (event_id, topic) VALUES ($1, $2)"
                               " ON CONFLICT (event_id) DO NOTHING",
                               2, params, err);
    if (!res)
        return -1;
    int fresh = atoi(PQcmdTuples(res)) == 1;
    PQclear(res);
    return fresh;
}
