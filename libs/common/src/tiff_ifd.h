/* The first image file directory (IFD0) of a TIFF block, as EXIF carries it, read with every
 * offset bounds-checked (the bytes come from uploads). Private to libs/common/src: imgmeta.c
 * asks it for the GPS pointer, jpeg_strip.c for the orientation. */
#ifndef COMMON_TIFF_IFD_H
#define COMMON_TIFF_IFD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIFF_TAG_ORIENTATION 0x0112
#define TIFF_TAG_GPS_IFD 0x8825
#define TIFF_TYPE_SHORT 3

/* The 12-byte IFD0 entry of tag in tiff[0..len) ("II*\0" or "MM\0*" first), with *little
 * saying the block's byte order; NULL when the block is not TIFF, is truncated before the
 * entry, or has no such tag. */
const unsigned char *tiff_ifd0_entry(const unsigned char *tiff, size_t len, uint16_t tag,
                                     bool *little);

#endif
