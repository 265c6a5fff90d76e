/* Unit tests of the image probe: formats, dimensions, EXIF and its GPS pointer in both byte
 * orders, and hostile input (truncated, offsets out of range, random bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "bytes_builder.h"
#include "common/imgmeta.h"

/* A TIFF block with IFD0 holding Make and, if gps, a GPSInfo pointer. */
static void tiff(bytes_t *x, bool little, bool gps)
{
    put(x, little ? "II*\0" : "MM\0*", 4);
    w32(x, little, 8);
    w16(x, little, gps ? 2 : 1);
    w16(x, little, 0x010f); /* Make, ASCII, 4 bytes inline */
    w16(x, little, 2);
    w32(x, little, 4);
    put(x, "Can\0", 4);
    if (gps) {
        w16(x, little, 0x8825);
        w16(x, little, 4);
        w32(x, little, 1);
        w32(x, little, 38);
    }
    w32(x, little, 0); /* no next IFD */
    if (gps) {
        w16(x, little, 0); /* an empty GPS IFD at 38 */
        w32(x, little, 0);
    }
}

static void jpeg(bytes_t *x, bool exif, bool little, bool gps)
{
    x->n = 0;
    put(x, "\xff\xd8", 2);
    put(x, "\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
    if (exif) {
        bytes_t t = {0};
        tiff(&t, little, gps);
        put(x, "\xff\xe1", 2);
        be16(x, (unsigned)(2 + 6 + t.n));
        put(x, "Exif\0\0", 6);
        put(x, t.b, t.n);
    }
    put(x, "\xff\xc0", 2); /* SOF0 640x480, 3 components */
    be16(x, 17);
    put8(x, 8);
    be16(x, 480);
    be16(x, 640);
    put8(x, 3);
    put(x, "\x01\x22\x00\x02\x11\x01\x03\x11\x01", 9);
    put(x, "\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00", 10);
    put(x, "\x12\x34\xff\xd9", 4);
}

static void test_jpeg_with_gps_little_and_big_endian(void **state)
{
    (void)state;
    bytes_t x;
    imgmeta_t m;
    for (int little = 0; little <= 1; little++) {
        jpeg(&x, true, little, true);
        assert_int_equal(imgmeta_probe(x.b, x.n, &m), 0);
        assert_int_equal(m.format, IMGMETA_JPEG);
        assert_int_equal(m.width, 640);
        assert_int_equal(m.height, 480);
        assert_true(m.has_exif);
        assert_true(m.has_exif_gps);
    }
}

static void test_jpeg_exif_without_gps_and_without_exif(void **state)
{
    (void)state;
    bytes_t x;
    imgmeta_t m;
    jpeg(&x, true, true, false);
    assert_int_equal(imgmeta_probe(x.b, x.n, &m), 0);
    assert_true(m.has_exif);
    assert_false(m.has_exif_gps);
    assert_int_equal(m.width, 640);
    jpeg(&x, false, true, false);
    assert_int_equal(imgmeta_probe(x.b, x.n, &m), 0);
    assert_false(m.has_exif);
    assert_false(m.has_exif_gps);
    assert_int_equal(m.height, 480);
    assert_string_equal(imgmeta_format_name(m.format), "jpeg");
}

static void test_tiff_hostile(void **state)
{
    (void)state;
    bytes_t t = {0};
    tiff(&t, true, true);
    assert_true(imgmeta_tiff_has_gps(t.b, t.n));
    /* the GPS entry cut off: not reported, no read past the end */
    assert_false(imgmeta_tiff_has_gps(t.b, 8 + 2 + 12 + 6));
    /* IFD offset out of range */
    unsigned char bad[] = {'I', 'I', '*', 0, 0xff, 0xff, 0xff, 0x7f, 0, 0};
    assert_false(imgmeta_tiff_has_gps(bad, sizeof(bad)));
    /* not TIFF */
    assert_false(imgmeta_tiff_has_gps((const unsigned char *)"XX*\0\x08\0\0\0", 8));
    assert_false(imgmeta_tiff_has_gps(NULL, 0));
    /* entry count claims more than present */
    bytes_t c = {0};
    put(&c, "MM\0*", 4);
    be32(&c, 8);
    be16(&c, 500);
    assert_false(imgmeta_tiff_has_gps(c.b, c.n));
}

static void chunk_png(bytes_t *x, const char *type, const bytes_t *data)
{
    be32(x, (uint32_t)data->n);
    put(x, type, 4);
    put(x, data->b, data->n);
    be32(x, 0); /* CRC is not checked by the probe */
}

static void test_png(void **state)
{
    (void)state;
    bytes_t x = {0}, d = {0};
    imgmeta_t m;
    put(&x, "\x89PNG\r\n\x1a\n", 8);
    be32(&d, 300);
    be32(&d, 200);
    put(&d, "\x08\x02\x00\x00\x00", 5);
    chunk_png(&x, "IHDR", &d);
    d.n = 0;
    tiff(&d, false, true);
    chunk_png(&x, "eXIf", &d);
    d.n = 0;
    chunk_png(&x, "IEND", &d);
    assert_int_equal(imgmeta_probe(x.b, x.n, &m), 0);
    assert_int_equal(m.format, IMGMETA_PNG);
    assert_int_equal(m.width, 300);
    assert_int_equal(m.height, 200);
    assert_true(m.has_exif_gps);
    /* truncated inside IHDR: recognised, no size */
    assert_int_equal(imgmeta_probe(x.b, 20, &m), 0);
    assert_int_equal(m.width, 0);
}

static void test_webp_gif_heif_unknown(void **state)
{
    (void)state;
    bytes_t x = {0};
    imgmeta_t m;
    put(&x, "RIFF", 4);
    le32(&x, 0);
    put(&x, "WEBP", 4);
    put(&x, "VP8X", 4);
    le32(&x, 10);
    put(&x, "\x08\0\0\0", 4);
    put(&x, "\x1f\x03\x00", 3); /* 799 -> width 800 */
    put(&x, "\x57\x02\x00", 3); /* 599 -> height 600 */
    bytes_t t = {0};
    tiff(&t, true, true);
    put(&x, "EXIF", 4);
    le32(&x, (uint32_t)t.n);
    put(&x, t.b, t.n);
    assert_int_equal(imgmeta_probe(x.b, x.n, &m), 0);
    assert_int_equal(m.format, IMGMETA_WEBP);
    assert_int_equal(m.width, 800);
    assert_int_equal(m.height, 600);
    assert_true(m.has_exif_gps);

    x.n = 0;
    put(&x, "RIFF\0\0\0\0WEBPVP8L", 16);
    le32(&x, 5);
    put8(&x, 0x2f);
    le32(&x, (uint32_t)((99u) | (49u << 14))); /* 100 x 50 */
    assert_int_equal(imgmeta_probe(x.b, x.n, &m), 0);
    assert_int_equal(m.width, 100);
    assert_int_equal(m.height, 50);
    assert_false(m.has_exif);

    assert_int_equal(imgmeta_probe((const unsigned char *)"GIF89a\x0a\x00\x14\x00", 10, &m), 0);
    assert_int_equal(m.format, IMGMETA_GIF);
    assert_int_equal(m.width, 10);
    assert_int_equal(m.height, 20);

    assert_int_equal(imgmeta_probe((const unsigned char *)"\0\0\0\x18"
                                                          "ftypheic\0\0\0\0",
                                   16, &m),
                     0);
    assert_int_equal(m.format, IMGMETA_HEIF);

    assert_int_equal(imgmeta_probe((const unsigned char *)"<svg xmlns=", 11, &m), -1);
    assert_int_equal(imgmeta_probe((const unsigned char *)"\xff\xd8", 2, &m), -1);
    assert_int_equal(imgmeta_probe(NULL, 0, &m), -1);
}

static void test_random_bytes_do_not_crash(void **state)
{
    (void)state;
    unsigned char buf[600];
    imgmeta_t m;
    srand(12345);
    static const char *const heads[] = {"\xff\xd8\xff", "\x89PNG\r\n\x1a\n", "RIFF\0\0\0\0WEBP"};
    for (int i = 0; i < 3000; i++) {
        size_t len = (size_t)(rand() % (int)sizeof(buf));
        for (size_t k = 0; k < len; k++)
            buf[k] = (unsigned char)rand();
        const char *h = heads[i % 3];
        size_t hl = i % 3 == 1 ? 8 : strlen(h) == 3 ? 3 : 12;
        if (len >= hl)
            memcpy(buf, h, hl);
        int rc = imgmeta_probe(buf, len, &m); /* ASan/UBSan watch the reads */
        assert_true(rc == 0 || rc == -1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jpeg_with_gps_little_and_big_endian),
        cmocka_unit_test(test_jpeg_exif_without_gps_and_without_exif),
        cmocka_unit_test(test_tiff_hostile),
        cmocka_unit_test(test_png),
        cmocka_unit_test(test_webp_gif_heif_unknown),
        cmocka_unit_test(test_random_bytes_do_not_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
