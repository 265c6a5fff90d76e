/* One call to eBay's REST APIs as the driver makes it (external-apis.md §0, §4.6): bearer token,
 * Content-Language, 429 and 5xx retried after Retry-After (or capped backoff) within the job's
 * deadline, one token renewal on 401, and eBay's error envelope read into the job's error
 * (code, errorId, message). */
#ifndef POSTER_EBAY_API_H
#define POSTER_EBAY_API_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "browser/runner.h"

/* Retries of one call on 429, 5xx or a network error. */
#define EBAY_MAX_RETRIES 5
/* A Retry-After longer than this is not waited for. */
#define EBAY_MAX_RETRY_AFTER_S 120.0

/* Why a job failed, in the poster's error codes (contracts E1): auth_required,
 * setup_required, rate_limited, marketplace_error, timeout, bad_request. */
typedef struct {
    char code[32];
    char message[1024];
    bool retryable;
    bool stopped; /* shutdown: nothing final may be published */
} ebay_err_t;

/* The first entry of eBay's {"errors":[...]} envelope. */
typedef struct {
    long error_id; /* 0: none */
    char message[512];
    char offer_id[64]; /* parameters[{name:"offerId"}] (25002: the offer already exists) */
} ebay_error_info_t;

/* An answer the caller decides on (any status but 401, 429 and 5xx). */
typedef struct {
    long status;
    cJSON *root;    /* the JSON body (NULL when empty or not JSON) */
    char *body;     /* the raw body (never NULL after a call) */
    char *location; /* Location header */
} ebay_reply_t;

typedef struct ebay_client ebay_client_t;

/* Renews the user token after a 401: sets *bearer (caller frees the old one) or fills e. */
typedef int (*ebay_reauth_fn)(void *ctx, char **bearer, ebay_err_t *e);

struct ebay_client {
    const char *marketplace, *language;
    int64_t account_id; /* for remedies */
    char *bearer;       /* the user's access token (owned) */
    ebay_reauth_fn reauth;
    void *reauth_ctx;
    int64_t deadline_ms; /* util_now_ms() bound of the job */
    const volatile sig_atomic_t *stop;
    runner_log_fn log;
    void *log_ctx;
};

/* Makes one call (method, url; body of ctype or NULL) with the user token, or with app_bearer
 * when not NULL (no renewal then). what names the call in messages ("publish offer 12").
 * Returns 0 with r filled when eBay answered anything but 401/429/5xx (the caller judges the
 * status), or -1 with e (retries exhausted, deadline, shutdown, token refused). Free r with
 * ebay_reply_free in both cases. Thread-safe for distinct clients. */
int ebay_call(ebay_client_t *c, const char *method, const char *url, const char *ctype,
              const void *body, size_t body_len, const char *app_bearer, const char *what,
              ebay_reply_t *r, ebay_err_t *e) __attribute__((warn_unused_result));

/* ebay_call with a JSON body (NULL: none) and no app token. */
int ebay_call_json(ebay_client_t *c, const char *method, const char *url, const cJSON *body,
                   const char *what, ebay_reply_t *r, ebay_err_t *e)
    __attribute__((warn_unused_result));

void ebay_reply_free(ebay_reply_t *r);

/* Reads eBay's error envelope from a body. Returns 0 when it held an error, else -1 (out
 * zeroed). Pure. */
int ebay_error_parse(const char *body, ebay_error_info_t *out);

/* Fills e from an answer the caller does not accept: setup_required for the policy, location
 * and account errors (25007-25009, 25012, 25018), auth_required for 401/403, rate_limited for
 * 429, marketplace_error otherwise (retryable for 5xx); the message names what, the status,
 * the errorId and eBay's message. account_id goes into remedies. Pure. */
void ebay_fail_reply(long status, const char *body, const char *what, int64_t account_id,
                     ebay_err_t *e);

/* Sets e (printf-style message). */
void ebay_fail(ebay_err_t *e, const char *code, bool retryable, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The remedy of a job whose account has no usable token. */
#define EBAY_LOGIN_REMEDY "connect the eBay account: byebuy-login --platform ebay --account %lld"

#endif
