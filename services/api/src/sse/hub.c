/* The SSE hub's thread and its clients (see hub.h). */
#include "sse/hub.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/metrics.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "sse/ring.h"

#define HUB_EPOLL_BATCH 64
#define HUB_HEARTBEAT ": keep-alive\n\n"

typedef struct {
    int fd;
    bool dead;     /* closed at the end of the loop turn (never mid-iteration) */
    bool want_out; /* EPOLLOUT registered: buf holds unsent bytes */
    char *buf;     /* unsent bytes are buf[off..len) */
    size_t off, len, cap;
} client_t;

typedef struct pending {
    struct pending *next;
    int fd;            /* a new client, or -1 for an event */
    bool has_last;     /* client: sent Last-Event-ID */
    uint64_t last_id;  /* client */
    char *type, *data; /* event */
} pending_t;

struct sse_hub {
    sse_hub_opts_t o;
    int ep, wake;
    pthread_t thread;
    atomic_bool stop;
    atomic_size_t nclients; /* held + handed over, not yet picked up */
    pthread_mutex_t mu;
    pending_t *head, *tail; /* FIFO: clients and events in the order they came */
    /* owned by the thread */
    sse_ring_t *ring;
    client_t **clients;
    size_t n, cap;
    metric_t *m_clients, *m_events, *m_dropped;
};

static void client_kill(client_t *c)
{
    c->dead = true;
}

/* Sends what the socket takes now and buffers the rest (EPOLLOUT then flushes it). */
static void client_send(sse_hub_t *h, client_t *c, const char *data, size_t len)
{
    if (c->dead)
        return;
    if (c->len == c->off) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            client_kill(c);
            return;
        }
        if (n > 0) {
            data += n;
            len -= (size_t)n;
        }
        if (len == 0)
            return;
        c->off = c->len = 0;
    }
    if (c->len - c->off + len > h->o.max_buffer) {
        LOG_INFO("sse: dropping a client that reads too slowly (%zu bytes unsent)",
                 c->len - c->off + len);
        metrics_inc(h->m_dropped, 1);
        client_kill(c);
        return;
    }
    if (c->len + len > c->cap) {
        if (c->off > 0) /* buf is NULL until the first backlog */
            memmove(c->buf, c->buf + c->off, c->len - c->off);
        c->len -= c->off;
        c->off = 0;
        if (c->len + len > c->cap) {
            c->cap = (c->len + len) * 2;
            c->buf = xrealloc(c->buf, c->cap);
        }
    }
    memcpy(c->buf + c->len, data, len);
    c->len += len;
    if (!c->want_out) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLOUT, .data.ptr = c};
        epoll_ctl(h->ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->want_out = true;
    }
}

static void client_flush(sse_hub_t *h, client_t *c)
{
    while (!c->dead && c->off < c->len) {
        ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            client_kill(c);
            return;
        }
        c->off += (size_t)n;
    }
    c->off = c->len = 0;
    if (c->want_out && !c->dead) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
        epoll_ctl(h->ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->want_out = false;
    }
}

/* A client sends nothing after its request: any readable state is EOF, an error, or bytes
 * to throw away. */
static void client_readable(client_t *c)
{
    char buf[512];
    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0 && errno == EINTR)
            continue;
        client_kill(c);
        return;
    }
}

static void frame_to_client(void *ctx, const char *frame, size_t len)
{
    void **pair = ctx;
    client_send(pair[0], pair[1], frame, len);
}

/* A new client: registered, then told the reconnect delay and either what it missed, a
 * reset (it missed more than the ring holds), or hello with the newest id. */
