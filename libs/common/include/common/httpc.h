/* HTTP client over libcurl: timeouts, and the retry policy of the official OpenAI and
 * Browserbase SDKs (retry on network errors, 408, 409, 429, >= 500 unless x-should-retry
 * says otherwise; wait retry-after-ms, then Retry-After seconds or HTTP date, else capped
 * exponential backoff with jitter). */
#ifndef COMMON_HTTPC_H
#define COMMON_HTTPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "common/sbuf.h"

typedef struct {
    int max_retries;          /* default 2 */
    long connect_timeout_ms;  /* default 5000 */
    long timeout_ms;          /* default 60000 */
    double max_retry_after_s; /* a Retry-After longer than this is not waited for: no retry
                                 (default 60, as Browserbase; OpenAI uses 120) */
    size_t max_response;      /* bytes; a larger body fails the request (default 8 MiB) */
} httpc_policy_t;

typedef struct {
    long status; /* 0 when no response arrived */
    char *body;  /* NUL-terminated, caller frees via httpc_response_free */
    size_t body_len;
    char *content_type;
    /* From the response headers: -1 when absent. */
    int64_t retry_after_ms;
    int should_retry;        /* x-should-retry: 1 true, 0 false, -1 absent */
    char *location;          /* Location header, if any */
    int attempts;            /* how many requests were made */
    int retry_after_from_ms; /* internal: retry_after_ms came from retry-after-ms (wins) */
} httpc_response_t;

/* Where a curl transfer writes its response body: in memory, up to max bytes. Every body we
 * read over HTTP (httpc_request, the WebDriver client, the model's client) goes through one,
 * so none can grow without bound. Set max, zero the rest; pass httpc_sink_write as
 * CURLOPT_WRITEFUNCTION and the sink as CURLOPT_WRITEDATA. */
typedef struct {
    sbuf_t body;    /* what arrived so far (body.s NULL until the first byte) */
    size_t max;     /* bytes; one more fails the transfer with CURLE_WRITE_ERROR */
    bool too_large; /* the transfer failed because of max */
} httpc_sink_t;

/* The curl write callback of an httpc_sink_t. */
size_t httpc_sink_write(char *ptr, size_t size, size_t nmemb, void *userdata);

/* Empties the sink for the next attempt (keeps max and the memory). */
void httpc_sink_reset(httpc_sink_t *sink);

/* Initializes libcurl (curl_global_init) exactly once per process. Call once in main()
 * before starting threads; httpc_request also calls it (pthread_once), but libcurl's own
 * global init is only guaranteed thread-safe on builds that say so. */
void httpc_global_init(void);

/* Fills the defaults above. Start every policy from these, then change fields. */
void httpc_policy_default(httpc_policy_t *p);

/* Performs the request (method "GET", "POST", ...; headers may be NULL; body may be NULL),
 * retrying per policy. Returns 0 when a response arrived (any status: the caller decides)
 * and -1 on a transport failure after the last retry (errstr). resp is filled in both cases;
 * free it with httpc_response_free. Thread-safe (one easy handle per call).
 * policy NULL: httpc_policy_default. The response of the last attempt is kept; its body is
 * never NULL when a response arrived. A body over max_response fails at once (-1, no retry).
 * Only http and https URLs; no redirects are followed; "Expect:" is suppressed; the URL's
 * query string never appears in errstr (it may hold keys). Waits between attempts block the
 * calling thread. */
int httpc_request(const char *method, const char *url, const struct curl_slist *headers,
                  const void *body, size_t body_len, const httpc_policy_t *policy,
                  httpc_response_t *resp, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Frees what a response owns and zeroes it (fields back to "absent"). Accepts NULL. */
void httpc_response_free(httpc_response_t *resp);

/* Zeroes a response and marks the header fields absent (-1): for curl multi users who pass
 * it to httpc_header_cb themselves. */
void httpc_response_init(httpc_response_t *resp);

/* The policy as pure functions, for callers that drive curl themselves (curl multi). */
/* status 0 means no response (network error or timeout): retried. */
bool httpc_should_retry(long status, int should_retry_header);
/* Delay before retry number `attempt` (0-based): the server's advice when 0 < it <= max
 * (retry_after_ms >= 0), else min(0.5 * 2^attempt, 8) s times (1 - 0.25 * rand). Returns -1
 * when the server asked for longer than max_retry_after_s (do not retry). */
int64_t httpc_retry_delay_ms(int attempt, int64_t retry_after_ms, double max_retry_after_s);
/* Parses Retry-After / retry-after-ms header values into milliseconds (-1 if unparsable):
 * "1.5" seconds, "120", or an HTTP date. now_s is the wall clock for dates. */
int64_t httpc_parse_retry_after(const char *retry_after_ms, const char *retry_after, int64_t now_s);

/* A curl header callback that fills retry_after_ms, should_retry, content_type and location
 * of a httpc_response_t passed as userdata (initialized with httpc_response_init). A new
 * status line (after a 1xx) clears them. For curl multi users. */
size_t httpc_header_cb(char *buffer, size_t size, size_t nitems, void *userdata);

#endif
