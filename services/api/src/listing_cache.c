/* The rendered listings of GET /api/listings by (id, version) (see listing_cache.h). */
#include "listing_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

/* A power of two. Consecutive ids (a page) fall in consecutive shards. */
#define SHARDS 16

typedef struct entry {
    struct entry *chain;         /* next in the bucket */
    struct entry *newer, *older; /* recency list of the shard */
    int64_t id, version;
    size_t len;
    char json[];
} entry_t;

typedef struct {
    pthread_mutex_t mu;
    entry_t **buckets; /* chained on id; nbuckets is a power of two */
    size_t nbuckets, entries, bytes;
    entry_t *newest, *oldest;
    char pad[64]; /* keeps two shards' locks off one cache line */
} shard_t;

struct listing_cache {
    size_t shard_cap; /* bytes per shard */
    shard_t shards[SHARDS];
};

/* What an entry counts against the bound: its bytes and its allocation's bookkeeping. */
static size_t entry_cost(size_t len)
{
    return sizeof(entry_t) + len + 16;
}

static shard_t *shard_of(listing_cache_t *c, int64_t id)
{
    return &c->shards[(uint64_t)id & (SHARDS - 1)];
}

static entry_t **bucket_of(shard_t *s, int64_t id)
{
    return &s->buckets[((uint64_t)id / SHARDS) & (s->nbuckets - 1)];
}

listing_cache_t *listing_cache_new(size_t max_bytes)
{
    listing_cache_t *c = xcalloc(1, sizeof(*c));
    c->shard_cap = max_bytes / SHARDS;
    for (size_t i = 0; i < SHARDS; i++) {
        pthread_mutex_init(&c->shards[i].mu, NULL);
        c->shards[i].nbuckets = 64;
        c->shards[i].buckets = xcalloc(64, sizeof(entry_t *));
    }
    return c;
}

void listing_cache_free(listing_cache_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < SHARDS; i++) {
        shard_t *s = &c->shards[i];
        for (entry_t *e = s->newest, *next; e; e = next) {
            next = e->older;
            free(e);
        }
        free(s->buckets);
        pthread_mutex_destroy(&s->mu);
    }
    free(c);
}

static entry_t *find(shard_t *s, int64_t id)
{
    for (entry_t *e = *bucket_of(s, id); e; e = e->chain)
        if (e->id == id)
            return e;
    return NULL;
}

static void recency_unlink(shard_t *s, entry_t *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        s->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        s->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void recency_push(shard_t *s, entry_t *e)
{
    e->newer = NULL;
    e->older = s->newest;
    if (s->newest)
        s->newest->newer = e;
    s->newest = e;
    if (!s->oldest)
        s->oldest = e;
}

/* Takes e out of the shard (the caller frees it). */
static void detach(shard_t *s, entry_t *e)
{
    entry_t **p = bucket_of(s, e->id);
    while (*p != e)
        p = &(*p)->chain;
    *p = e->chain;
    recency_unlink(s, e);
    s->entries--;
    s->bytes -= entry_cost(e->len);
}

static void attach(shard_t *s, entry_t *e)
{
    entry_t **b = bucket_of(s, e->id);
    e->chain = *b;
    *b = e;
    recency_push(s, e);
    s->entries++;
    s->bytes += entry_cost(e->len);
}

/* Doubles the buckets once there are more entries than buckets. */
static void grow(shard_t *s)
{
    size_t old_n = s->nbuckets;
    entry_t **old = s->buckets;
    s->nbuckets = old_n * 2;
    s->buckets = xcalloc(s->nbuckets, sizeof(entry_t *));
    for (size_t i = 0; i < old_n; i++) {
        for (entry_t *e = old[i], *next; e; e = next) {
            next = e->chain;
            entry_t **b = bucket_of(s, e->id);
            e->chain = *b;
            *b = e;
        }
    }
    free(old);
}

bool listing_cache_copy(listing_cache_t *c, int64_t id, int64_t version, sbuf_t *out)
{
    if (!c)
        return false;
    shard_t *s = shard_of(c, id);
    pthread_mutex_lock(&s->mu);
    entry_t *e = find(s, id);
    bool hit = e && e->version == version;
    if (hit) {
        sbuf_addn(out, e->json, e->len);
        if (s->newest != e) {
            recency_unlink(s, e);
            recency_push(s, e);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return hit;
}

void listing_cache_put(listing_cache_t *c, int64_t id, int64_t version, const char *json,
                       size_t len)
{
    if (!c || entry_cost(len) > c->shard_cap)
        return;
    entry_t *fresh = xmalloc(sizeof(entry_t) + len);
    fresh->id = id;
    fresh->version = version;
    fresh->len = len;
    memcpy(fresh->json, json, len);
    entry_t *dropped = NULL; /* freed after the lock, in a list through chain */
    shard_t *s = shard_of(c, id);
    pthread_mutex_lock(&s->mu);
    entry_t *old = find(s, id);
    if (old && old->version >= version) { /* as new or newer: keep it */
        dropped = fresh;
        fresh->chain = NULL;
    } else {
        if (old) {
            detach(s, old);
            old->chain = dropped;
            dropped = old;
        }
        while (s->oldest && s->bytes + entry_cost(len) > c->shard_cap) {
            entry_t *victim = s->oldest;
            detach(s, victim);
            victim->chain = dropped;
            dropped = victim;
        }
        attach(s, fresh);
        if (s->entries > s->nbuckets)
            grow(s);
    }
    pthread_mutex_unlock(&s->mu);
    for (entry_t *next; dropped; dropped = next) {
        next = dropped->chain;
        free(dropped);
    }
}

listing_cache_stats_t listing_cache_stats(listing_cache_t *c)
{
    listing_cache_stats_t st = {0, 0};
    for (size_t i = 0; c && i < SHARDS; i++) {
        shard_t *s = &c->shards[i];
        pthread_mutex_lock(&s->mu);
        st.entries += s->entries;
        st.bytes += s->bytes;
        pthread_mutex_unlock(&s->mu);
    }
    return st;
}
