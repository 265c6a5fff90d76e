/* The upload sweeper: files in UPLOAD_DIR that no row names are removed.
 *
 * A create or add-images request stores its images and thumbnails before its transaction
 * commits (domain/image_intake.c); a process killed in between (kill -9, OOM, power) leaves
 * them behind with no row, and a crash inside images.c leaves its "*.part" files. tx.c removes
 * the files of a transaction that aborts, but nothing runs after a SIGKILL. So at start-up,
 * and then every UPLOAD_SWEEP_MIN_AGE_S, the sweeper removes:
 *   - "<uuid>.jpg|png|webp" and "<uuid>_thumb.jpg" that no listing_images row names
 *     (stored_name or thumb_name), and
 *   - "*.part" files,
 * both only when older than UPLOAD_SWEEP_MIN_AGE_S (by mtime): a file of a request still in
 * flight, here or in another api sharing the directory, is younger than that. Screenshots
 * ("poster-*", named by job_logs rows only once their posting.log event is applied) and
 * anything else are never touched. The first pass looks at every file; later passes only at
 * files that became old enough since the previous one. */
#pragma once

#include <stddef.h>

struct app;

typedef struct {
    int scanned; /* files old enough that were looked at */
    int removed;
} upload_sweep_stats_t;

/* One pass over the files whose mtime lies in [since_s, before_s) (since_s 0: every file).
 * Returns 0, or -1 when the database could not be asked (nothing removed; errstr says why). */
int upload_sweep_once(struct app *app, long long since_s, long long before_s,
                      upload_sweep_stats_t *stats, char *errstr, size_t errstr_size);

/* Starts the sweeper thread (first pass at once); it stops with app->workers_stop. */
int upload_sweeper_start(struct app *app, char *errstr, size_t errstr_size);
void upload_sweeper_join(struct app *app);
