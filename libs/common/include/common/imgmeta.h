/* Image facts read from the bytes alone, without decoding pixels: format, dimensions and
 * whether EXIF metadata (and a GPS IFD in it) is present. Used to check that uploaded photos
 * really are images and that their location data was stripped. */
#ifndef COMMON_IMGMETA_H
#define COMMON_IMGMETA_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    IMGMETA_UNKNOWN = 0,
    IMGMETA_JPEG,
    IMGMETA_PNG,
    IMGMETA_WEBP,
    IMGMETA_GIF,
    IMGMETA_HEIF,
} imgmeta_format_t;

typedef struct {
    imgmeta_format_t format;
    int width, height; /* 0 when not found (e.g. HEIF, truncated file) */
    bool has_exif;     /* a JPEG APP1 "Exif", PNG eXIf or WebP EXIF block */
    bool has_exif_gps; /* that EXIF's IFD0 carries a GPSInfo (0x8825) pointer */
} imgmeta_t;

/* Probes buf. Returns 0 and fills out when the format is recognised (dimensions and EXIF
 * flags are best effort: a truncated file keeps what was read), -1 when it is not an image
 * format listed above. Pure and thread-safe; reads only buf[0..len). */
int imgmeta_probe(const unsigned char *buf, size_t len, imgmeta_t *out)
    __attribute__((warn_unused_result));

/* Whether a TIFF structure (the body of an EXIF block, starting at "II*\0" or "MM\0*")
 * has a GPSInfo pointer in its first IFD. Pure. */
bool imgmeta_tiff_has_gps(const unsigned char *tiff, size_t len);

/* "jpeg", "png", "webp", "gif", "heif" or "unknown". Static string. */
const char *imgmeta_format_name(imgmeta_format_t f);

#endif
