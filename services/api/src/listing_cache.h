/* A small in-process cache of GET /api/listings responses (the dashboard's hottest read).
 * Entries are keyed by the request's parsed parameters (http/listings_http.c) and tagged
 * with a generation that every listing change of this instance bumps right after its
 * commit (a post-commit effect of the domain commands, domain/tx.h). An entry older than
 * LISTING_CACHE_TTL_MS is never served, so another instance's or writer's change shows
 * within that time. */
#ifndef API_LISTING_CACHE_H
#define API_LISTING_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "common/http.h"

#define LISTING_CACHE_TTL_MS 1000

typedef struct listing_cache listing_cache_t;

/* Returns a new empty cache (caller frees with listing_cache_free). */
listing_cache_t *listing_cache_new(void);
void listing_cache_free(listing_cache_t *c);

/* Invalidates every entry. Thread-safe, lock-free. */
void listing_cache_bump(listing_cache_t *c);

/* The current generation: read it BEFORE querying, and store the result under it, so a
 * change committed during the query makes the entry stale at once. Thread-safe. */
uint64_t listing_cache_generation(listing_cache_t *c);

/* Sends the cached 200 response for key if it is fresh and returns 1; returns 0 otherwise
 * (nothing sent). Thread-safe. */
int listing_cache_send(listing_cache_t *c, http_request_t *req, const char *key);

/* Stores a response (body and extra headers are copied). Keys longer than 512 bytes are
 * not cached. Thread-safe. */
void listing_cache_put(listing_cache_t *c, const char *key, uint64_t generation, const char *body,
                       size_t len, const char *extra_headers);

#endif
