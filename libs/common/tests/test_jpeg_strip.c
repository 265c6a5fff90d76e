/* Unit tests of the JPEG metadata stripper: which segments go and which stay, byte for byte,
 * the EXIF orientation in both byte orders, in-place output, and hostile input (every
 * truncation of a valid stream, fake segment lengths, a scan before the frame, random
 * mutations) that must fail cleanly without reading out of bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "bytes_builder.h"
#include "common/jpeg_strip.h"

/* A marker segment: FF m, length, payload. */
static void segment(bytes_t *x, unsigned m, const void *payload, size_t n)
{
    put8(x, 0xFF);
    put8(x, m);
    be16(x, (unsigned)n + 2);
    put(x, payload, n);
}

/* "Exif\0\0" + TIFF with IFD0 = Make, Orientation, GPSInfo -> an empty GPS IFD. */
static void exif_payload(bytes_t *x, bool little, unsigned orientation)
{
    x->n = 0;
    put(x, "Exif\0\0", 6);
    put(x, little ? "II*\0" : "MM\0*", 4);
    w32(x, little, 8);
    w16(x, little, 3);
    w16(x, little, 0x010f); /* Make, ASCII 4 inline */
    w16(x, little, 2);
    w32(x, little, 4);
    put(x, "Can\0", 4);
    w16(x, little, 0x0112); /* Orientation, SHORT 1 */
    w16(x, little, 3);
    w32(x, little, 1);
    w16(x, little, orientation);
    w16(x, little, 0);
    w16(x, little, 0x8825); /* GPSInfo, LONG 1 */
    w16(x, little, 4);
    w32(x, little, 1);
    w32(x, little, 50);
    w32(x, little, 0);
    w16(x, little, 0);
    w32(x, little, 0);
}

static const unsigned char sof0[] = {8, 0x01, 0x2C, 0x01, 0x90, 3, /* 400 x 300, 3 comps */
                                     1, 0x22, 0,    2,    0x11, 1, 3, 0x11, 1};
static const unsigned char sos_hdr[] = {3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0};
/* entropy data with a stuffed FF00, a restart marker and fill bytes before EOI */
static const unsigned char entropy[] = {0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD0, 0x78, 0xFF};

/* The stream a phone could send (full) and what must remain of it (kept). */
static void build(bytes_t *full, bytes_t *kept, bool little, unsigned orientation)
{
    bytes_t exif = {.n = 0};
    exif_payload(&exif, little, orientation);
    full->n = kept->n = 0;
    put(full, "\xFF\xD8", 2);
    put(kept, "\xFF\xD8", 2);
    segment(full, 0xE0, "JFIF\0\1\1\0\0\1\0\1\0\0", 14);
    segment(kept, 0xE0, "JFIF\0\1\1\0\0\1\0\1\0\0", 14);
    segment(full, 0xE1, exif.b, exif.n);
    segment(full, 0xE1, "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>", 41);
    segment(full, 0xE2, "ICC_PROFILE\0\1\1profile-bytes", 27);
    segment(kept, 0xE2, "ICC_PROFILE\0\1\1profile-bytes", 27);
    segment(full, 0xE2, "MPF\0II*\0", 8);
    segment(full, 0xED, "Photoshop 3.0\08BIM", 18);
    segment(full, 0xE0,
            "JFXX\0\x10"
            "thumb",
            11);
    segment(full, 0xFE, "made with a camera", 18);
    segment(full, 0xDB, "\0qtable", 7);
    segment(kept, 0xDB, "\0qtable", 7);
    segment(full, 0xC0, sof0, sizeof(sof0));
    segment(kept, 0xC0, sof0, sizeof(sof0));
    segment(full, 0xEE, "Adobe\0\144\0\0\0\0\1", 12);
    segment(kept, 0xEE, "Adobe\0\144\0\0\0\0\1", 12);
    segment(full, 0xC4, "\0htable", 7);
    segment(kept, 0xC4, "\0htable", 7);
    segment(full, 0xDA, sos_hdr, sizeof(sos_hdr));
    segment(kept, 0xDA, sos_hdr, sizeof(sos_hdr));
    put(full, entropy, sizeof(entropy));
    put(kept, entropy, sizeof(entropy));
    put(full, "\xFF\xD9", 2);
    put(kept, "\xFF\xD9", 2);
    put(full,
        "\xFF\xD8\xFF\xE1"
        "appended picture",
        20); /* after EOI: dropped */
}

