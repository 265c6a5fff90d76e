/* Unit tests of image intake: real libvips on images made here, including a JPEG carrying
 * EXIF orientation and a GPS block, HTML named .jpg, a truncated JPEG and an oversized file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <vips/vips.h>

#include "common/imgmeta.h"
#include "common/jpeg_strip.h"
#include "images.h"

static char dir[] = "/tmp/bb-test-images-XXXXXX";
static const image_limits_t limits = {
    .max_bytes = 5 * 1024 * 1024, .max_edge = 64, .thumb_edge = 16, .max_pixels = 40000000};

static void put_le16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)(v >> 8);
}

static void put_le32(unsigned char *p, unsigned v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Writes a w x h JPEG (noise, so the scan data is real work) with an APP1 EXIF block: IFD0
 * = Orientation and a GPSInfo pointer to an empty GPS IFD, as a phone photo would carry,
 * and a comment after it. */
static void write_jpeg_exif(const char *path, int w, int h, unsigned orientation)
{
    VipsImage *img = NULL;
    void *buf = NULL;
    size_t len = 0;
    assert_int_equal(vips_gaussnoise(&img, w, h, NULL), 0);
    assert_int_equal(vips_jpegsave_buffer(img, &buf, &len, "strip", TRUE, NULL), 0);
    g_object_unref(img);

    unsigned char tiff[64] = {'I', 'I', 42, 0};
    put_le32(tiff + 4, 8);       /* IFD0 at 8 */
    put_le16(tiff + 8, 2);       /* two entries */
    put_le16(tiff + 10, 0x0112); /* Orientation SHORT 1 */
    put_le16(tiff + 12, 3);
    put_le32(tiff + 14, 1);
    put_le16(tiff + 18, orientation);
    put_le16(tiff + 22, 0x8825); /* GPSInfo LONG 1 -> 38 */
    put_le16(tiff + 24, 4);
    put_le32(tiff + 26, 1);
    put_le32(tiff + 30, 38);
    put_le32(tiff + 34, 0); /* no next IFD */
    put_le16(tiff + 38, 0); /* GPS IFD: no entries */
    put_le32(tiff + 40, 0);
    size_t tiff_len = 44;

    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    unsigned char *jpg = buf;
    fwrite(jpg, 1, 2, f); /* SOI */
    unsigned seglen = (unsigned)(2 + 6 + tiff_len);
    unsigned char app1[4] = {0xff, 0xe1, (unsigned char)(seglen >> 8), (unsigned char)seglen};
    fwrite(app1, 1, 4, f);
    fwrite("Exif\0\0", 1, 6, f);
    fwrite(tiff, 1, tiff_len, f);
    fwrite("\xff\xfe\x00\x0eshot by me!!", 1, 16, f); /* COM: 2 + 12 bytes */
    fwrite(jpg + 2, 1, len - 2, f);
    fclose(f);
    g_free(buf);
}

