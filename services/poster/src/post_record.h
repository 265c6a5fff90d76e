/* What the poster published, per job (issue 11 finding 5): a small JSON file per job under
 * <WORK_DIR>/posted/<platform>-<account>/job-<id>.json, written "submitting" before the first
 * click that may post and "posted" with the listing's URL after it. A redelivered job is
 * matched on its own record, never on title and price: a posted record answers at once; a
 * submitting one tells the recipe to look for what the interrupted attempt may have posted,
 * skipping every URL other jobs recorded. Files are written atomically (temp, fsync,
 * rename). The records live on this host: a redelivery to a poster with another WORK_DIR
 * does not see them (README). */
#ifndef POSTER_POST_RECORD_H
#define POSTER_POST_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    bool found;  /* a record exists */
    bool posted; /* "posted": external_url is set; else "submitting" */
    char *external_url;
    char *external_id;
} post_record_t;

typedef struct {
    const char *work_dir;
    const char *platform;
    int64_t account_id;
    int64_t job_id;
} post_record_key_t;

/* Reads the job's record (absent: out->found false). Returns 0, or -1 with errstr when it
 * exists but cannot be read. Free with post_record_free. */
int post_record_read(const post_record_key_t *k, post_record_t *out, char *errstr,
                     size_t errstr_size);

/* Writes the job's record: posted false ("submitting", url/id NULL) or true (url set). */
int post_record_write(const post_record_key_t *k, bool posted, const char *url, const char *id,
                      char *errstr, size_t errstr_size);

/* The URLs the account's other jobs recorded as posted (caller frees each and the array). */
void post_record_known_urls(const post_record_key_t *k, char ***urls, size_t *n);

void post_record_free(post_record_t *r);

#endif
