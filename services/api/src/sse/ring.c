/* The SSE event ring and frame format (see ring.h). */
#include "sse/ring.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"
#include "common/xmalloc.h"

typedef struct {
    uint64_t id;
    char *frame;
    size_t len;
} ring_slot_t;

struct sse_ring {
    ring_slot_t *slots;
    size_t cap;
    size_t count; /* frames held, at most cap */
    size_t head;  /* slot of the next push */
    uint64_t next_id;
};

sse_ring_t *sse_ring_new(size_t cap, uint64_t first_id)
{
    sse_ring_t *r = xcalloc(1, sizeof(*r));
    r->cap = cap ? cap : 1;
    r->slots = xcalloc(r->cap, sizeof(*r->slots));
    r->next_id = first_id ? first_id : 1;
    return r;
}

void sse_ring_free(sse_ring_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->cap; i++)
        free(r->slots[i].frame);
    free(r->slots);
    free(r);
}

uint64_t sse_ring_push(sse_ring_t *r, const char *type, const char *data)
{
    ring_slot_t *s = &r->slots[r->head];
    free(s->frame);
    s->id = r->next_id++;
    s->frame = sse_frame(s->id, type, data, &s->len);
    r->head = (r->head + 1) % r->cap;
    if (r->count < r->cap)
        r->count++;
    return s->id;
}

uint64_t sse_ring_last_id(const sse_ring_t *r)
{
    return r->next_id - 1;
}

bool sse_ring_replay(const sse_ring_t *r, uint64_t last_id, sse_frame_fn fn, void *ctx)
{
    uint64_t newest = r->next_id - 1;
    uint64_t oldest = r->next_id - r->count; /* id of the oldest frame held */
    if (last_id > newest || last_id + 1 < oldest)
        return false;
    size_t skip = (size_t)(last_id + 1 - oldest); /* frames the client already has */
    size_t first = (r->head + r->cap - r->count) % r->cap;
    for (size_t i = skip; i < r->count; i++) {
        const ring_slot_t *s = &r->slots[(first + i) % r->cap];
        fn(ctx, s->frame, s->len);
    }
    return true;
}

char *sse_frame(uint64_t id, const char *type, const char *data, size_t *len)
{
    sbuf_t b = {0};
    sbuf_printf(&b, "id: %" PRIu64 "\nevent: %s\n", id, type);
    const char *p = data ? data : "";
    for (;;) {
        size_t n = strcspn(p, "\r\n");
        sbuf_add(&b, "data: ");
        sbuf_addn(&b, p, n);
        sbuf_addc(&b, '\n');
        p += n;
        if (*p == '\0')
            break;
        p += (p[0] == '\r' && p[1] == '\n') ? 2 : 1;
    }
    sbuf_addc(&b, '\n');
    *len = b.len;
    return sbuf_take(&b);
}

bool sse_parse_id(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!s || !*s || strlen(s) > 19)
        return false;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v > INT64_MAX)
        return false;
    *out = v;
    return true;
}

bool sse_type_valid(const char *type)
{
    size_t n = type ? strlen(type) : 0;
    if (n == 0 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((type[i] >= 'a' && type[i] <= 'z') || type[i] == '_'))
            return false;
    return true;
}
