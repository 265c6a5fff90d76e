/* The SSE hub: one thread that holds every open GET /api/events connection, so open tabs
 * cost no civetweb worker. The handler writes the response head, takes the socket from
 * civetweb (http_take_socket) and hands it here; the hub's thread waits on all of them with
 * epoll, writes each event to every client with non-blocking writes (a per-client buffer for
 * what the socket did not take), sends heartbeat comments, notices closed connections, and
 * keeps the recent events (sse/ring.h) for Last-Event-ID. A client whose unsent bytes pass
 * the buffer limit is dropped (it reconnects and resumes). Events arrive from any thread
 * through sse_hub_publish (the LISTEN feed, sse/feed.h). */
#ifndef API_SSE_HUB_H
#define API_SSE_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sse_hub sse_hub_t;

typedef struct {
    int heartbeat_ms;   /* comment line to every client this often */
    size_t max_clients; /* more get 503 */
    size_t ring_size;   /* recent events kept for Last-Event-ID */
    size_t max_buffer;  /* unsent bytes of one client before it is dropped */
    uint64_t first_id;  /* id of the first event (sse_ring_new) */
    int retry_ms;       /* the "retry:" field sent on connect (EventSource's reconnect delay) */
} sse_hub_opts_t;

/* Starts the hub's thread. NULL with the reason in errstr. */
sse_hub_t *sse_hub_start(const sse_hub_opts_t *opts, char *errstr, size_t errstr_size);

/* Hands a connection over (the response head already sent). has_last: the client sent
 * Last-Event-ID last_id (replayed, or answered with a "reset" event); otherwise it gets a
 * "hello" event with the newest id. Returns 0, or -1 when the hub is full or stopping (the
 * caller closes fd). Thread-safe. */
int sse_hub_add(sse_hub_t *h, int fd, bool has_last, uint64_t last_id);

/* True when another client would be refused (answer 503 before sending a head). */
bool sse_hub_full(sse_hub_t *h);

/* Queues an event for every client (type: sse_type_valid; data: JSON). Thread-safe. */
void sse_hub_publish(sse_hub_t *h, const char *type, const char *data);

/* Clients currently held (and handed over but not yet picked up). Thread-safe. */
size_t sse_hub_clients(sse_hub_t *h);

/* Stops the thread, closes every client connection, frees the hub. NULL is a no-op. Call it
 * once nothing can call sse_hub_add or sse_hub_publish any more (HTTP and the feed stopped). */
void sse_hub_stop(sse_hub_t *h);

#endif
