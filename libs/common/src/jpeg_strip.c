/* JPEG metadata stripping on the byte stream (see jpeg_strip.h). Every read is checked
 * against len before it happens: segment lengths come from the upload and may lie. */
#include "common/jpeg_strip.h"

#include <stdint.h>
#include <string.h>

#include "byteorder.h"
#include "tiff_ifd.h"

#define M_SOI 0xD8
#define M_EOI 0xD9
#define M_SOS 0xDA
#define M_APP0 0xE0
#define M_APP1 0xE1
#define M_APP2 0xE2
#define M_APP14 0xEE
#define M_COM 0xFE
#define M_TEM 0x01

typedef struct {
    const unsigned char *in;
    size_t len;
    size_t pos;         /* next byte to read */
    unsigned char *out; /* NULL: inspect only */
    bool blank;         /* out is in: dropped segments become fill bytes where they are */
    size_t written;     /* never more than pos: out may be in */
    size_t blanked;
    bool seen_sof, seen_sos, seen_exif;
    jpeg_info_t *info;
} walk_t;

int jpeg_exif_orientation(const unsigned char *tiff, size_t len)
{
    bool little;
    const unsigned char *e = tiff_ifd0_entry(tiff, len, TIFF_TAG_ORIENTATION, &little);
    if (!e)
        return 1;
    uint32_t (*u16)(const unsigned char *) = little ? le16 : be16;
    uint32_t (*u32)(const unsigned char *) = little ? le32 : be32;
    /* SHORT, count 1: the value sits in the first two bytes of the value field */
    if (u16(e + 2) != TIFF_TYPE_SHORT || u32(e + 4) != 1)
        return 1;
    uint32_t v = u16(e + 8);
    return v >= 1 && v <= 8 ? (int)v : 1;
}

/* Copies in[from, from+n) to the output position (overlap-safe: written <= from). */
static void emit(walk_t *w, size_t from, size_t n)
{
    if (w->out && !w->blank)
        memmove(w->out + w->written, w->in + from, n);
    w->written += n;
}

/* A segment that goes: left out of the copy, or overwritten with fill bytes. */
static void drop(walk_t *w, size_t from, size_t n)
{
    if (w->blank) {
        memset(w->out + from, 0xFF, n);
        w->blanked += n;
    }
}

static bool has_prefix(const unsigned char *data, size_t dlen, const char *prefix, size_t plen)
{
    return dlen >= plen && memcmp(data, prefix, plen) == 0;
}

/* Whether an APPn or COM segment is kept: only what rendering needs. The first EXIF block
 * is read for its orientation before it goes. */
static bool keep_app(walk_t *w, unsigned char m, const unsigned char *data, size_t dlen)
{
    switch (m) {
    case M_APP0:
        return has_prefix(data, dlen, "JFIF\0", 5);
    case M_APP1:
        if (!w->seen_exif && has_prefix(data, dlen, "Exif\0\0", 6)) {
            w->seen_exif = true;
            w->info->orientation = jpeg_exif_orientation(data + 6, dlen - 6);
        }
        return false;
    case M_APP2:
        return has_prefix(data, dlen, "ICC_PROFILE\0", 12);
    case M_APP14:
        return has_prefix(data, dlen, "Adobe", 5);
    default:
        return false;
    }
}

