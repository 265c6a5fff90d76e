/* Image intake (see images.h): sniff; a JPEG that needs neither rotating nor scaling is
 * stripped on its byte stream and stored as sent, everything else is decoded, rotated,
 * capped and re-encoded with libvips; a thumbnail is made with shrink-on-load. All of it
 * runs on the image worker pool. */
#include "images.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vips/vips.h>

#include "common/imgmeta.h"
#include "common/jpeg_strip.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "image_worker.h"

/* civetweb's workers run on small stacks (Debian builds civetweb with 100 KiB); libvips
 * decoding needs more. Only the touched part of a stack is resident. */
#define IMAGE_STACK_BYTES (16 * 1024 * 1024)
/* A burst of uploads is over when the pool has had nothing to do for this long. */
#define IMAGE_IDLE_MS 1000
#define IMAGE_MAX_WORKERS 8
/* Stored files as libvips writes them (0666 less the usual umask): a web server in front
 * may serve UPLOAD_DIR. */
#define STORED_MODE 0644
/* Thumbnails made after the request: one thread at a low priority, a bounded backlog. */
#define THUMB_NICE 10
#define THUMB_MAX_BACKLOG 4096
/* ... and only once uploads have paused this long: libvips decodes on its own worker
 * threads, which a nice value on ours does not reach, so waiting is what keeps thumbnails
 * from competing with creates for the CPU. */
#define THUMB_QUIET_MS 300

/* The pools are process-wide, as libvips' own state is: images_init and images_shutdown
 * bracket them in main. image_pool does the work a request waits for; thumb_pool makes the
 * thumbnails of stored JPEGs after the request has been answered. */
static image_pool_t *image_pool, *thumb_pool;
static _Atomic int64_t last_ingest_ms; /* when the last batch of uploads came in */
static atomic_bool images_stopping;

/* glibc keeps what a burst of uploads freed: one arena per thread that ever allocated (up
 * to 8 per core), and a mmap threshold that rises to the largest block freed (so the next
 * MB-sized image buffers come from, and stay in, the arenas). Two arenas and a fixed
 * threshold make image-sized blocks go back to the system at free(); malloc_trim returns
 * the arenas' free pages when the pool goes idle. Environment settings win. */
static void memory_limits_init(void)
{
    if (!getenv("MALLOC_ARENA_MAX"))
        mallopt(M_ARENA_MAX, 2);
    if (!getenv("MALLOC_MMAP_THRESHOLD_"))
        mallopt(M_MMAP_THRESHOLD, 256 * 1024);
}

static void images_trim(void)
{
    malloc_trim(0);
}

/* After each background thumbnail: the backlog of a burst takes a while to drain, and the
 * memory should not wait for it (a trim costs far less than the thumbnail). */
static void thumb_after_task(void)
{
    vips_thread_shutdown();
    malloc_trim(0);
}

int images_init(const char *argv0)
{
    atomic_store(&images_stopping, false);
    memory_limits_init();
    if (VIPS_INIT(argv0 ? argv0 : "byebuy-api") != 0)
        return -1;
    /* Requests are independent: an operation cache only holds file handles and memory. */
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    /* Parallelism comes from the pool (one image per worker), not from inside an image:
     * one libvips thread per pipeline keeps the thread count and their buffers bounded. */
    vips_concurrency_set(1);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    image_pool_options_t opts = {
        .workers = cpus < 1                   ? 1
                   : cpus > IMAGE_MAX_WORKERS ? IMAGE_MAX_WORKERS
                                              : (int)cpus,
        .stack_bytes = IMAGE_STACK_BYTES,
        .idle_ms = IMAGE_IDLE_MS,
        .on_idle = images_trim,
        .after_task = vips_thread_shutdown, /* frees this thread's libvips buffers */
    };
    char err[200];
    image_pool = image_pool_new(&opts, err, sizeof(err));
    opts.workers = 1;
    opts.nice = THUMB_NICE;
    opts.max_posted = THUMB_MAX_BACKLOG;
    opts.after_task = thumb_after_task;
    thumb_pool = image_pool ? image_pool_new(&opts, err, sizeof(err)) : NULL;
    if (!thumb_pool) {
        images_shutdown();
        return -1;
    }
    return 0;
}

