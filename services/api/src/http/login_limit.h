/* The rate limit of login and setup attempts: a fixed one-minute window per client address
 * (a bounded table: the oldest window makes room) and one for all clients together, in
 * memory (a restart forgets it; it only has to make guessing slow). Thread-safe. */
#ifndef API_LOGIN_LIMIT_H
#define API_LOGIN_LIMIT_H

#include <stdint.h>

typedef struct login_limit login_limit_t;

/* A limiter allowing per_client attempts per minute per address and global in total.
 * Caller frees with login_limit_free. */
login_limit_t *login_limit_new(int per_client, int global);
void login_limit_free(login_limit_t *l);

/* Counts one attempt from addr at now_ms. Returns 0 when allowed, else the seconds until the
 * window that refused it ends (the Retry-After). */
int login_limit_take(login_limit_t *l, const char *addr, int64_t now_ms);

#endif
