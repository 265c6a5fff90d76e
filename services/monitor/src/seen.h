/* What one account's worker remembers within a run, to open only the threads that changed
 * and to publish each buyer message once: the last preview per thread and the fingerprints
 * already published. Not persisted: after a restart a re-read republishes, which the api
 * absorbs (it dedupes by fingerprint). One owner thread; not thread-safe. */
#ifndef MONITOR_SEEN_H
#define MONITOR_SEEN_H

#include <stdbool.h>
#include <stddef.h>

typedef struct seen seen_t;

seen_t *seen_new(void);
void seen_free(seen_t *s);

/* Whether a listed thread should be opened: unread, never seen, or its preview changed. */
bool seen_thread_changed(const seen_t *s, const char *thread_id, const char *preview, bool unread);

/* Remembers the thread's preview once all its new messages were published. */
void seen_thread_done(seen_t *s, const char *thread_id, const char *preview);

bool seen_published(const seen_t *s, const char *fingerprint);
void seen_mark_published(seen_t *s, const char *fingerprint);

/* ---- reading a thread ----------------------------------------------------------------- */

typedef struct {
    const char *from; /* "buyer" / "seller" */
    const char *text;
    const char *at; /* as the page shows it, or NULL */
} scan_msg_t;

typedef struct {
    size_t index; /* into the scanned array */
    char fingerprint[65];
} scan_new_t;

/* true for marketplace UI lines that are not messages ("Beware of common scams...",
 * "You can now rate each other", "X started this chat", empty text). */
bool scan_is_noise(const char *text);

/* The buyer messages of a thread (oldest first) whose fingerprints were not published yet,
 * noise left out, each fingerprinted with its occurrence (the n-th message of that sender
 * with that text). Writes up to max entries into out; returns how many. */
size_t scan_thread(const seen_t *s, const char *thread_id, const scan_msg_t *msgs, size_t n,
                   scan_new_t *out, size_t max);

/* The fingerprint of the last seller message whose text equals text (whitespace-collapsed),
 * as scan_thread would compute it; false when there is none. */
bool scan_sent_fingerprint(const char *thread_id, const scan_msg_t *msgs, size_t n,
                           const char *text, char out[65]);

#endif