void images_shutdown(void)
{
    atomic_store(&images_stopping, true);
    image_pool_free(thumb_pool);
    thumb_pool = NULL;
    image_pool_free(image_pool);
    image_pool = NULL;
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

/* Reads a whole file of the given size into a new buffer (NULL on error). */
static unsigned char *read_all(const char *path, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    unsigned char *buf = xmalloc(size ? size : 1);
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (got != size) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Writes buf to a temporary name beside path, then renames it into place. */
static int store_bytes(const char *path, const unsigned char *buf, size_t len)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.part", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, STORED_MODE);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, buf + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    if (close(fd) != 0 || off != len || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Gives the file at src the stored name dst too: a hard link (no copy) when both are on
 * one filesystem, as UPLOAD_DIR/.tmp and UPLOAD_DIR are; a copy otherwise. */
static int store_link(const char *src, const char *dst, size_t len)
{
    if (link(src, dst) == 0)
        return 0;
    if (errno != EXDEV && errno != EPERM)
        return -1;
    unsigned char *buf = read_all(src, len);
    int rc = buf ? store_bytes(dst, buf, len) : -1;
    free(buf);
    return rc;
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
    char tmp[4200];
    int rc = -1;
    /* per thread: a thumbnail may be made twice at once (after the commit and on demand) */
    snprintf(tmp, sizeof(tmp), "%s.%d.part", final_path, (int)gettid());
    VipsImage *out = NULL;
    /* vips_thumbnail applies the EXIF orientation and shrinks on load: a JPEG is decoded at
     * 1/2, 1/4 or 1/8 of its size when that still covers edge, never in full for less. */
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
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    /* Stored images are capped in size (max_edge), so reading one whole is bounded. */
    unsigned char *buf = read_all(path, (size_t)st.st_size);
    if (!buf)
        return -1;
    util_sha256_hex(buf, (size_t)st.st_size, hex);
    *bytes = (int64_t)st.st_size;
    free(buf);
    return 0;
}

static void join(char *out, size_t size, const char *dir, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

/* Names the stored file and its thumbnail, and fills in their paths. */
static void name_outputs(imgmeta_format_t store_fmt, const char *upload_dir, image_stored_t *out,
                         char path[4096], char thumb_path[4096])
{
    const char *ext = store_fmt == IMGMETA_PNG ? "png" : store_fmt == IMGMETA_WEBP ? "webp" : "jpg";
    const char *ctype = store_fmt == IMGMETA_PNG    ? "image/png"
                        : store_fmt == IMGMETA_WEBP ? "image/webp"
                                                    : "image/jpeg";
    char id[UUID_STR_LEN];
    util_uuid_v4(id);
    snprintf(out->name, sizeof(out->name), "%s.%s", id, ext);
    snprintf(out->thumb_name, sizeof(out->thumb_name), "%s_thumb.jpg", id);
    snprintf(out->content_type, sizeof(out->content_type), "%s", ctype);
    join(path, 4096, upload_dir, out->name);
    join(thumb_path, 4096, upload_dir, out->thumb_name);
}

/* Whether a stripped JPEG can be stored as sent: upright, within the size cap, and in a
 * form every browser and marketplace shows (8-bit Huffman baseline or progressive, grey,
 * colour or CMYK). Anything else is decoded and re-encoded. */
static bool jpeg_storable_as_is(const jpeg_info_t *info, const image_limits_t *limits)
{
    return info->orientation == 1 && info->width <= limits->max_edge &&
           info->height <= limits->max_edge && info->precision == 8 &&
           (info->sof == 0xC0 || info->sof == 0xC1 || info->sof == 0xC2) &&
           (info->components == 1 || info->components == 3 || info->components == 4);
}

/* The JPEG path without a decode. The upload is mapped, not read: jpeg_strip checks its
 * structure down to the end-of-image marker (a truncated file goes to the decode path and
 * fails there), jpeg_blank overwrites the metadata segments where they are (only those
 * pages are written), what follows the end-of-image marker is cut off, and the file gets
 * its stored name by a hard link. Unless the thumbnail is deferred, it is made with
 * shrink-on-load, which also decodes the scan data. Returns IMAGE_OK, IMAGE_INVALID (too
 * many pixels, or the thumbnail does not decode), IMAGE_FAILED, or -1 when the file must
 * take the decode path instead (then it is unchanged). */
static int ingest_jpeg_stream(const char *src_path, int64_t file_size, const char *upload_dir,
                              const image_limits_t *limits, bool defer_thumb, image_stored_t *out,
                              char *errstr, size_t errstr_size)
{
    size_t size = (size_t)file_size, len = 0;
    int fd = open(src_path, O_RDWR | O_CLOEXEC);
    unsigned char *map =
        fd < 0 ? MAP_FAILED
               : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
    jpeg_info_t info;
    int rc = IMAGE_FAILED;
    snprintf(errstr, errstr_size, "storing the image failed");
    if (map == MAP_FAILED)
        goto cleanup;
    if (jpeg_strip(map, size, NULL, &len, &info) != 0 || !jpeg_storable_as_is(&info, limits)) {
        rc = -1; /* libvips judges, rotates or scales it */
        goto cleanup;
    }
    if ((int64_t)info.width * info.height > limits->max_pixels) {
        snprintf(errstr, errstr_size, "the image has %lld pixels; the limit is %lld",
                 (long long)info.width * info.height, (long long)limits->max_pixels);
        rc = IMAGE_INVALID;
        goto cleanup;
    }
    if (jpeg_blank(map, size, &len, &info) != 0)
        goto cleanup;
    util_sha256_hex(map, len, out->sha256);
    munmap(map, size);
    map = MAP_FAILED;
    char path[4096], thumb_path[4096];
    name_outputs(IMGMETA_JPEG, upload_dir, out, path, thumb_path);
    if ((len < size && ftruncate(fd, (off_t)len) != 0) || fchmod(fd, STORED_MODE) != 0 ||
        store_link(src_path, path, len) != 0)
        goto cleanup;
    int tw = 0, th = 0;
    if (!defer_thumb && write_variant(path, limits->thumb_edge, IMGMETA_JPEG, thumb_path, &tw, &th,
                                      errstr, errstr_size) != 0) {
        unlink(path);
        rc = IMAGE_INVALID;
        goto cleanup;
    }
    out->width = info.width;
    out->height = info.height;
    out->bytes = (int64_t)len;
    rc = IMAGE_OK;
cleanup:
    if (map != MAP_FAILED)
        munmap(map, size);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* The decode path: the stored image and then its thumbnail (from the stored image, which is
 * already upright and capped) re-encoded by libvips. */
static image_result_t ingest_decoded(const char *src_path, imgmeta_format_t fmt,
                                     const char *upload_dir, const image_limits_t *limits,
                                     image_stored_t *out, char *errstr, size_t errstr_size)
{
    /* Decompression bombs: ask libvips for the header only before decoding pixels. */
    VipsImage *probe = vips_image_new_from_file(src_path, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (!probe) {
        vips_error_clear();
        snprintf(errstr, errstr_size, "the %s image is damaged and could not be decoded",
                 imgmeta_format_name(fmt));
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
    imgmeta_format_t store_fmt = fmt == IMGMETA_HEIF ? IMGMETA_JPEG : fmt;
    char path[4096], thumb_path[4096];
    name_outputs(store_fmt, upload_dir, out, path, thumb_path);
    int tw = 0, th = 0;
    if (write_variant(src_path, limits->max_edge, store_fmt, path, &out->width, &out->height,
                      errstr, errstr_size) != 0)
        return IMAGE_INVALID;
    if (write_variant(path, limits->thumb_edge, IMGMETA_JPEG, thumb_path, &tw, &th, errstr,
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

/* image_ingest; with defer_thumb, an upright JPEG's thumbnail is left to the caller, and
 * *deferred says whether that happened. */
static image_result_t ingest_one(const char *src_path, const char *upload_dir,
                                 const image_limits_t *limits, bool defer_thumb, bool *deferred,
                                 image_stored_t *out, char *errstr, size_t errstr_size)
{
    unsigned char head[4096];
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
        snprintf(errstr, errstr_size,
                 "not a JPEG, PNG, WebP or HEIC image (checked by its "
                 "content, not its name)");
        return IMAGE_UNSUPPORTED;
    }
    if (meta.format == IMGMETA_JPEG) {
        int rc = ingest_jpeg_stream(src_path, file_size, upload_dir, limits, defer_thumb, out,
                                    errstr, errstr_size);
        if (rc >= 0) {
            *deferred = defer_thumb && rc == IMAGE_OK;
            return (image_result_t)rc;
        }
        memset(out, 0, sizeof(*out));
    }
    return ingest_decoded(src_path, meta.format, upload_dir, limits, out, errstr, errstr_size);
}

image_result_t image_ingest(const char *src_path, const char *upload_dir,
                            const image_limits_t *limits, image_stored_t *out, char *errstr,
                            size_t errstr_size)
{
    bool deferred = false;
    return ingest_one(src_path, upload_dir, limits, false, &deferred, out, errstr, errstr_size);
}

/* The stored image behind "<stem>_thumb.jpg": "<stem>.jpg", ".png" or ".webp". */
static int thumb_source(const char *upload_dir, const char *thumb_name, char *path, size_t size)
{
    static const char *const exts[] = {"jpg", "png", "webp"};
    size_t n = strlen(thumb_name), suffix = strlen("_thumb.jpg");
    if (n <= suffix || strcmp(thumb_name + n - suffix, "_thumb.jpg") != 0)
        return -1;
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        snprintf(path, size, "%s/%.*s.%s", upload_dir, (int)(n - suffix), thumb_name, exts[i]);
        if (access(path, R_OK) == 0)
            return 0;
    }
    return -1;
}

int image_thumbnail_make(const char *upload_dir, const char *thumb_name, int edge)
{
    char src[4200], thumb[4096], err[200];
    if (strchr(thumb_name, '/') || thumb_source(upload_dir, thumb_name, src, sizeof(src)) != 0)
        return -1;
    join(thumb, sizeof(thumb), upload_dir, thumb_name);
    int w = 0, h = 0;
    if (write_variant(src, edge, IMGMETA_JPEG, thumb, &w, &h, err, sizeof(err)) != 0)
        return -1;
    if (access(src, F_OK) != 0) {
        unlink(thumb); /* the image went (a failed transaction) while this was made */
        return -1;
    }
    return 0;
}

/* A thumbnail to make; allocated to its strings' size, as thousands may wait. */
typedef struct {
    int edge;
    int rc;
    const char *thumb_name; /* in paths, after upload_dir */
    char paths[];           /* upload_dir NUL thumb_name NUL */
} thumb_task_t;

static thumb_task_t *thumb_task_new(const char *upload_dir, const char *thumb_name, int edge)
{
    size_t dlen = strlen(upload_dir), nlen = strlen(thumb_name);
    thumb_task_t *t = xmalloc(sizeof(*t) + dlen + nlen + 2);
    t->edge = edge;
    t->rc = -1;
    memcpy(t->paths, upload_dir, dlen + 1);
    memcpy(t->paths + dlen + 1, thumb_name, nlen + 1);
    t->thumb_name = t->paths + dlen + 1;
    return t;
}

static void thumb_task(void *arg)
{
    thumb_task_t *t = arg;
    t->rc = image_thumbnail_make(t->paths, t->thumb_name, t->edge);
}

static void thumb_task_posted(void *arg)
{
    while (!atomic_load(&images_stopping) &&
           util_now_ms() - atomic_load(&last_ingest_ms) < THUMB_QUIET_MS)
        util_sleep_ms(THUMB_QUIET_MS / 3, NULL);
    if (!atomic_load(&images_stopping))
        thumb_task(arg);
    free(arg);
}

int image_thumbnail_ensure(const char *upload_dir, const char *thumb_name, int edge)
{
    thumb_task_t *t = thumb_task_new(upload_dir, thumb_name, edge);
    void *args[1] = {t};
    image_pool_run(image_pool, thumb_task, args, 1);
    int rc = t->rc;
    free(t);
    return rc;
}

/* Queues the thumbnail of a stored image for after the request. A full backlog drops it:
 * image_thumbnail_ensure makes it when it is first asked for. */
static void thumb_post(const char *upload_dir, const char *thumb_name, int edge)
{
    thumb_task_t *t = thumb_task_new(upload_dir, thumb_name, edge);
    if (image_pool_post(thumb_pool, thumb_task_posted, t) != 0)
        free(t);
}

typedef struct {
    const char *src;
    const char *upload_dir;
    const image_limits_t *limits;
    image_stored_t *out;
    bool thumb_deferred;
    char err[300];
    image_result_t result;
} ingest_task_t;

static void ingest_task(void *arg)
{
    ingest_task_t *t = arg;
    t->result = ingest_one(t->src, t->upload_dir, t->limits, true, &t->thumb_deferred, t->out,
                           t->err, sizeof(t->err));
}

image_result_t image_ingest_all(const char *const *src_paths, size_t n, const char *upload_dir,
                                const image_limits_t *limits, image_stored_t *out, size_t *failed,
                                char *errstr, size_t errstr_size)
{
    ingest_task_t *tasks = xcalloc(n ? n : 1, sizeof(*tasks));
    void **args = xcalloc(n ? n : 1, sizeof(*args));
    for (size_t i = 0; i < n; i++) {
        tasks[i] = (ingest_task_t){.src = src_paths[i],
                                   .upload_dir = upload_dir,
                                   .limits = limits,
                                   .out = &out[i],
                                   .result = IMAGE_FAILED};
        args[i] = &tasks[i];
    }
    atomic_store(&last_ingest_ms, util_now_ms());
    image_pool_run(image_pool, ingest_task, args, n);
    image_result_t result = IMAGE_OK;
    for (size_t i = 0; i < n && result == IMAGE_OK; i++) {
        if (tasks[i].result != IMAGE_OK) {
            result = tasks[i].result;
            *failed = i;
            snprintf(errstr, errstr_size, "%s", tasks[i].err);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (result != IMAGE_OK && tasks[i].result == IMAGE_OK)
            image_remove(upload_dir, out[i].name);
        else if (result == IMAGE_OK && tasks[i].thumb_deferred)
            thumb_post(upload_dir, out[i].thumb_name, limits->thumb_edge);
    }
    free(args);
    free(tasks);
    return result;
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
