/* Image format, size and EXIF/GPS presence from the bytes alone (see imgmeta.h). Every read is
 * bounds-checked: the input comes from uploads. */
#include "common/imgmeta.h"

#include <stdint.h>
#include <string.h>

#include "byteorder.h"
#include "tiff_ifd.h"

bool imgmeta_tiff_has_gps(const unsigned char *tiff, size_t len)
{
    bool little;
    return tiff_ifd0_entry(tiff, len, TIFF_TAG_GPS_IFD, &little) != NULL;
}

static void probe_exif_block(const unsigned char *p, size_t len, imgmeta_t *out)
{
    /* EXIF blocks start with "Exif\0\0" in JPEG; WebP and PNG may or may not carry it. */
    if (len >= 6 && memcmp(p, "Exif\0\0", 6) == 0) {
        p += 6;
        len -= 6;
    }
    out->has_exif = true;
    if (imgmeta_tiff_has_gps(p, len))
        out->has_exif_gps = true;
}

static void probe_jpeg(const unsigned char *buf, size_t len, imgmeta_t *out)
{
    size_t pos = 2;
    while (pos + 4 <= len) {
        if (buf[pos] != 0xFF)
            return; /* lost sync: not a well-formed marker stream */
        while (pos < len && buf[pos] == 0xFF)
            pos++;
        if (pos >= len)
            return;
        unsigned char m = buf[pos++];
        if (m == 0xD9 || m == 0xDA)
            return; /* end of image / start of scan: all headers were seen */
        if ((m >= 0xD0 && m <= 0xD7) || m == 0x01)
            continue; /* standalone markers carry no length */
        if (pos + 2 > len)
            return;
        size_t seglen = be16(buf + pos);
        if (seglen < 2 || pos + seglen > len)
            seglen = len - pos; /* truncated segment: look at what is there */
        const unsigned char *data = buf + pos + 2;
        size_t dlen = seglen >= 2 ? seglen - 2 : 0;
        if (m == 0xE1 && dlen >= 6 && memcmp(data, "Exif\0\0", 6) == 0)
            probe_exif_block(data, dlen, out);
        else if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC && dlen >= 5) {
            out->height = (int)be16(data + 1);
            out->width = (int)be16(data + 3);
        }
        pos += seglen;
    }
}

static void probe_png(const unsigned char *buf, size_t len, imgmeta_t *out)
{
    size_t pos = 8;
    while (pos + 8 <= len) {
        size_t clen = be32(buf + pos);
        const unsigned char *type = buf + pos + 4;
        const unsigned char *data = buf + pos + 8;
        size_t avail = len - pos - 8;
        if (clen > avail)
            clen = avail;
        if (memcmp(type, "IHDR", 4) == 0 && clen >= 8) {
            out->width = (int)be32(data);
            out->height = (int)be32(data + 4);
        } else if (memcmp(type, "eXIf", 4) == 0) {
            probe_exif_block(data, clen, out);
        } else if (memcmp(type, "IEND", 4) == 0) {
            return;
        }
        pos += 12 + clen;
    }
}

static void probe_webp(const unsigned char *buf, size_t len, imgmeta_t *out)
{
    size_t pos = 12;
    while (pos + 8 <= len) {
        size_t clen = le32(buf + pos + 4);
        const unsigned char *data = buf + pos + 8;
        size_t avail = len - pos - 8;
        if (clen > avail)
            clen = avail;
        if (memcmp(buf + pos, "VP8X", 4) == 0 && clen >= 10) {
            out->width = (int)le24(data + 4) + 1;
            out->height = (int)le24(data + 7) + 1;
        } else if (memcmp(buf + pos, "VP8 ", 4) == 0 && clen >= 10 && out->width == 0) {
            /* frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height */
            if (data[3] == 0x9d && data[4] == 0x01 && data[5] == 0x2a) {
                out->width = (int)(le16(data + 6) & 0x3fff);
                out->height = (int)(le16(data + 8) & 0x3fff);
            }
        } else if (memcmp(buf + pos, "VP8L", 4) == 0 && clen >= 5 && out->width == 0) {
            if (data[0] == 0x2f) {
                uint32_t bits = le32(data + 1);
                out->width = (int)(bits & 0x3fff) + 1;
                out->height = (int)((bits >> 14) & 0x3fff) + 1;
            }
        } else if (memcmp(buf + pos, "EXIF", 4) == 0) {
            probe_exif_block(data, clen, out);
        }
        pos += 8 + clen + (clen & 1);
    }
}

int imgmeta_probe(const unsigned char *buf, size_t len, imgmeta_t *out)
{
    memset(out, 0, sizeof(*out));
    if (buf == NULL)
        return -1;
    if (len >= 3 && buf[0] == 0xFF && buf[1] == 0xD8 && buf[2] == 0xFF) {
        out->format = IMGMETA_JPEG;
        probe_jpeg(buf, len, out);
    } else if (len >= 8 && memcmp(buf, "\x89PNG\r\n\x1a\n", 8) == 0) {
        out->format = IMGMETA_PNG;
        probe_png(buf, len, out);
    } else if (len >= 12 && memcmp(buf, "RIFF", 4) == 0 && memcmp(buf + 8, "WEBP", 4) == 0) {
        out->format = IMGMETA_WEBP;
        probe_webp(buf, len, out);
    } else if (len >= 10 && (memcmp(buf, "GIF87a", 6) == 0 || memcmp(buf, "GIF89a", 6) == 0)) {
        out->format = IMGMETA_GIF;
        out->width = (int)le16(buf + 6);
        out->height = (int)le16(buf + 8);
    } else if (len >= 12 && memcmp(buf + 4, "ftyp", 4) == 0 &&
               (memcmp(buf + 8, "heic", 4) == 0 || memcmp(buf + 8, "heix", 4) == 0 ||
                memcmp(buf + 8, "mif1", 4) == 0 || memcmp(buf + 8, "msf1", 4) == 0 ||
                memcmp(buf + 8, "heim", 4) == 0 || memcmp(buf + 8, "heis", 4) == 0 ||
                memcmp(buf + 8, "avif", 4) == 0)) {
        out->format = IMGMETA_HEIF;
    } else {
        return -1;
    }
    return 0;
}

const char *imgmeta_format_name(imgmeta_format_t f)
{
    switch (f) {
    case IMGMETA_JPEG:
        return "jpeg";
    case IMGMETA_PNG:
        return "png";
    case IMGMETA_WEBP:
        return "webp";
    case IMGMETA_GIF:
        return "gif";
    case IMGMETA_HEIF:
        return "heif";
    case IMGMETA_UNKNOWN:
        break;
    }
    return "unknown";
}
