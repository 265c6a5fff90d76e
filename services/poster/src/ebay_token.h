/* An eBay account's OAuth tokens on the poster host: <PROFILE_DIR>/ebay-<account_id>/oauth.json
 * (mode 0600, replaced atomically), written by byebuy-login and rewritten by the driver after
 * each refresh. The refresh token lasts about 18 months, the access token 2 hours
 * (external-apis.md §4.2). */
#ifndef POSTER_EBAY_TOKEN_H
#define POSTER_EBAY_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Refresh this long before the access token expires (a call must not start on a token that
 * dies in flight). */
#define EBAY_TOKEN_MARGIN_S 300

typedef struct {
    char *refresh_token;
    int64_t refresh_expires_at; /* unix seconds; 0 when eBay did not say */
    char *access_token;
    int64_t access_expires_at; /* unix seconds */
    char *env;                 /* sandbox | production: the keyset that issued them */
} ebay_token_t;

typedef enum {
    EBAY_TOKEN_OK = 0,
    EBAY_TOKEN_MISSING = 1, /* no file: the account was never connected */
    EBAY_TOKEN_ERROR = -1,  /* unreadable or malformed (errstr) */
} ebay_token_status_t;

/* The token file of an account into out. Returns 0, or -1 when it does not fit. */
int ebay_token_path(const char *profile_root, int64_t account_id, char *out, size_t size)
    __attribute__((warn_unused_result));

/* Reads path into t (zeroed first; free with ebay_token_free). Thread-safe. */
ebay_token_status_t ebay_token_load(const char *path, ebay_token_t *t, char *errstr,
                                    size_t errstr_size) __attribute__((warn_unused_result));

/* Writes t to path: the directory is created (0700), the file written to a temporary name
 * (0600), synced and renamed over path, so a reader sees the old or the new file. Returns 0
 * or -1 with errstr. Thread-safe for distinct paths. */
int ebay_token_save(const char *path, const ebay_token_t *t, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Merges a token endpoint's 200 body into t: access_token and expires_in (required), and
 * refresh_token with refresh_token_expires_in when present (a refresh grant keeps the old
 * refresh token). now_s is the wall clock. Returns 0 or -1 with errstr (t unchanged). */
int ebay_token_parse_grant(const char *body, int64_t now_s, ebay_token_t *t, char *errstr,
                           size_t errstr_size) __attribute__((warn_unused_result));

/* Whether the access token is usable for more than EBAY_TOKEN_MARGIN_S at now_s. */
bool ebay_token_fresh(const ebay_token_t *t, int64_t now_s);

/* Whether the refresh token has expired at now_s (unknown expiry: not expired). */
bool ebay_token_refresh_expired(const ebay_token_t *t, int64_t now_s);

void ebay_token_free(ebay_token_t *t);

#endif
