/* The rendered JSON object of each listing GET /api/listings showed lately, keyed by (id,
 * version). listings.version (migrations/0004_listings_version.sql) is raised from one
 * global sequence by every change of a listing or of its images, so a request that reads the
 * page's (id, version) pairs from PostgreSQL knows which renderings are still exact: the
 * cache is validated against the database on every request and stays correct whoever wrote
 * the change (another api instance, SQL by hand). Nothing is ever invalidated; a rendering
 * of an old version simply stops matching and ages out.
 *
 * Bounded: at most max_bytes of entries (renderings plus their bookkeeping), split over
 * shards by id, each with its own lock and least-recently-used order, so the 64 HTTP threads
 * reading the same page mostly take different locks and each lock is held for one copy. */
#ifndef API_LISTING_CACHE_H
#define API_LISTING_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sbuf.h"

typedef struct listing_cache listing_cache_t;

/* Returns a new empty cache holding at most max_bytes (caller frees with
 * listing_cache_free; 0 bytes caches nothing). */
listing_cache_t *listing_cache_new(size_t max_bytes);
void listing_cache_free(listing_cache_t *c);

/* Appends the rendering of listing id at exactly this version to out and returns true;
 * returns false (out unchanged) when it is not cached. Thread-safe. */
bool listing_cache_copy(listing_cache_t *c, int64_t id, int64_t version, sbuf_t *out);

/* Stores json[0..len) as the rendering of listing id at version, replacing an older
 * version's; a newer version already cached is kept (a slower request rendered an older
 * snapshot). Evicts the least recently used entries of its shard beyond the bound; a
 * rendering larger than a shard's share of the bound is not kept. Thread-safe. */
void listing_cache_put(listing_cache_t *c, int64_t id, int64_t version, const char *json,
                       size_t len);

/* What the cache holds now: entries and bytes (as counted against max_bytes). */
typedef struct {
    size_t entries;
    size_t bytes;
} listing_cache_stats_t;
listing_cache_stats_t listing_cache_stats(listing_cache_t *c);

#endif
