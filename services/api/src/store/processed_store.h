/* The processed_events table: the ids of the events the api applied, claimed in the same
 * transaction as the change, so a redelivered event is recognised and skipped. */
#ifndef API_PROCESSED_STORE_H
#define API_PROCESSED_STORE_H

#include <libpq-fe.h>

#include "store/store.h"

/* Records event_id. Returns 1 when it is new, 0 when already applied, -1 on error. */
int processed_store_claim(PGconn *pg, const char *event_id, const char *topic, store_err_t *err)
    __attribute__((warn_unused_result));

#endif
