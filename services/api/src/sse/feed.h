/* The SSE hub's source: a thread with its own PostgreSQL connection that LISTENs on channel
 * bb_events (the row triggers of migrations/0007_events_notify.sql send a small JSON object
 * there at commit, whoever wrote the row) and publishes each notification to the hub with its
 * "type" as the event name. When the connection breaks it reconnects with backoff and
 * publishes a "reset" event, since notifications sent meanwhile are lost. */
#ifndef API_SSE_FEED_H
#define API_SSE_FEED_H

#include <stddef.h>

#include "sse/hub.h"

#define SSE_CHANNEL "bb_events"

typedef struct sse_feed sse_feed_t;

/* Connects and LISTENs (so that every change committed after this returns is seen), then
 * starts the thread, which reconnects in the background when the connection breaks. NULL
 * with the reason in errstr (PostgreSQL unreachable, LISTEN refused, no thread). */
sse_feed_t *sse_feed_start(const char *database_url, sse_hub_t *hub, char *errstr,
                           size_t errstr_size);

/* Stops and joins the thread, closes its connection. NULL is a no-op. */
void sse_feed_stop(sse_feed_t *f);

/* Turns one notification payload into (type, data): type from its "type" member when that
 * is sse_type_valid, else "change". Returns type's length, copied into type (size >= 33). */
size_t sse_feed_event_type(const char *payload, char *type, size_t size);

#endif