static void client_add(sse_hub_t *h, const pending_t *p)
{
    client_t *c = xcalloc(1, sizeof(*c));
    c->fd = p->fd;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
    if (epoll_ctl(h->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
        LOG_WARN("sse: epoll_ctl: %s", strerror(errno));
        c->dead = true;
    }
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        h->clients = xrealloc(h->clients, h->cap * sizeof(*h->clients));
    }
    h->clients[h->n++] = c;
    metrics_set(h->m_clients, (int64_t)h->n);
    char head[64];
    int n = snprintf(head, sizeof(head), "retry: %d\n\n", h->o.retry_ms);
    client_send(h, c, head, (size_t)n);
    uint64_t newest = sse_ring_last_id(h->ring);
    void *pair[2] = {h, c};
    if (p->has_last && sse_ring_replay(h->ring, p->last_id, frame_to_client, pair))
        return;
    char data[128];
    size_t len;
    if (p->has_last)
        snprintf(data, sizeof(data),
                 "{\"reason\":\"events after %" PRIu64 " are no longer held\",\"last_id\":%" PRIu64
                 "}",
                 p->last_id, newest);
    else
        snprintf(data, sizeof(data), "{\"last_id\":%" PRIu64 "}", newest);
    char *frame = sse_frame(newest, p->has_last ? "reset" : "hello", data, &len);
    client_send(h, c, frame, len);
    free(frame);
}

static void broadcast(sse_hub_t *h, const char *data, size_t len)
{
    for (size_t i = 0; i < h->n; i++)
        client_send(h, h->clients[i], data, len);
}

static void frame_to_all(void *ctx, const char *frame, size_t len)
{
    broadcast(ctx, frame, len);
}

/* Closes the dead clients (after the loop turn that marked them). */
static void sweep(sse_hub_t *h)
{
    for (size_t i = 0; i < h->n;) {
        client_t *c = h->clients[i];
        if (!c->dead) {
            i++;
            continue;
        }
        epoll_ctl(h->ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        free(c->buf);
        free(c);
        h->clients[i] = h->clients[--h->n];
        atomic_fetch_sub(&h->nclients, 1);
    }
    metrics_set(h->m_clients, (int64_t)h->n);
}

/* Takes what other threads queued: new clients and events, in arrival order. */
static void drain_pending(sse_hub_t *h)
{
    uint64_t junk;
    if (read(h->wake, &junk, sizeof(junk)) < 0 && errno != EAGAIN)
        LOG_WARN("sse: eventfd read: %s", strerror(errno));
    pthread_mutex_lock(&h->mu);
    pending_t *p = h->head;
    h->head = h->tail = NULL;
    pthread_mutex_unlock(&h->mu);
    while (p) {
        pending_t *next = p->next;
        if (p->fd >= 0) {
            client_add(h, p);
        } else {
            uint64_t id = sse_ring_push(h->ring, p->type, p->data);
            metrics_inc(h->m_events, 1);
            /* the frame just pushed is the only one after id - 1 */
            sse_ring_replay(h->ring, id - 1, frame_to_all, h);
        }
        free(p->type);
        free(p->data);
        free(p);
        p = next;
    }
}

static void *hub_thread(void *arg)
{
    sse_hub_t *h = arg;
    struct epoll_event evs[HUB_EPOLL_BATCH];
    int64_t next_beat = util_now_ms() + h->o.heartbeat_ms;
    while (!atomic_load(&h->stop)) {
        int64_t wait = next_beat - util_now_ms();
        int n = epoll_wait(h->ep, evs, HUB_EPOLL_BATCH, wait < 0 ? 0 : (int)wait);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == NULL) {
                drain_pending(h);
                continue;
            }
            client_t *c = evs[i].data.ptr;
            if (evs[i].events & (EPOLLERR | EPOLLHUP))
                client_kill(c);
            if (evs[i].events & (EPOLLIN | EPOLLRDHUP))
                client_readable(c);
            if (evs[i].events & EPOLLOUT)
                client_flush(h, c);
        }
        if (util_now_ms() >= next_beat) {
            broadcast(h, HUB_HEARTBEAT, sizeof(HUB_HEARTBEAT) - 1);
            next_beat = util_now_ms() + h->o.heartbeat_ms;
        }
        sweep(h);
    }
    for (size_t i = 0; i < h->n; i++)
        client_kill(h->clients[i]);
    sweep(h);
    return NULL;
}