static void test_metadata_goes_rendering_stays(void **state)
{
    (void)state;
    bytes_t full, kept;
    build(&full, &kept, true, 1);
    unsigned char out[2048];
    size_t out_len = 0;
    jpeg_info_t info;
    assert_int_equal(jpeg_strip(full.b, full.n, out, &out_len, &info), 0);
    assert_int_equal(out_len, kept.n);
    assert_memory_equal(out, kept.b, kept.n);
    assert_int_equal(info.width, 400);
    assert_int_equal(info.height, 300);
    assert_int_equal(info.components, 3);
    assert_int_equal(info.precision, 8);
    assert_int_equal(info.sof, 0xC0);
    assert_int_equal(info.orientation, 1);
    assert_int_equal(info.removed, full.n - kept.n);

    /* stripping what is already stripped changes nothing */
    unsigned char again[2048];
    size_t again_len = 0;
    assert_int_equal(jpeg_strip(out, out_len, again, &again_len, &info), 0);
    assert_int_equal(again_len, out_len);
    assert_memory_equal(again, out, out_len);
    assert_int_equal(info.removed, 0);
}

static void test_in_place_and_inspect_only(void **state)
{
    (void)state;
    bytes_t full, kept;
    build(&full, &kept, false, 6);
    jpeg_info_t info;
    size_t n = 0;
    assert_int_equal(jpeg_strip(full.b, full.n, NULL, &n, &info), 0);
    assert_int_equal(n, kept.n);
    assert_int_equal(info.orientation, 6); /* big-endian TIFF */
    assert_int_equal(jpeg_strip(full.b, full.n, full.b, &n, &info), 0);
    assert_int_equal(n, kept.n);
    assert_memory_equal(full.b, kept.b, kept.n);
}

/* Blanking in place: same length up to EOI, metadata gone, and what a decoder reads (fill
 * bytes skipped) is exactly the stripped stream. */
static void test_blank_in_place(void **state)
{
    (void)state;
    bytes_t full, kept;
    build(&full, &kept, true, 8);
    size_t eoi_end = full.n - 20;
    jpeg_info_t info;
    size_t n = 0;
    assert_int_equal(jpeg_blank(full.b, full.n, &n, &info), 0);
    assert_int_equal(n, eoi_end);
    assert_int_equal(info.orientation, 8);
    assert_int_equal(info.width, 400);
    assert_int_equal(info.removed, full.n - kept.n); /* blanked + trailing */
    assert_null(memmem(full.b, n, "Exif", 4));
    assert_null(memmem(full.b, n, "xap", 3));
    assert_null(memmem(full.b, n, "camera", 6));
    assert_null(memmem(full.b, n, "8BIM", 4));
    assert_non_null(memmem(full.b, n, "ICC_PROFILE", 11));
    unsigned char out[2048];
    size_t out_len = 0;
    assert_int_equal(jpeg_strip(full.b, n, out, &out_len, &info), 0);
    assert_int_equal(out_len, kept.n);
    assert_memory_equal(out, kept.b, kept.n);
    assert_int_equal(info.orientation, 1); /* the EXIF block is gone */
}

static void test_orientation(void **state)
{
    (void)state;
    for (unsigned o = 1; o <= 8; o++) {
        for (int little = 0; little <= 1; little++) {
            bytes_t exif;
            exif_payload(&exif, little, o);
            assert_int_equal(jpeg_exif_orientation(exif.b + 6, exif.n - 6), (int)o);
        }
    }
    bytes_t exif;
    exif_payload(&exif, true, 9); /* out of range */
    assert_int_equal(jpeg_exif_orientation(exif.b + 6, exif.n - 6), 1);
    exif_payload(&exif, true, 6);
    /* cut inside the Orientation entry: not read */
    assert_int_equal(jpeg_exif_orientation(exif.b + 6, 8 + 2 + 12 + 8), 1);
    assert_int_equal(jpeg_exif_orientation(exif.b + 6, 4), 1);
    assert_int_equal(jpeg_exif_orientation(NULL, 100), 1);
    /* IFD offset pointing past the block */
    exif.b[6 + 4] = 0xF0;
    assert_int_equal(jpeg_exif_orientation(exif.b + 6, exif.n - 6), 1);
}

static void test_every_truncation_fails(void **state)
{
    (void)state;
    bytes_t full, kept;
    build(&full, &kept, true, 1);
    /* the end-of-image marker ends at kept's last byte in the full stream too */
    size_t eoi_end = full.n - 20;
    for (size_t cut = 0; cut < eoi_end; cut++) {
        unsigned char *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any overread */
        memcpy(copy, full.b, cut);
        jpeg_info_t info;
        size_t n = 0;
        assert_int_equal(jpeg_strip(copy, cut, NULL, &n, &info), -1);
        free(copy);
    }
}

/* A copy of a valid stream with the length field of the segment at byte offset at (the
 * offset of its FF) replaced. */
static int strip_with_length(size_t at, unsigned length)
{
    bytes_t full, kept;
    build(&full, &kept, true, 1);
    assert_int_equal(full.b[at], 0xFF);
    full.b[at + 2] = (unsigned char)(length >> 8);
    full.b[at + 3] = (unsigned char)length;
    unsigned char *copy = malloc(full.n);
    memcpy(copy, full.b, full.n);
    jpeg_info_t info;
    size_t n = 0;
    int rc = jpeg_strip(copy, full.n, copy, &n, &info);
    free(copy);
    return rc;
}

