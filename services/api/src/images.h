/* Image intake for listings: a file the client uploaded (already streamed to a temporary
 * path) is identified by its bytes, stripped of its metadata (EXIF with GPS, XMP, IPTC,
 * comments) and stored under a generated name with a thumbnail beside it. The client's file
 * name and type are never trusted.
 *
 * A JPEG that is upright (EXIF Orientation 1 or none) and within max_edge is stripped on its
 * byte stream (common/jpeg_strip.h: metadata segments overwritten in place with fill bytes)
 * and stored without being decoded or copied; only its thumbnail is decoded, with
 * shrink-on-load. Anything else (rotated or oversized JPEG, PNG, WebP, HEIC,
 * a JPEG the stripper does not accept) is decoded with libvips, auto-rotated, capped and
 * re-encoded without metadata. All image work runs on a bounded pool of worker threads
 * with large stacks (image_worker.h), never on the request thread. */
#ifndef API_IMAGES_H
#define API_IMAGES_H

#include <stddef.h>
#include <stdint.h>

/* Longest edge of a thumbnail, px. */
#define IMAGE_THUMB_EDGE 400

typedef struct {
    int64_t max_bytes;  /* larger uploads are refused (413) */
    int max_edge;       /* longest edge of the stored image, px */
    int thumb_edge;     /* longest edge of the thumbnail, px */
    int64_t max_pixels; /* refuse decompression bombs before decoding */
} image_limits_t;

typedef struct {
    char name[64];         /* "<uuid>.jpg": the stored file under the upload dir */
    char thumb_name[72];   /* "<uuid>_thumb.jpg" */
    char content_type[16]; /* of the stored file: image/jpeg, image/png, image/webp */
    int width, height;     /* of the stored file */
    int64_t bytes;
    char sha256[65]; /* of the stored file */
} image_stored_t;

typedef enum {
    IMAGE_OK = 0,
    IMAGE_UNSUPPORTED, /* not JPEG/PNG/WebP/HEIC by its bytes: 415 */
    IMAGE_INVALID,     /* claims to be an image but does not decode, or too many pixels: 422 */
    IMAGE_TOO_LARGE,   /* over max_bytes: 413 */
    IMAGE_FAILED,      /* our side (disk, libvips): 500 */
} image_result_t;

/* Starts libvips and the image worker pool (one thread per core, at most 8) once per
 * process (argv0 for libvips' messages), and sets the process's allocator so that a burst of
 * uploads gives its memory back: two malloc arenas, a fixed mmap threshold, no libvips
 * cache, malloc_trim when the pool has been idle for a second. MALLOC_ARENA_MAX and
 * MALLOC_MMAP_THRESHOLD_ in the environment win. Returns 0 or -1. Not thread-safe: call
 * from main before any other thread starts. */
int images_init(const char *argv0) __attribute__((warn_unused_result));
void images_shutdown(void);

/* Processes src_path into upload_dir. On IMAGE_OK both files exist (written to temporary
 * names and renamed, or complete before they are linked, so a crash never leaves a
 * half-written stored file) and out is filled; on any other result nothing is left in
 * upload_dir and errstr says why in words a seller understands. src_path is not removed,
 * but a JPEG stored without decoding is changed in place (metadata blanked, trailing data
 * cut) and becomes the stored file by a hard link: the caller removes only its own name.
 * Thread-safe; runs on the calling thread, which needs a large stack (image_ingest_all). */
image_result_t image_ingest(const char *src_path, const char *upload_dir,
                            const image_limits_t *limits, image_stored_t *out, char *errstr,
                            size_t errstr_size);

/* image_ingest for n uploads side by side on the image worker pool; waits for all of them.
 * On IMAGE_OK out[0..n) are filled. Otherwise *failed is the index of the first upload that
 * failed, errstr says why, and nothing of the batch is left in upload_dir. Thread-safe;
 * needs images_init.
 *
 * Unlike image_ingest, the thumbnail of a JPEG stored without decoding is not made here:
 * decoding a 1 MB scan costs more than everything else a create does, even at 1/8 scale.
 * It is queued for a low-priority thread that makes it after the answer, and
 * image_thumbnail_ensure makes it on demand if it is asked for first. */
image_result_t image_ingest_all(const char *const *src_paths, size_t n, const char *upload_dir,
                                const image_limits_t *limits, image_stored_t *out, size_t *failed,
                                char *errstr, size_t errstr_size);

/* Makes "<stem>_thumb.jpg" in upload_dir from the stored "<stem>.jpg|png|webp" (shrink-on-
 * load, edge px on the longest side) on the calling thread, which needs a large stack.
 * Returns 0, or -1 when the name is not a thumbnail's, the image is not there or it does
 * not decode. Thread-safe. */
int image_thumbnail_make(const char *upload_dir, const char *thumb_name, int edge);

/* image_thumbnail_make on the image worker pool, waiting for it: for a request that asks
 * for a thumbnail not made yet. Thread-safe; needs images_init. */
int image_thumbnail_ensure(const char *upload_dir, const char *thumb_name, int edge);

/* Removes a stored image and its thumbnail (used when the transaction that would have
 * referenced them fails). Missing files are fine. */
void image_remove(const char *upload_dir, const char *name);

/* The HTTP status that goes with a result. */
int image_result_status(image_result_t r);

#endif
