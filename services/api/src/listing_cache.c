/* In-process cache of GET /api/listings responses (see listing_cache.h). */
#include "listing_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "common/xmalloc.h"

#define CACHE_SLOTS 64
#define CACHE_KEY_MAX 512

typedef struct {
    char *key;
    uint64_t generation;
    int64_t stored_ms;
    char *body;
    size_t len;
    char *headers;
} cache_entry_t;

struct listing_cache {
    atomic_uint_fast64_t generation;
    pthread_mutex_t mu;
    cache_entry_t slots[CACHE_SLOTS];
    size_t next; /* round-robin victim */
};

listing_cache_t *listing_cache_new(void)
{
    listing_cache_t *c = xcalloc(1, sizeof(*c));
    atomic_init(&c->generation, 1);
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

static void entry_clear(cache_entry_t *e)
{
    free(e->key);
    free(e->body);
    free(e->headers);
    memset(e, 0, sizeof(*e));
}

void listing_cache_free(listing_cache_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        entry_clear(&c->slots[i]);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void listing_cache_bump(listing_cache_t *c)
{
    if (c)
        atomic_fetch_add(&c->generation, 1);
}

uint64_t listing_cache_generation(listing_cache_t *c)
{
    return c ? atomic_load(&c->generation) : 0;
}

int listing_cache_send(listing_cache_t *c, http_request_t *req, const char *key)
{
    if (!c || strlen(key) > CACHE_KEY_MAX)
        return 0;
    uint64_t gen = atomic_load(&c->generation);
    int64_t now = util_now_ms();
    char *body = NULL, *headers = NULL;
    size_t len = 0;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        cache_entry_t *e = &c->slots[i];
        if (e->key && e->generation == gen && now - e->stored_ms < LISTING_CACHE_TTL_MS &&
            strcmp(e->key, key) == 0) {
            /* copied out so the lock is not held while the client reads */
            body = xmalloc(e->len + 1);
            memcpy(body, e->body, e->len);
            len = e->len;
            headers = e->headers ? xstrdup(e->headers) : NULL;
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
    if (!body)
        return 0;
    http_send_body(req, 200, "application/json", body, len, headers);
    free(body);
    free(headers);
    return 1;
}

void listing_cache_put(listing_cache_t *c, const char *key, uint64_t generation, const char *body,
                       size_t len, const char *extra_headers)
{
    if (!c || strlen(key) > CACHE_KEY_MAX || generation != atomic_load(&c->generation))
        return; /* already stale */
    cache_entry_t fresh = {
        .key = xstrdup(key),
        .generation = generation,
        .stored_ms = util_now_ms(),
        .body = xmalloc(len + 1),
        .len = len,
        .headers = extra_headers && *extra_headers ? xstrdup(extra_headers) : NULL,
    };
    memcpy(fresh.body, body, len);
    cache_entry_t old;
    pthread_mutex_lock(&c->mu);
    size_t victim = c->next;
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        if (c->slots[i].key && strcmp(c->slots[i].key, key) == 0) {
            victim = i;
            break;
        }
    }
    if (victim == c->next)
        c->next = (c->next + 1) % CACHE_SLOTS;
    old = c->slots[victim];
    c->slots[victim] = fresh;
    pthread_mutex_unlock(&c->mu);
    entry_clear(&old);
}