static bool is_sof(unsigned char m)
{
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

/* The frame header: precision, height, width, components (3 bytes each). */
static int read_sof(walk_t *w, unsigned char m, const unsigned char *data, size_t dlen)
{
    if (w->seen_sof)
        return 0; /* hierarchical files repeat it; the first one gives the size */
    if (dlen < 6 || dlen < 6 + (size_t)data[5] * 3 || data[5] == 0)
        return -1;
    jpeg_info_t *info = w->info;
    info->sof = m;
    info->precision = data[0];
    info->height = (int)be16(data + 1);
    info->width = (int)be16(data + 3);
    info->components = data[5];
    if (info->width == 0 || info->height == 0)
        return -1; /* a height given later by DNL: rare enough to leave to the decoder */
    w->seen_sof = true;
    return 0;
}

/* Skips the entropy-coded data after a scan header, up to the next marker that is neither
 * a stuffed 0xFF00 nor a restart marker. Returns 0 with pos at that marker's 0xFF, or -1
 * when the data runs to the end (truncated). */
static int skip_entropy(walk_t *w)
{
    const unsigned char *in = w->in;
    size_t pos = w->pos;
    for (;;) {
        const unsigned char *ff = memchr(in + pos, 0xFF, w->len - pos);
        if (!ff || (size_t)(ff - in) + 1 >= w->len)
            return -1;
        pos = (size_t)(ff - in);
        unsigned char b = in[pos + 1];
        if (b == 0x00 || (b >= 0xD0 && b <= 0xD7)) {
            pos += 2;
            continue;
        }
        if (b == 0xFF) {
            pos++; /* a fill byte before the marker */
            continue;
        }
        w->pos = pos;
        return 0;
    }
}

/* One marker segment at w->pos. Returns 1 after the end-of-image marker, 0 to go on, -1 on
 * malformed input. */
static int walk_segment(walk_t *w)
{
    const unsigned char *in = w->in;
    if (w->pos >= w->len || in[w->pos] != 0xFF)
        return -1;
    while (w->pos < w->len && in[w->pos] == 0xFF)
        w->pos++; /* fill bytes: dropped */
    if (w->pos >= w->len)
        return -1;
    unsigned char m = in[w->pos++];
    size_t start = w->pos - 2; /* "FF m", the fill bytes left out */
    if (m == M_EOI) {
        if (!w->seen_sos)
            return -1;
        emit(w, start, 2);
        return 1;
    }
    if (m == 0x00 || m == M_SOI)
        return -1;
    if (m == M_TEM || (m >= 0xD0 && m <= 0xD7)) {
        emit(w, start, 2); /* standalone, no length */
        return 0;
    }
    if (w->len - w->pos < 2)
        return -1;
    size_t seglen = be16(in + w->pos);
    if (seglen < 2 || seglen > w->len - w->pos)
        return -1;
    const unsigned char *data = in + w->pos + 2;
    size_t dlen = seglen - 2;
    w->pos += seglen;
    if ((m >= M_APP0 && m <= 0xEF) || m == M_COM) {
        if (keep_app(w, m, data, dlen))
            emit(w, start, 2 + seglen);
        else
            drop(w, start, 2 + seglen);
        return 0;
    }
    if (is_sof(m) && read_sof(w, m, data, dlen) != 0)
        return -1;
    if (m == M_SOS) {
        if (!w->seen_sof)
            return -1;
        w->seen_sos = true;
        if (skip_entropy(w) != 0)
            return -1;
        emit(w, start, w->pos - start);
        return 0;
    }
    emit(w, start, 2 + seglen);
    return 0;
}

/* Walks in[0..len), writing to out as the mode says. Returns 0 or -1 (see jpeg_strip). */
static int walk(walk_t *w, size_t *out_len)
{
    jpeg_info_t *info = w->info;
    memset(info, 0, sizeof(*info));
    info->orientation = 1;
    if (w->in == NULL || w->len < 4 || w->in[0] != 0xFF || w->in[1] != M_SOI)
        return -1;
    emit(w, 0, 2);
    int rc;
    while ((rc = walk_segment(w)) == 0)
        ;
    if (rc < 0)
        return -1;
    /* after the end-of-image marker: dropped in both modes */
    size_t end = w->blank ? w->pos : w->written;
    info->removed = w->blank ? w->blanked + (w->len - w->pos) : w->len - w->written;
    if (out_len)
        *out_len = end;
    return 0;
}

int jpeg_strip(const unsigned char *in, size_t len, unsigned char *out, size_t *out_len,
               jpeg_info_t *info)
{
    walk_t w = {.in = in, .len = len, .pos = 2, .out = out, .info = info};
    return walk(&w, out_len);
}

int jpeg_blank(unsigned char *buf, size_t len, size_t *out_len, jpeg_info_t *info)
{
    walk_t w = {.in = buf, .len = len, .pos = 2, .out = buf, .blank = true, .info = info};
    return walk(&w, out_len);
}
