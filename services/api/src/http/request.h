/* Request plumbing shared by the api's handlers: a pooled connection that answers 503 itself
 * when none can be had, an optional JSON body, and JSON field helpers that answer 400/422
 * problems naming the field. */
#ifndef API_REQUEST_H
#define API_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "common/http.h"
#include "domain/result.h"
#include "store/store.h"

/* Takes a pooled connection for this request. On failure sends 503 and returns NULL.
 * Give it back with request_db_release. Thread-safe. */
PGconn *request_db(http_request_t *req);
void request_db_release(http_request_t *req, PGconn *pg);

/* Reads an optional JSON object body (empty body -> *out = NULL, returns 0). Returns -1
 * after sending the problem (400 not JSON / not an object, 413 too large). Caller
 * cJSON_Delete()s *out. */
int request_json_optional(http_request_t *req, cJSON **out) __attribute__((warn_unused_result));

/* Reads an optional positive integer field of a JSON object (absent or null -> *present
 * false). Returns -1 after sending 422 naming the field. */
int request_json_id(http_request_t *req, const cJSON *obj, const char *field, int64_t *out,
                    bool *present) __attribute__((warn_unused_result));

#define REQUEST_PAGE_DEFAULT 100
#define REQUEST_PAGE_MAX 500

/* Pagination of list endpoints: ?limit (1..500, default 100) and ?cursor (the last id of the
 * previous page; lists are ordered by id descending). Returns 0, or -1 after sending 422
 * naming the parameter. *cursor is 0 when absent. */
int request_page(http_request_t *req, int *limit, int64_t *cursor)
    __attribute__((warn_unused_result));

/* An optional query parameter into buf: returns its length, -1 when absent, or -2 after
 * sending 422 when it is longer than size - 1 or not UTF-8 text (a NUL included). */
int request_query(http_request_t *req, const char *name, char *buf, size_t size);

/* An optional positive integer query parameter (0 when absent). Returns 0 or -1 after
 * sending 422 naming it. */
int request_query_id(http_request_t *req, const char *name, int64_t *out)
    __attribute__((warn_unused_result));

/* Builds "Link: <path?limit=..&cursor=..&k=v..>; rel=\"next\"\r\n" into out, URL-encoding
 * the extra query parameters (pairs of name, value; NULL values are skipped). */
void request_link_next(char *out, size_t size, const char *path, int limit, int64_t cursor,
                       const char *const *pairs, size_t npairs);

/* Answers 500 for a database failure during a request, logging the detail (the client gets
 * a generic message). Returns 500. */
int request_db_error(http_request_t *req, const char *what, const char *errstr);

/* Answers a failed command: 404, 422, 400, 409, 413, 415 or 503 with its detail and field;
 * 500 with a generic message (the cause is logged). Returns the status sent. */
int request_fail(http_request_t *req, const cmd_result_t *r);

/* Sends a JSON document from the store with status and extra headers (may be NULL), and
 * frees it. Returns the status sent. */
int request_send_doc(http_request_t *req, int status, store_json_t *doc, const char *extra_headers);

/* The {id} path parameter number index as a positive id; otherwise answers 404 with
 * not_found ("Listing not found") and returns -1. */
int request_path_id(http_request_t *req, size_t index, const char *not_found, int64_t *id)
    __attribute__((warn_unused_result));

#endif
