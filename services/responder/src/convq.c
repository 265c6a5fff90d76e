/* The keyed FIFO of convq.h: a small chained hash table of busy keys, each with the items
 * waiting behind the running one. Only busy keys are stored, so it stays small. */
#include "convq.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

#define BUCKETS 1024

typedef struct waiting {
    void *item;
    struct waiting *next;
} waiting_t;

typedef struct slot {
    char *key;
    waiting_t *head, *tail; /* queued behind the running item */
    struct slot *next;
} slot_t;

struct convq {
    pthread_mutex_t lock;
    slot_t *buckets[BUCKETS];
    size_t busy;
};

static size_t bucket_of(const char *key)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (size_t)(h % BUCKETS);
}

convq_t *convq_new(void)
{
    convq_t *q = xcalloc(1, sizeof(*q));
    pthread_mutex_init(&q->lock, NULL);
    return q;
}

void convq_free(convq_t *q, void (*free_item)(void *item))
{
    if (!q)
        return;
    for (size_t b = 0; b < BUCKETS; b++) {
        slot_t *s = q->buckets[b];
        while (s) {
            slot_t *next = s->next;
            for (waiting_t *w = s->head, *wn; w; w = wn) {
                wn = w->next;
                if (free_item)
                    free_item(w->item);
                free(w);
            }
            free(s->key);
            free(s);
            s = next;
        }
    }
    pthread_mutex_destroy(&q->lock);
    free(q);
}

bool convq_enter(convq_t *q, const char *key, void *item)
{
    size_t b = bucket_of(key);
    pthread_mutex_lock(&q->lock);
    slot_t *s = q->buckets[b];
    while (s && strcmp(s->key, key) != 0)
        s = s->next;
    if (!s) {
        s = xcalloc(1, sizeof(*s));
        s->key = xstrdup(key);
        s->next = q->buckets[b];
        q->buckets[b] = s;
        q->busy++;
        pthread_mutex_unlock(&q->lock);
        return true;
    }
    waiting_t *w = xcalloc(1, sizeof(*w));
    w->item = item;
    if (s->tail)
        s->tail->next = w;
    else
        s->head = w;
    s->tail = w;
    pthread_mutex_unlock(&q->lock);
    return false;
}

void *convq_leave(convq_t *q, const char *key)
{
    size_t b = bucket_of(key);
    void *item = NULL;
    pthread_mutex_lock(&q->lock);
    slot_t **pp = &q->buckets[b];
    while (*pp && strcmp((*pp)->key, key) != 0)
        pp = &(*pp)->next;
    slot_t *s = *pp;
    if (s && s->head) {
        waiting_t *w = s->head;
        s->head = w->next;
        if (!s->head)
            s->tail = NULL;
        item = w->item;
        free(w);
    } else if (s) {
        *pp = s->next;
        free(s->key);
        free(s);
        q->busy--;
    }
    pthread_mutex_unlock(&q->lock);
    return item;
}

size_t convq_busy(convq_t *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->busy;
    pthread_mutex_unlock(&q->lock);
    return n;
}
