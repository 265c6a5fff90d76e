/* JPEG metadata stripping on the byte stream, without decoding pixels: the marker segments
 * are walked (every length bounds-checked: the input is an upload) and those that carry
 * metadata are dropped, byte for byte everything else is kept.
 *
 * Kept: JFIF APP0, ICC_PROFILE APP2 (the colours depend on it), Adobe APP14 (the colour
 * transform of CMYK/YCCK files), and every non-APP segment (tables, frame, scans, restart
 * intervals). Dropped: every other APPn (EXIF and XMP in APP1 with the GPS position, MPF in
 * APP2, IPTC/Photoshop in APP13, JFXX thumbnails, maker blocks, JUMBF), COM, and whatever
 * follows the end-of-image marker (phones append secondary pictures there). */
#ifndef COMMON_JPEG_STRIP_H
#define COMMON_JPEG_STRIP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int width, height; /* from the frame header (SOFn) */
    int components;    /* 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK */
    int precision;     /* bits per sample, 8 in all but rare files */
    unsigned char sof; /* the frame marker: 0xC0 baseline, 0xC1 extended, 0xC2 progressive */
    int orientation;   /* EXIF Orientation 1..8 (read before stripping); 1 when absent */
    size_t removed;    /* bytes dropped (segments, fill bytes, trailing data) */
} jpeg_info_t;

/* Walks the JPEG in[0..len) and, when out is not NULL, writes the stripped stream to out
 * (which may be in itself: the output never runs ahead of the input) and its length to
 * *out_len. Returns 0, or -1 when the stream is not a well-formed JPEG: a bad start, a
 * segment length of less than 2 or past the end, a scan before the frame header, no frame
 * dimensions, or no end-of-image marker (truncated). After -1, out holds nothing useful
 * and info is partial. Pure and thread-safe. */
int jpeg_strip(const unsigned char *in, size_t len, unsigned char *out, size_t *out_len,
               jpeg_info_t *info) __attribute__((warn_unused_result));

/* Like jpeg_strip, but in place and without moving anything: each dropped segment is
 * overwritten with 0xFF, which decoders skip as fill bytes (any number of them may precede
 * a marker), so only the pages holding metadata are written. *out_len is the length up to
 * the end-of-image marker; what follows it is to be cut off by the caller. Call it only on
 * bytes jpeg_strip accepted: on -1 buf may be partly blanked. */
int jpeg_blank(unsigned char *buf, size_t len, size_t *out_len, jpeg_info_t *info)
    __attribute__((warn_unused_result));

/* The EXIF Orientation (1..8) of a TIFF structure (an EXIF block after "Exif\0\0"), or 1
 * when it has none or it is out of range or out of bounds. Pure. */
int jpeg_exif_orientation(const unsigned char *tiff, size_t len);

#endif
