/* Image intake with libvips (see images.h): sniff, decode, rotate, cap, strip, store. */
#include "images.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vips/vips.h>

#include "common/imgmeta.h"
#include "common/util.h"
#include "common/xmalloc.h"

int images_init(const char *argv0)
{
    if (VIPS_INIT(argv0 ? argv0 : "byebuy-api") != 0)
        return -1;
    /* Requests are independent: an operation cache only holds file handles and memory. */
    vips_cache_set_max(0);
    return 0;
}

void images_shutdown(void)
{
    vips_shutdown();
}

int image_result_status(image_result_t r)
{
    switch (r) {
    case IMAGE_OK:
        return 200;
    case IMAGE_UNSUPPORTED:
        return 415;
    case IMAGE_INVALID:
        return 422;
    case IMAGE_TOO_LARGE:
        return 413;
    case IMAGE_FAILED:
        break;
    }
    return 500;
}

/* Reads the first bytes of a file: enough for the magic numbers and most headers. */
static ssize_t read_head(const char *path, unsigned char *buf, size_t size, int64_t *file_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return -1;
    }
    *file_size = st.st_size;
    ssize_t n = read(fd, buf, size);
    close(fd);
    return n;
}

/* Writes img to path by its format, with every metadata block stripped. */
static int save_stripped(VipsImage *img, const char *path, imgmeta_format_t fmt)
{
    switch (fmt) {
    case IMGMETA_PNG:
        return vips_pngsave(img, path, "strip", TRUE, "compression", 6, NULL);
    case IMGMETA_WEBP:
        return vips_webpsave(img, path, "strip", TRUE, "Q", 82, NULL);
    default:
        return vips_jpegsave(img, path, "strip", TRUE, "Q", 85, "optimize_coding", TRUE,
                             "interlace", TRUE, NULL);
    }
}

/* Makes a resized (never enlarged), auto-rotated copy of src and saves it stripped to a
 * temporary name beside final_path, then renames it into place. */
static int write_variant(const char *src_path, int edge, imgmeta_format_t fmt,
                         const char *final_path, int *width, int *height, char *errstr,
                         size_t errstr_size)
{
    VipsImage *out = NULL;
    char tmp[4200];
    int rc = -1;
    snprintf(tmp, sizeof(tmp), "%s.part", final_path);
    /* vips_thumbnail applies the EXIF orientation and shrinks on load (cheap for JPEG). */
    if (vips_thumbnail(src_path, &out, edge, "height", edge, "size", VIPS_SIZE_DOWN, "fail_on",
                       VIPS_FAIL_ON_TRUNCATED, NULL) != 0) {
        snprintf(errstr, errstr_size, "the image could not be decoded");
        goto cleanup;
    }
    /* PNG keeps alpha; JPEG cannot: flatten onto white. */
    if (fmt != IMGMETA_PNG && fmt != IMGMETA_WEBP && vips_image_hasalpha(out)) {
        VipsImage *flat = NULL;
        VipsArrayDouble *white = vips_array_double_newv(1, 255.0);
        int frc = vips_flatten(out, &flat, "background", white, NULL);
        vips_area_unref(VIPS_AREA(white));
        if (frc != 0) {
            snprintf(errstr, errstr_size, "the image could not be converted");
            goto cleanup;
        }
        g_object_unref(out);
        out = flat;
    }
    if (save_stripped(out, tmp, fmt) != 0) {
        snprintf(errstr, errstr_size, "the image could not be re-encoded");
        goto cleanup;
    }
    if (rename(tmp, final_path) != 0) {
        snprintf(errstr, errstr_size, "storing the image failed: %s", strerror(errno));
        goto cleanup;
    }
    *width = vips_image_get_width(out);
    *height = vips_image_get_height(out);
    rc = 0;
cleanup:
    if (rc != 0) {
        unlink(tmp);
        vips_error_clear();
    }
    if (out)
        g_object_unref(out);
    return rc;
}

static int sha256_file(const char *path, char hex[65], int64_t *bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return -1;
    }
    long size = ftell(f);
    rewind(f);
    if (size < 0) {
        fclose(f);
        return -1;
    }
    /* Stored images are capped in size (max_edge), so reading one whole is bounded. */
    unsigned char *buf = xmalloc((size_t)size + 1);
    size_t got = fread(buf, 1, (size_t)size, f);
    fclose(f);
    if (got != (size_t)size) {
        free(buf);
        return -1;
    }
    util_sha256_hex(buf, got, hex);
    *bytes = (int64_t)got;
    free(buf);
    return 0;
}

