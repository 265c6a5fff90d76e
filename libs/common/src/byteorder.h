/* Unaligned big- and little-endian integer reads, for the image parsers (imgmeta.c,
 * jpeg_strip.c): JPEG markers are big-endian, TIFF/EXIF either, PNG big, WebP little. The
 * caller has checked that the bytes are there. Private to libs/common/src. */
#ifndef COMMON_BYTEORDER_H
#define COMMON_BYTEORDER_H

#include <stdint.h>

static inline uint32_t be16(const unsigned char *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}
static inline uint32_t le16(const unsigned char *p)
{
    return (uint32_t)p[1] << 8 | p[0];
}
static inline uint32_t le24(const unsigned char *p)
{
    return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}
static inline uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

#endif
