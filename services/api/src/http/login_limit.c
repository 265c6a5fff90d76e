/* Login attempt rate limit (see login_limit.h). */
#include "http/login_limit.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

#define LIMIT_SLOTS 1024
#define WINDOW_MS 60000

typedef struct {
    char addr[48]; /* "" when free */
    int64_t start_ms;
    int count;
} window_t;

struct login_limit {
    pthread_mutex_t lock;
    int per_client, global;
    window_t all;
    window_t slots[LIMIT_SLOTS];
};

login_limit_t *login_limit_new(int per_client, int global)
{
    login_limit_t *l = xcalloc(1, sizeof(*l));
    pthread_mutex_init(&l->lock, NULL);
    l->per_client = per_client;
    l->global = global;
    return l;
}

void login_limit_free(login_limit_t *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->lock);
    free(l);
}

/* The window of addr: its slot, else a free or expired one, else the oldest. */
static window_t *window_of(login_limit_t *l, const char *addr, int64_t now_ms)
{
    window_t *victim = &l->slots[0];
    for (size_t i = 0; i < LIMIT_SLOTS; i++) {
        window_t *w = &l->slots[i];
        if (strcmp(w->addr, addr) == 0)
            return w;
        if (!w->addr[0] || now_ms - w->start_ms >= WINDOW_MS) {
            victim = w;
            victim->start_ms = INT64_MIN; /* free: always the first choice */
        } else if (victim->start_ms != INT64_MIN && w->start_ms < victim->start_ms) {
            victim = w;
        }
    }
    snprintf(victim->addr, sizeof(victim->addr), "%s", addr);
    victim->start_ms = now_ms;
    victim->count = 0;
    return victim;
}

/* Counts one in w; 0 when within max, else seconds until w ends. */
static int window_take(window_t *w, int max, int64_t now_ms)
{
    if (now_ms - w->start_ms >= WINDOW_MS) {
        w->start_ms = now_ms;
        w->count = 0;
    }
    if (w->count >= max) {
        int64_t left = w->start_ms + WINDOW_MS - now_ms;
        return (int)((left + 999) / 1000);
    }
    w->count++;
    return 0;
}

int login_limit_take(login_limit_t *l, const char *addr, int64_t now_ms)
{
    pthread_mutex_lock(&l->lock);
    window_t *w = window_of(l, addr ? addr : "", now_ms);
    int wait = window_take(w, l->per_client, now_ms);
    if (wait == 0) {
        wait = window_take(&l->all, l->global, now_ms);
        if (wait != 0)
            w->count--; /* refused globally: not this client's attempt */
    }
    pthread_mutex_unlock(&l->lock);
    return wait;
}
