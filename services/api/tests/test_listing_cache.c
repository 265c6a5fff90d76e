/* Unit tests of listing_cache.c: hits only at the exact version, a newer rendering is never
 * replaced by an older one, the byte bound holds with least-recently-used eviction, and
 * many threads reading and writing the same ids see only whole, matching renderings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "listing_cache.h"

/* Appends listing id's cached rendering at version to b; returns it (NULL on a miss). */
static const char *get(listing_cache_t *c, int64_t id, int64_t version, sbuf_t *b)
{
    sbuf_clear(b);
    return listing_cache_copy(c, id, version, b) ? b->s : NULL;
}

static void put_text(listing_cache_t *c, int64_t id, int64_t version, const char *json)
{
    listing_cache_put(c, id, version, json, strlen(json));
}

static void test_exact_version(void **state)
{
    (void)state;
    listing_cache_t *c = listing_cache_new(1 << 20);
    sbuf_t b = {0};
    assert_null(get(c, 1, 10, &b));
    put_text(c, 1, 10, "{\"id\":1}");
    assert_string_equal(get(c, 1, 10, &b), "{\"id\":1}");
    assert_null(get(c, 1, 11, &b)); /* changed since: the rendering is stale */
    assert_null(get(c, 1, 9, &b));
    assert_null(get(c, 2, 10, &b));
    put_text(c, 1, 11, "{\"id\":1,\"v\":11}");
    assert_string_equal(get(c, 1, 11, &b), "{\"id\":1,\"v\":11}");
    assert_null(get(c, 1, 10, &b)); /* replaced, not kept beside */
    assert_int_equal(listing_cache_stats(c).entries, 1);
    sbuf_clear(&b);
    sbuf_addn(&b, "x", 1); /* a hit appends: what is in the buffer stays */
    assert_true(listing_cache_copy(c, 1, 11, &b));
    assert_string_equal(b.s, "x{\"id\":1,\"v\":11}");
    sbuf_free(&b);
    listing_cache_free(c);
}

static void test_newer_kept(void **state)
{
    (void)state;
    listing_cache_t *c = listing_cache_new(1 << 20);
    sbuf_t b = {0};
    put_text(c, 7, 20, "new");
    put_text(c, 7, 19, "old"); /* a slower request's older snapshot */
    assert_string_equal(get(c, 7, 20, &b), "new");
    assert_null(get(c, 7, 19, &b));
    put_text(c, 7, 20, "same"); /* the same version: nothing to gain */
    assert_string_equal(get(c, 7, 20, &b), "new");
    sbuf_free(&b);
    listing_cache_free(c);
}

static void test_bound_and_eviction(void **state)
{
    (void)state;
    const size_t cap = 64 * 1024;
    listing_cache_t *c = listing_cache_new(cap);
    char json[1000];
    memset(json, 'a', sizeof(json));
    sbuf_t b = {0};
    /* ids of one shard (multiples of 16) so the order of use decides what goes */
    for (int64_t i = 1; i <= 200; i++) {
        listing_cache_put(c, i * 16, 1, json, sizeof(json));
        assert_true(listing_cache_copy(c, 16, 1, &b)); /* 16 stays the most recently used */
        assert_true(listing_cache_stats(c).bytes <= cap);
    }
    assert_non_null(get(c, 16, 1, &b));
    assert_null(get(c, 2 * 16, 1, &b)); /* the oldest unused ones went */
    assert_non_null(get(c, 200 * 16, 1, &b));
    assert_true(listing_cache_stats(c).entries < 200);
    /* larger than a shard's share: not kept, nothing else evicted for it */
    size_t before = listing_cache_stats(c).entries;
    char *big = calloc(1, cap);
    listing_cache_put(c, 5, 1, big, cap);
    free(big);
    assert_null(get(c, 5, 1, &b));
    assert_int_equal(listing_cache_stats(c).entries, before);
    sbuf_free(&b);
    listing_cache_free(c);

    c = listing_cache_new(0); /* LISTING_CACHE_MB=0: nothing is kept */
    put_text(c, 1, 1, "{}");
    assert_null(get(c, 1, 1, &b));
    listing_cache_free(c);
    sbuf_free(&b);
}

static void test_many_entries(void **state)
{
    (void)state;
    listing_cache_t *c = listing_cache_new(64 << 20);
    char json[32];
    sbuf_t b = {0};
    for (int64_t id = 1; id <= 20000; id++) { /* grows the buckets several times */
        snprintf(json, sizeof(json), "{\"id\":%lld}", (long long)id);
        put_text(c, id, id * 3, json);
    }
    assert_int_equal(listing_cache_stats(c).entries, 20000);
    for (int64_t id = 1; id <= 20000; id += 997) {
        snprintf(json, sizeof(json), "{\"id\":%lld}", (long long)id);
        assert_string_equal(get(c, id, id * 3, &b), json);
    }
    sbuf_free(&b);
    listing_cache_free(c);
}

/* Threads: each round, writers store version v of ids 1..64 as "id:v", and readers check
 * that whatever they hit is exactly the rendering of the version they asked for. */
typedef struct {
    listing_cache_t *c;
    int seed;
    int bad;
} worker_t;

static void *worker(void *arg)
{
    worker_t *w = arg;
    sbuf_t b = {0};
    char want[64];
    unsigned r = (unsigned)w->seed;
    for (int i = 0; i < 20000; i++) {
        r = r * 1103515245u + 12345u;
        int64_t id = 1 + (r >> 8) % 64, version = 1 + (r >> 16) % 8;
        snprintf(want, sizeof(want), "%lld:%lld", (long long)id, (long long)version);
        if ((r >> 4) % 4 == 0) {
            put_text(w->c, id, version, want);
        } else if (get(w->c, id, version, &b) && strcmp(b.s, want) != 0) {
            w->bad++;
        }
    }
    sbuf_free(&b);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    listing_cache_t *c = listing_cache_new(16 * 1024); /* small: evictions happen too */
    pthread_t t[8];
    worker_t w[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (worker_t){c, i + 1, 0};
        assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].bad, 0);
    }
    assert_true(listing_cache_stats(c).bytes <= 16 * 1024);
    listing_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_version),
        cmocka_unit_test(test_newer_kept),
        cmocka_unit_test(test_bound_and_eviction),
        cmocka_unit_test(test_many_entries),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