/* Orientation 6 (rotate 90): the decode path. */
static void write_jpeg_with_gps(const char *path, int w, int h)
{
    write_jpeg_exif(path, w, h, 6);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    unsigned char *buf = malloc((size_t)n);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void read_meta(const char *path, imgmeta_t *meta)
{
    static unsigned char buf[1 << 20];
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    assert_int_equal(imgmeta_probe(buf, n, meta), 0);
}

static char *path_in(const char *name)
{
    static char p[512];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    return p;
}

static void test_jpeg_is_rotated_capped_and_stripped(void **state)
{
    (void)state;
    char src[512];
    snprintf(src, sizeof(src), "%s", path_in("phone.jpg"));
    write_jpeg_with_gps(src, 200, 100);
    imgmeta_t before;
    read_meta(src, &before);
    assert_true(before.has_exif_gps);

    image_stored_t st;
    char err[256] = "";
    assert_int_equal(image_ingest(src, dir, &limits, &st, err, sizeof(err)), IMAGE_OK);
    assert_string_equal(st.content_type, "image/jpeg");
    /* orientation 6 turns 200x100 into portrait, then capped to 64 on the long edge */
    assert_int_equal(st.width, 32);
    assert_int_equal(st.height, 64);
    assert_int_equal(strlen(st.sha256), 64);
    assert_true(st.bytes > 0);

    imgmeta_t after;
    read_meta(path_in(st.name), &after);
    assert_int_equal(after.format, IMGMETA_JPEG);
    assert_false(after.has_exif);
    assert_false(after.has_exif_gps);
    struct stat sb;
    assert_int_equal(stat(path_in(st.thumb_name), &sb), 0);

    image_remove(dir, st.name);
    assert_int_not_equal(stat(path_in(st.name), &sb), 0);
    assert_int_not_equal(stat(path_in(st.thumb_name), &sb), 0);
}

static void test_png_stays_png(void **state)
{
    (void)state;
    VipsImage *img = NULL;
    assert_int_equal(vips_black(&img, 10, 20, "bands", 4, NULL), 0);
    assert_int_equal(vips_pngsave(img, path_in("a.png"), NULL), 0);
    g_object_unref(img);
    image_stored_t st;
    char err[256];
    assert_int_equal(image_ingest(path_in("a.png"), dir, &limits, &st, err, sizeof(err)), IMAGE_OK);
    assert_string_equal(st.content_type, "image/png");
    assert_int_equal(st.width, 10);
    assert_int_equal(st.height, 20); /* never enlarged */
    image_remove(dir, st.name);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(data, 1, len, f);
    fclose(f);
}

static size_t count_files(void)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "ls -1 %s | wc -l", dir);
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    assert_int_equal(fscanf(p, "%zu", &n), 1);
    pclose(p);
    return n;
}

static void test_html_named_jpg_is_refused(void **state)
{
    (void)state;
    const char *html = "<html><script>alert(1)</script></html>";
    write_file(path_in("evil.jpg"), html, strlen(html));
    const char *svg = "<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>";
    write_file(path_in("evil2.jpg"), svg, strlen(svg));
    size_t before = count_files();
    image_stored_t st;
    char err[256];
    assert_int_equal(image_ingest(path_in("evil.jpg"), dir, &limits, &st, err, sizeof(err)),
                     IMAGE_UNSUPPORTED);
    assert_int_equal(image_ingest(path_in("evil2.jpg"), dir, &limits, &st, err, sizeof(err)),
                     IMAGE_UNSUPPORTED);
    assert_int_equal(image_result_status(IMAGE_UNSUPPORTED), 415);
    assert_int_equal(count_files(), before); /* nothing stored */
}

static void test_truncated_jpeg_is_invalid_and_leaves_nothing(void **state)
{
    (void)state;
    write_jpeg_with_gps(path_in("full.jpg"), 300, 300);
    FILE *f = fopen(path_in("full.jpg"), "rb");
    unsigned char buf[400];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    write_file(path_in("cut.jpg"), buf, n / 2 + 40);
    size_t before = count_files();
    image_stored_t st;
    char err[256];
    image_result_t r = image_ingest(path_in("cut.jpg"), dir, &limits, &st, err, sizeof(err));
    assert_int_equal(r, IMAGE_INVALID);
    assert_int_equal(count_files(), before);

    /* cut inside the entropy-coded data: headers decode, pixels do not */
    VipsImage *img = NULL;
    assert_int_equal(vips_gaussnoise(&img, 400, 400, NULL), 0);
    assert_int_equal(vips_jpegsave(img, path_in("noise.jpg"), "Q", 95, NULL), 0);
    g_object_unref(img);
    static unsigned char big[1 << 20];
    f = fopen(path_in("noise.jpg"), "rb");
    n = fread(big, 1, sizeof(big), f);
    fclose(f);
    write_file(path_in("cut2.jpg"), big, n * 2 / 3);
    r = image_ingest(path_in("cut2.jpg"), dir, &limits, &st, err, sizeof(err));
    assert_int_equal(r, IMAGE_INVALID);
    assert_int_equal(count_files(), before + 2);
}

