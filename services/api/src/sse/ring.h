/* The recent events of GET /api/events: a bounded ring of formatted Server-Sent Events frames
 * with monotonic ids, so a client that reconnects with Last-Event-ID gets what it missed, or
 * a "reset" (refetch everything) when what it missed is no longer held. Not thread-safe: the
 * SSE hub's thread owns it (sse/hub.h). */
#ifndef API_SSE_RING_H
#define API_SSE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sse_ring sse_ring_t;

/* A ring of cap frames whose first event gets id first_id (>= 1). The api starts ids at its
 * start time in microseconds, so ids keep growing across restarts and an id from an earlier
 * process is older than anything held (-> reset). */
sse_ring_t *sse_ring_new(size_t cap, uint64_t first_id);
void sse_ring_free(sse_ring_t *r);

/* Appends an event (type: the SSE event name; data: its payload, newlines allowed) and
 * returns its id. The oldest frame goes when the ring is full. */
uint64_t sse_ring_push(sse_ring_t *r, const char *type, const char *data);

/* The id of the newest event, first_id - 1 before any. */
uint64_t sse_ring_last_id(const sse_ring_t *r);

typedef void (*sse_frame_fn)(void *ctx, const char *frame, size_t len);

/* Hands fn the frames after last_id, oldest first, and returns true; returns false (and
 * hands nothing) when events after last_id were dropped from the ring or last_id was never
 * issued by this ring (newer than the newest, or from an earlier process). */
bool sse_ring_replay(const sse_ring_t *r, uint64_t last_id, sse_frame_fn fn, void *ctx);

/* Formats one frame: "id: <id>\nevent: <type>\ndata: <line>\n...\n\n" (one data line per
 * line of data; CR and CRLF count as line ends, as the SSE spec reads them). Returns a new
 * string (caller frees) and its length in *len. */
char *sse_frame(uint64_t id, const char *type, const char *data, size_t *len);

/* Parses a Last-Event-ID value: decimal digits only, no sign, fits in 63 bits. */
bool sse_parse_id(const char *s, uint64_t *out);

/* An SSE event name the api passes through from a notification: [a-z_]{1,32}. */
bool sse_type_valid(const char *type);

#endif
