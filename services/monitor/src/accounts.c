/* The account registry (see accounts.h): a small array under one mutex; a monitor watches a
 * handful of accounts, so a linear search is the simplest correct thing. */
#include "accounts.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

struct accounts {
    pthread_mutex_t mu;
    account_state_t *items;
    size_t n, cap;
};

accounts_t *accounts_new(void)
{
    accounts_t *a = xcalloc(1, sizeof(*a));
    pthread_mutex_init(&a->mu, NULL);
    return a;
}

void accounts_free(accounts_t *a)
{
    if (!a)
        return;
    pthread_mutex_destroy(&a->mu);
    free(a->items);
    free(a);
}

/* Finds the account; called with the mutex held. */
static account_state_t *find(accounts_t *a, int64_t account_id)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->items[i].account_id == account_id)
            return &a->items[i];
    return NULL;
}

void accounts_set_running(accounts_t *a, int64_t account_id, bool running, account_state_t *out)
{
    pthread_mutex_lock(&a->mu);
    account_state_t *s = find(a, account_id);
    if (!s) {
        if (a->n == a->cap) {
            a->cap = a->cap ? a->cap * 2 : 8;
            a->items = xrealloc(a->items, a->cap * sizeof(*a->items));
        }
        s = &a->items[a->n++];
        memset(s, 0, sizeof(*s));
        s->account_id = account_id;
    }
    s->running = running;
    *out = *s;
    pthread_mutex_unlock(&a->mu);
}

bool accounts_get(accounts_t *a, int64_t account_id, account_state_t *out)
{
    pthread_mutex_lock(&a->mu);
    account_state_t *s = find(a, account_id);
    if (s) {
        *out = *s;
    } else {
        memset(out, 0, sizeof(*out));
        out->account_id = account_id;
    }
    pthread_mutex_unlock(&a->mu);
    return s != NULL;
}

size_t accounts_running(accounts_t *a, account_state_t **out)
{
    size_t n = 0;
    *out = NULL;
    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < a->n; i++)
        if (a->items[i].running)
            n++;
    if (n > 0) {
        *out = xmalloc(n * sizeof(**out));
        size_t j = 0;
        for (size_t i = 0; i < a->n; i++)
            if (a->items[i].running)
                (*out)[j++] = a->items[i];
    }
    pthread_mutex_unlock(&a->mu);
    return n;
}

bool accounts_poll_done(accounts_t *a, int64_t account_id, int64_t cycle, const char *at)
{
    bool changed = false;
    pthread_mutex_lock(&a->mu);
    account_state_t *s = find(a, account_id);
    if (s) {
        changed = s->last_error[0] || s->login_required;
        s->cycle = cycle;
        snprintf(s->last_poll_at, sizeof(s->last_poll_at), "%s", at);
        s->last_error[0] = '\0';
        s->login_required = false;
    }
    pthread_mutex_unlock(&a->mu);
    return changed;
}

bool accounts_set_error(accounts_t *a, int64_t account_id, const char *error, bool login_required)
{
    bool changed = false;
    pthread_mutex_lock(&a->mu);
    account_state_t *s = find(a, account_id);
    if (s) {
        const char *e = error ? error : "";
        changed = strncmp(s->last_error, e, sizeof(s->last_error) - 1) != 0 ||
                  s->login_required != login_required;
        snprintf(s->last_error, sizeof(s->last_error), "%s", e);
        s->login_required = login_required;
    }
    pthread_mutex_unlock(&a->mu);
    return changed;
}
