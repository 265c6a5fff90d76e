/* The buyers table: a buyer per (platform, external id), with the display name as shown and
 * normalised (the original's identity: lowercase, single spaces, no trailing dot). */
#ifndef API_BUYER_STORE_H
#define API_BUYER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store/store.h"

/* name normalised into out: lowercased (ASCII), runs of whitespace as one space, trimmed,
 * trailing dots removed. Pure. */
void buyer_normalize_name(const char *name, char *out, size_t size);

/* The buyer (platform, external_id), created or renamed to display_name. Returns 0 with
 * *id, or -1 (err). */
int buyer_store_upsert(PGconn *pg, const char *platform, const char *external_id,
                       const char *display_name, int64_t *id, store_err_t *err)
    __attribute__((warn_unused_result));

#endif