static void test_too_large_is_refused_before_decoding(void **state)
{
    (void)state;
    write_jpeg_with_gps(path_in("big.jpg"), 50, 50);
    FILE *f = fopen(path_in("big.jpg"), "ab");
    static unsigned char pad[1 << 20];
    for (int i = 0; i < 6; i++)
        fwrite(pad, 1, sizeof(pad), f);
    fclose(f);
    image_stored_t st;
    char err[256];
    assert_int_equal(image_ingest(path_in("big.jpg"), dir, &limits, &st, err, sizeof(err)),
                     IMAGE_TOO_LARGE);
    assert_non_null(strstr(err, "limit"));
}

static const image_limits_t roomy = {
    .max_bytes = 5 * 1024 * 1024, .max_edge = 2048, .thumb_edge = 100, .max_pixels = 40000000};

/* Upright and within the cap: stored as sent minus the metadata segments, not re-encoded. */
static void test_upright_jpeg_is_stripped_without_reencoding(void **state)
{
    (void)state;
    char src[512];
    snprintf(src, sizeof(src), "%s", path_in("upright.jpg"));
    write_jpeg_exif(src, 300, 200, 1);
    size_t in_len = 0, want_len = 0, got_len = 0;
    unsigned char *in = slurp(src, &in_len);
    unsigned char *want = malloc(in_len);
    jpeg_info_t info;
    assert_int_equal(jpeg_strip(in, in_len, want, &want_len, &info), 0);
    assert_true(want_len < in_len);

    image_stored_t st;
    char err[256] = "";
    assert_int_equal(image_ingest(src, dir, &roomy, &st, err, sizeof(err)), IMAGE_OK);
    assert_int_equal(st.width, 300);
    assert_int_equal(st.height, 200);
    unsigned char *got = slurp(path_in(st.name), &got_len);
    assert_int_equal(st.bytes, (int64_t)got_len);
    assert_int_equal(got_len, in_len); /* blanked where it was, not moved */
    /* less the fill bytes that replaced the metadata: the stream as sent, not re-encoded */
    unsigned char *compact = malloc(got_len);
    size_t compact_len = 0;
    assert_int_equal(jpeg_strip(got, got_len, compact, &compact_len, &info), 0);
    assert_int_equal(info.removed, want_len < in_len ? in_len - want_len : 0);
    assert_int_equal(compact_len, want_len);
    assert_memory_equal(compact, want, want_len);
    free(compact);
    imgmeta_t after;
    read_meta(path_in(st.name), &after);
    assert_false(after.has_exif);
    assert_null(memmem(got, got_len, "shot by me", 10));
    /* the thumbnail: shrunk, upright */
    VipsImage *thumb = vips_image_new_from_file(path_in(st.thumb_name), NULL);
    assert_non_null(thumb);
    assert_int_equal(vips_image_get_width(thumb), 100);
    assert_int_equal(vips_image_get_height(thumb), 67);
    g_object_unref(thumb);
    image_remove(dir, st.name);
    free(in);
    free(want);
    free(got);
}

/* Within the cap but cut inside the scan data: the thumbnail decode catches it. */
static void test_truncated_upright_jpeg_is_invalid(void **state)
{
    (void)state;
    write_jpeg_exif(path_in("whole.jpg"), 400, 300, 1);
    size_t n = 0;
    unsigned char *buf = slurp(path_in("whole.jpg"), &n);
    write_file(path_in("cut3.jpg"), buf, n * 2 / 3);
    free(buf);
    size_t before = count_files();
    image_stored_t st;
    char err[256];
    assert_int_equal(image_ingest(path_in("cut3.jpg"), dir, &roomy, &st, err, sizeof(err)),
                     IMAGE_INVALID);
    assert_int_equal(count_files(), before);
}

