/* What one account's worker remembers within a run, to open only the threads that changed
 * and to publish each buyer message once: the last preview per thread and the fingerprints
 * already published. Not persisted: after a restart a re-read republishes, which the api
 * absorbs (it dedupes by fingerprint). One owner thread; not thread-safe. */
#ifndef MONITOR_SEEN_H
#define MONITOR_SEEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* The fingerprint of a seller message whose text equals text (whitespace-collapsed), as
 * scan_thread would compute it: with occurrence >= 0 (message.send's: how many of our earlier
 * messages had this text) the (occurrence+1)-th such message, which is the bubble of this
 * send, so its fingerprint's occurrence is occurrence+1; with occurrence < 0 (unknown), or
 * fewer such messages than that, the last one. false when there is none. */
bool scan_sent_fingerprint(const char *thread_id, const scan_msg_t *msgs, size_t n,
                           const char *text, int64_t occurrence, char out[65]);

/* How many seller messages anywhere in the thread have text (compared after
 * fingerprint_normalize). Marketplace UI noise is not left out: a text that looks like noise
 * still counts, so that the count never under-reports a bubble we sent. */
size_t scan_seller_count(const scan_msg_t *msgs, size_t n, const char *text);

/* Whether a message.send is already done: with occurrence >= 0, when the thread holds MORE
 * than occurrence seller messages with its text, wherever they are (the buyer may have
 * written in between). A message the human seller typed on the marketplace with the same
 * text counts too: that errs on the side of not sending twice (our text may then not go
 * out). occurrence < 0 (unknown: a command from before the field) falls back to
 * trailing_sent, the old check (a bubble with the text after the buyer's last message). */
bool scan_send_done(const scan_msg_t *msgs, size_t n, const char *text, int64_t occurrence,
                    bool trailing_sent);

#endif