sse_hub_t *sse_hub_start(const sse_hub_opts_t *opts, char *errstr, size_t errstr_size)
{
    sse_hub_t *h = xcalloc(1, sizeof(*h));
    h->o = *opts;
    h->ep = epoll_create1(EPOLL_CLOEXEC);
    h->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (h->ep < 0 || h->wake < 0 || epoll_ctl(h->ep, EPOLL_CTL_ADD, h->wake, &ev) != 0) {
        snprintf(errstr, errstr_size, "sse: epoll/eventfd: %s", strerror(errno));
        goto fail;
    }
    pthread_mutex_init(&h->mu, NULL);
    h->m_clients = metrics_gauge("bb_sse_clients", "Open GET /api/events streams");
    h->m_events = metrics_counter("bb_sse_events_total", "Events sent to the open streams");
    h->m_dropped = metrics_counter("bb_sse_dropped_total",
                                   "Streams closed because the client read too slowly");
    h->ring = sse_ring_new(opts->ring_size, opts->first_id);
    int rc = pthread_create(&h->thread, NULL, hub_thread, h);
    if (rc != 0) {
        snprintf(errstr, errstr_size, "sse: thread: %s", strerror(rc));
        sse_ring_free(h->ring);
        pthread_mutex_destroy(&h->mu);
        goto fail;
    }
    return h;
fail:
    if (h->ep >= 0)
        close(h->ep);
    if (h->wake >= 0)
        close(h->wake);
    free(h);
    return NULL;
}

static void hub_wake(sse_hub_t *h)
{
    uint64_t one = 1;
    if (write(h->wake, &one, sizeof(one)) < 0 && errno != EAGAIN)
        LOG_WARN("sse: eventfd write: %s", strerror(errno));
}

static void hub_enqueue(sse_hub_t *h, pending_t *p)
{
    pthread_mutex_lock(&h->mu);
    if (h->tail)
        h->tail->next = p;
    else
        h->head = p;
    h->tail = p;
    pthread_mutex_unlock(&h->mu);
    hub_wake(h);
}

bool sse_hub_full(sse_hub_t *h)
{
    return atomic_load(&h->stop) || atomic_load(&h->nclients) >= h->o.max_clients;
}

int sse_hub_add(sse_hub_t *h, int fd, bool has_last, uint64_t last_id)
{
    size_t n = atomic_fetch_add(&h->nclients, 1);
    if (atomic_load(&h->stop) || n >= h->o.max_clients) {
        atomic_fetch_sub(&h->nclients, 1);
        return -1;
    }
    pending_t *p = xcalloc(1, sizeof(*p));
    p->fd = fd;
    p->has_last = has_last;
    p->last_id = last_id;
    hub_enqueue(h, p);
    return 0;
}

void sse_hub_publish(sse_hub_t *h, const char *type, const char *data)
{
    pending_t *p = xcalloc(1, sizeof(*p));
    p->fd = -1;
    p->type = xstrdup(type);
    p->data = xstrdup(data);
    hub_enqueue(h, p);
}

size_t sse_hub_clients(sse_hub_t *h)
{
    return atomic_load(&h->nclients);
}

void sse_hub_stop(sse_hub_t *h)
{
    if (!h)
        return;
    atomic_store(&h->stop, true);
    hub_wake(h);
    pthread_join(h->thread, NULL);
    /* what was handed over after the thread's last turn */
    for (pending_t *p = h->head, *next; p; p = next) {
        next = p->next;
        if (p->fd >= 0)
            close(p->fd);
        free(p->type);
        free(p->data);
        free(p);
    }
    free(h->clients);
    sse_ring_free(h->ring);
    pthread_mutex_destroy(&h->mu);
    close(h->ep);
    close(h->wake);
    free(h);
}