/* A batch on the worker pool: all stored, or (one bad) none left and the bad one named. */
static void test_ingest_all_is_all_or_nothing(void **state)
{
    (void)state;
    write_jpeg_exif(path_in("b0.jpg"), 120, 80, 1);
    write_jpeg_exif(path_in("b1.jpg"), 120, 80, 3); /* upside down: decoded */
    write_file(path_in("b2.jpg"), "<html></html>", 13);
    char p0[512], p1[512], p2[512];
    snprintf(p0, sizeof(p0), "%s", path_in("b0.jpg"));
    snprintf(p1, sizeof(p1), "%s", path_in("b1.jpg"));
    snprintf(p2, sizeof(p2), "%s", path_in("b2.jpg"));
    const char *good[2] = {p0, p1};
    const char *bad[3] = {p0, p2, p1};
    size_t before = count_files();
    image_stored_t st[3];
    size_t failed = 99;
    char err[256];
    assert_int_equal(image_ingest_all(bad, 3, dir, &roomy, st, &failed, err, sizeof(err)),
                     IMAGE_UNSUPPORTED);
    assert_int_equal(failed, 1);
    assert_int_equal(count_files(), before);
    assert_int_equal(image_ingest_all(good, 2, dir, &roomy, st, &failed, err, sizeof(err)),
                     IMAGE_OK);
    assert_int_equal(st[0].width, 120);
    assert_int_equal(st[1].width, 120);
    assert_string_not_equal(st[0].name, st[1].name);
    /* the upright one's thumbnail comes from the thumbnail thread, after the return */
    struct stat sb;
    for (int i = 0; i < 500 && stat(path_in(st[0].thumb_name), &sb) != 0; i++)
        usleep(10 * 1000);
    assert_int_equal(stat(path_in(st[0].thumb_name), &sb), 0);
    assert_int_equal(stat(path_in(st[1].thumb_name), &sb), 0);
    image_remove(dir, st[0].name);
    image_remove(dir, st[1].name);
    assert_int_equal(count_files(), before);
}

/* A thumbnail asked for before it was made: made on demand from the stored image. */
static void test_thumbnail_on_demand(void **state)
{
    (void)state;
    write_jpeg_exif(path_in("od.jpg"), 300, 200, 1);
    image_stored_t st;
    char err[256];
    assert_int_equal(image_ingest(path_in("od.jpg"), dir, &roomy, &st, err, sizeof(err)), IMAGE_OK);
    assert_int_equal(unlink(path_in(st.thumb_name)), 0);
    assert_int_equal(image_thumbnail_ensure(dir, st.thumb_name, 50), 0);
    VipsImage *thumb = vips_image_new_from_file(path_in(st.thumb_name), NULL);
    assert_non_null(thumb);
    assert_int_equal(vips_image_get_width(thumb), 50);
    g_object_unref(thumb);
    /* not a thumbnail's name, no such image, a path */
    assert_int_equal(image_thumbnail_ensure(dir, st.name, 50), -1);
    assert_int_equal(image_thumbnail_ensure(dir, "0000_thumb.jpg", 50), -1);
    assert_int_equal(image_thumbnail_make(dir, "../x_thumb.jpg", 50), -1);
    image_remove(dir, st.name);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    return images_init("test_images");
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jpeg_is_rotated_capped_and_stripped),
        cmocka_unit_test(test_png_stays_png),
        cmocka_unit_test(test_html_named_jpg_is_refused),
        cmocka_unit_test(test_truncated_jpeg_is_invalid_and_leaves_nothing),
        cmocka_unit_test(test_too_large_is_refused_before_decoding),
        cmocka_unit_test(test_upright_jpeg_is_stripped_without_reencoding),
        cmocka_unit_test(test_truncated_upright_jpeg_is_invalid),
        cmocka_unit_test(test_ingest_all_is_all_or_nothing),
        cmocka_unit_test(test_thumbnail_on_demand),
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    images_shutdown();
    return failed;
}
