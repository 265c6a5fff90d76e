/* Per-account memory of previews and published fingerprints, and the thread scan (see
 * seen.h). Linear arrays: an inbox lists tens of threads, and a run publishes at most a few
 * thousand messages per account. */
#include "seen.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/fingerprint.h"
#include "common/xmalloc.h"

typedef struct {
    char *thread_id;
    char *preview;
} preview_t;

struct seen {
    preview_t *previews;
    size_t npreviews, cap_previews;
    char (*fps)[65];
    size_t nfps, cap_fps;
};

seen_t *seen_new(void)
{
    return xcalloc(1, sizeof(seen_t));
}

void seen_free(seen_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->npreviews; i++) {
        free(s->previews[i].thread_id);
        free(s->previews[i].preview);
    }
    free(s->previews);
    free(s->fps);
    free(s);
}

static preview_t *find_preview(const seen_t *s, const char *thread_id)
{
    for (size_t i = 0; i < s->npreviews; i++)
        if (strcmp(s->previews[i].thread_id, thread_id) == 0)
            return &s->previews[i];
    return NULL;
}

bool seen_thread_changed(const seen_t *s, const char *thread_id, const char *preview, bool unread)
{
    const preview_t *p = find_preview(s, thread_id);
    return unread || !p || strcmp(p->preview, preview ? preview : "") != 0;
}

void seen_thread_done(seen_t *s, const char *thread_id, const char *preview)
{
    preview_t *p = find_preview(s, thread_id);
    if (!p) {
        if (s->npreviews == s->cap_previews) {
            s->cap_previews = s->cap_previews ? s->cap_previews * 2 : 16;
            s->previews = xrealloc(s->previews, s->cap_previews * sizeof(*s->previews));
        }
        p = &s->previews[s->npreviews++];
        p->thread_id = xstrdup(thread_id);
        p->preview = NULL;
    }
    free(p->preview);
    p->preview = xstrdup(preview ? preview : "");
}

bool seen_published(const seen_t *s, const char *fingerprint)
{
    for (size_t i = s->nfps; i-- > 0;)
        if (memcmp(s->fps[i], fingerprint, 64) == 0)
            return true;
    return false;
}

void seen_mark_published(seen_t *s, const char *fingerprint)
{
    if (seen_published(s, fingerprint))
        return;
    if (s->nfps == s->cap_fps) {
        s->cap_fps = s->cap_fps ? s->cap_fps * 2 : 64;
        s->fps = xrealloc(s->fps, s->cap_fps * sizeof(*s->fps));
    }
    memcpy(s->fps[s->nfps], fingerprint, 64);
    s->fps[s->nfps][64] = '\0';
    s->nfps++;
}

/* Lines Facebook's Marketplace (and the sandbox, which copies it) shows in a thread that
 * nobody wrote. The recipe's script drops what it recognises by markup; this catches the
 * rest by text. */
static const char *const noise_prefixes[] = {
    "beware of common scams",
    "you can now rate each other",
    "you're now connected",
    "you are now connected",
    "this message was unsent",
    "message unavailable",
    "you can now message",
    "see more on marketplace",
    "view listing",
    NULL,
};
static const char *const noise_contains[] = {
    " started this chat",
    " marked the listing as ",
    " changed the price of ",
    " is waiting for your response",
    NULL,
};

bool scan_is_noise(const char *text)
{
    while (text && isspace((unsigned char)*text))
        text++;
    if (!text || !*text)
        return true;
    for (size_t i = 0; noise_prefixes[i]; i++)
        if (strncasecmp(text, noise_prefixes[i], strlen(noise_prefixes[i])) == 0)
            return true;
    for (size_t i = 0; noise_contains[i]; i++)
        if (strcasestr(text, noise_contains[i]))
            return true;
    return false;
}

/* The occurrence of msgs[i]: how many messages up to and including it have its sender and
 * (normalised) text, noise skipped. */
static int occurrence(const scan_msg_t *msgs, size_t i, char *const *norm)
{
    int occ = 0;
    for (size_t j = 0; j <= i; j++)
        if (norm[j] && strcmp(msgs[j].from, msgs[i].from) == 0 && strcmp(norm[j], norm[i]) == 0)
            occ++;
    return occ;
}

static char **normalise_all(const scan_msg_t *msgs, size_t n)
{
    char **norm = xcalloc(n ? n : 1, sizeof(*norm));
    for (size_t i = 0; i < n; i++)
        norm[i] = scan_is_noise(msgs[i].text) ? NULL : fingerprint_normalize(msgs[i].text);
    return norm;
}

static void free_all(char **norm, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(norm[i]);
    free(norm);
}

size_t scan_thread(const seen_t *s, const char *thread_id, const scan_msg_t *msgs, size_t n,
                   scan_new_t *out, size_t max)
{
    char **norm = normalise_all(msgs, n);
    size_t k = 0;
    for (size_t i = 0; i < n && k < max; i++) {
        if (!norm[i] || strcmp(msgs[i].from, "buyer") != 0)
            continue;
        char fp[65];
        fingerprint_message(thread_id, msgs[i].from, norm[i], occurrence(msgs, i, norm), fp);
        if (seen_published(s, fp))
            continue;
        out[k].index = i;
        memcpy(out[k].fingerprint, fp, sizeof(fp));
        k++;
    }
    free_all(norm, n);
    return k;
}

bool scan_sent_fingerprint(const char *thread_id, const scan_msg_t *msgs, size_t n,
                           const char *text, int64_t occ, char out[65])
{
    char **norm = normalise_all(msgs, n);
    char *want = fingerprint_normalize(text);
    size_t last = n, nth = n;
    int64_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (!norm[i] || strcmp(msgs[i].from, "seller") != 0 || strcmp(norm[i], want) != 0)
            continue;
        last = i;
        if (occ >= 0 && seen++ == occ)
            nth = i;
    }
    size_t pick = nth < n ? nth : last;
    if (pick < n)
        fingerprint_message(thread_id, "seller", norm[pick], occurrence(msgs, pick, norm), out);
    free(want);
    free_all(norm, n);
    return pick < n;
}

size_t scan_seller_count(const scan_msg_t *msgs, size_t n, const char *text)
{
    char *want = fingerprint_normalize(text);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(msgs[i].from, "seller") != 0)
            continue;
        char *t = fingerprint_normalize(msgs[i].text ? msgs[i].text : "");
        count += strcmp(t, want) == 0;
        free(t);
    }
    free(want);
    return count;
}

bool scan_send_done(const scan_msg_t *msgs, size_t n, const char *text, int64_t occ,
                    bool trailing_sent)
{
    if (occ < 0)
        return trailing_sent;
    return scan_seller_count(msgs, n, text) > (size_t)occ;
}
