/* A byte string built in a test (JPEG segments, TIFF/EXIF blocks), with big- and
 * little-endian writers. Shared by the image parser tests. */
#ifndef TEST_BYTES_BUILDER_H
#define TEST_BYTES_BUILDER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    unsigned char b[2048];
    size_t n;
} bytes_t;

static inline void put(bytes_t *x, const void *p, size_t n)
{
    assert_true(x->n + n <= sizeof(x->b));
    memcpy(x->b + x->n, p, n);
    x->n += n;
}
static inline void put8(bytes_t *x, unsigned v)
{
    unsigned char c = (unsigned char)v;
    put(x, &c, 1);
}
static inline void be16(bytes_t *x, unsigned v)
{
    put8(x, v >> 8);
    put8(x, v & 0xff);
}
static inline void be32(bytes_t *x, uint32_t v)
{
    be16(x, v >> 16);
    be16(x, v & 0xffff);
}
static inline void le16(bytes_t *x, unsigned v)
{
    put8(x, v & 0xff);
    put8(x, v >> 8);
}
static inline void le32(bytes_t *x, uint32_t v)
{
    le16(x, v & 0xffff);
    le16(x, v >> 16);
}
/* In the byte order a TIFF header chose. */
static inline void w16(bytes_t *x, bool little, unsigned v)
{
    if (little)
        le16(x, v);
    else
        be16(x, v);
}
static inline void w32(bytes_t *x, bool little, uint32_t v)
{
    if (little)
        le32(x, v);
    else
        be32(x, v);
}

#endif