static void join(char *out, size_t size, const char *dir, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

image_result_t image_ingest(const char *src_path, const char *upload_dir,
                            const image_limits_t *limits, image_stored_t *out, char *errstr,
                            size_t errstr_size)
{
    unsigned char head[64 * 1024];
    int64_t file_size = 0;
    imgmeta_t meta;
    memset(out, 0, sizeof(*out));

    ssize_t n = read_head(src_path, head, sizeof(head), &file_size);
    if (n < 0) {
        snprintf(errstr, errstr_size, "the upload could not be read");
        return IMAGE_FAILED;
    }
    if (file_size > limits->max_bytes) {
        snprintf(errstr, errstr_size, "the image is %lld bytes; the limit is %lld bytes",
                 (long long)file_size, (long long)limits->max_bytes);
        return IMAGE_TOO_LARGE;
    }
    if (imgmeta_probe(head, (size_t)n, &meta) != 0 || meta.format == IMGMETA_GIF) {
        snprintf(errstr, errstr_size, "not a JPEG, PNG, WebP or HEIC image (checked by its "
                                      "content, not its name)");
        return IMAGE_UNSUPPORTED;
    }

    /* Decompression bombs: ask libvips for the header only before decoding pixels. */
    VipsImage *probe = vips_image_new_from_file(src_path, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (!probe) {
        vips_error_clear();
        snprintf(errstr, errstr_size, "the %s image is damaged and could not be decoded",
                 imgmeta_format_name(meta.format));
        return IMAGE_INVALID;
    }
    int64_t pixels = (int64_t)vips_image_get_width(probe) * vips_image_get_height(probe);
    g_object_unref(probe);
    if (pixels > limits->max_pixels) {
        snprintf(errstr, errstr_size, "the image has %lld pixels; the limit is %lld",
                 (long long)pixels, (long long)limits->max_pixels);
        return IMAGE_INVALID;
    }

    /* HEIC is stored as JPEG: browsers and marketplaces take JPEG everywhere. */
    imgmeta_format_t store_fmt = meta.format == IMGMETA_HEIF ? IMGMETA_JPEG : meta.format;
    const char *ext = store_fmt == IMGMETA_PNG ? "png" : store_fmt == IMGMETA_WEBP ? "webp" : "jpg";
    const char *ctype = store_fmt == IMGMETA_PNG    ? "image/png"
                        : store_fmt == IMGMETA_WEBP ? "image/webp"
                                                    : "image/jpeg";
    char id[UUID_STR_LEN];
    util_uuid_v4(id);
    snprintf(out->name, sizeof(out->name), "%s.%s", id, ext);
    snprintf(out->thumb_name, sizeof(out->thumb_name), "%s_thumb.jpg", id);
    snprintf(out->content_type, sizeof(out->content_type), "%s", ctype);

    char path[4096], thumb_path[4096];
    join(path, sizeof(path), upload_dir, out->name);
    join(thumb_path, sizeof(thumb_path), upload_dir, out->thumb_name);
    int tw = 0, th = 0;
    if (write_variant(src_path, limits->max_edge, store_fmt, path, &out->width, &out->height,
                      errstr, errstr_size) != 0)
        return IMAGE_INVALID;
    if (write_variant(src_path, limits->thumb_edge, IMGMETA_JPEG, thumb_path, &tw, &th, errstr,
                      errstr_size) != 0) {
        unlink(path);
        return IMAGE_INVALID;
    }
    if (sha256_file(path, out->sha256, &out->bytes) != 0) {
        snprintf(errstr, errstr_size, "reading back the stored image failed");
        unlink(path);
        unlink(thumb_path);
        return IMAGE_FAILED;
    }
    return IMAGE_OK;
}

void image_remove(const char *upload_dir, const char *name)
{
    char path[4096];
    if (!name || !*name)
        return;
    join(path, sizeof(path), upload_dir, name);
    unlink(path);
    /* the thumbnail: "<uuid>_thumb.jpg" beside "<uuid>.<ext>" */
    const char *dot = strrchr(name, '.');
    size_t stem = dot ? (size_t)(dot - name) : strlen(name);
    snprintf(path, sizeof(path), "%s/%.*s_thumb.jpg", upload_dir, (int)stem, name);
    unlink(path);
}
