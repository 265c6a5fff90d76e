/* The api's guard (http_options_t.guard): every request but the public paths passes a Host
 * check, every write an Origin check, and every route but the login, setup and dashboard
 * files an authentication check (session cookie or bearer token) unless AUTH=none. */
#ifndef API_GUARD_H
#define API_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "common/http.h"

#define GUARD_COOKIE "bb_session"
#define GUARD_CSRF_HEADER "X-CSRF-Token"

/* The guard: returns 0 to let the request reach its handler, or the status it sent (421 for
 * a Host not in ALLOWED_HOSTS, 403 for a write from a foreign origin, 401 without valid
 * credentials). Thread-safe. */
int guard_check(http_request_t *req, const char *pattern);

/* The session cookie's value of this request into out. Returns its length or -1. */
int guard_session_cookie(const http_request_t *req, char *out, size_t size);

#endif