static void test_fake_lengths(void **state)
{
    (void)state;
    const size_t app0 = 2, exif = 2 + 18; /* APP0 is 18 bytes in all */
    assert_int_equal(strip_with_length(app0, 0), -1);
    assert_int_equal(strip_with_length(app0, 1), -1);
    assert_int_equal(strip_with_length(exif, 0xFFFF), -1); /* past the end */
    assert_int_equal(strip_with_length(app0, 0x1000), -1);
    /* a length that lands inside other data: it loses sync and fails */
    assert_int_equal(strip_with_length(app0, 5), -1);
}

static void test_structural_errors(void **state)
{
    (void)state;
    jpeg_info_t info;
    size_t n;
    bytes_t x = {.n = 0};
    /* not a JPEG */
    assert_int_equal(jpeg_strip((const unsigned char *)"\x89PNG\r\n", 6, NULL, &n, &info), -1);
    assert_int_equal(jpeg_strip(NULL, 0, NULL, &n, &info), -1);
    /* a scan before the frame header */
    put(&x, "\xFF\xD8", 2);
    segment(&x, 0xDA, sos_hdr, sizeof(sos_hdr));
    put(&x, entropy, sizeof(entropy));
    put(&x, "\xFF\xD9", 2);
    assert_int_equal(jpeg_strip(x.b, x.n, NULL, &n, &info), -1);
    /* a frame of zero width */
    x.n = 0;
    unsigned char zero[sizeof(sof0)];
    memcpy(zero, sof0, sizeof(zero));
    zero[3] = zero[4] = 0;
    put(&x, "\xFF\xD8", 2);
    segment(&x, 0xC0, zero, sizeof(zero));
    segment(&x, 0xDA, sos_hdr, sizeof(sos_hdr));
    put(&x, "\x01\xFF\xD9", 3);
    assert_int_equal(jpeg_strip(x.b, x.n, NULL, &n, &info), -1);
    /* a frame header claiming more components than it has bytes for */
    x.n = 0;
    put(&x, "\xFF\xD8", 2);
    segment(&x, 0xC0, sof0, 9); /* says 3 components, carries one */
    segment(&x, 0xDA, sos_hdr, sizeof(sos_hdr));
    put(&x, "\x01\xFF\xD9", 3);
    assert_int_equal(jpeg_strip(x.b, x.n, NULL, &n, &info), -1);
    /* end of image without a scan, a second SOI, garbage between segments */
    x.n = 0;
    put(&x, "\xFF\xD8\xFF\xD9", 4);
    assert_int_equal(jpeg_strip(x.b, x.n, NULL, &n, &info), -1);
    x.n = 0;
    put(&x, "\xFF\xD8\xFF\xD8\xFF\xD9", 6);
    assert_int_equal(jpeg_strip(x.b, x.n, NULL, &n, &info), -1);
    x.n = 0;
    put(&x, "\xFF\xD8", 2);
    segment(&x, 0xC0, sof0, sizeof(sof0));
    put(&x, "junk", 4);
    assert_int_equal(jpeg_strip(x.b, x.n, NULL, &n, &info), -1);
}

static void test_random_mutations_stay_in_bounds(void **state)
{
    (void)state;
    bytes_t full, kept;
    build(&full, &kept, true, 3);
    srand(7);
    int ok = 0;
    for (int iter = 0; iter < 20000; iter++) {
        unsigned char *copy = malloc(full.n);
        memcpy(copy, full.b, full.n);
        int flips = 1 + rand() % 4;
        for (int k = 0; k < flips; k++)
            copy[rand() % full.n] = (unsigned char)rand();
        size_t len = full.n - (size_t)(rand() % 8);
        jpeg_info_t info;
        size_t n = 0;
        if (jpeg_strip(copy, len, copy, &n, &info) == 0) {
            assert_true(n <= len);
            assert_true(n >= 4);
            assert_true(copy[0] == 0xFF && copy[1] == 0xD8);
            assert_true(copy[n - 2] == 0xFF && copy[n - 1] == 0xD9);
            ok++;
        }
        free(copy);
    }
    assert_true(ok > 0); /* some mutations (in payloads) still parse */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metadata_goes_rendering_stays),
        cmocka_unit_test(test_in_place_and_inspect_only),
        cmocka_unit_test(test_blank_in_place),
        cmocka_unit_test(test_orientation),
        cmocka_unit_test(test_every_truncation_fails),
        cmocka_unit_test(test_fake_lengths),
        cmocka_unit_test(test_structural_errors),
        cmocka_unit_test(test_random_mutations_stay_in_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
