/* In-memory state of the marketplace accounts this monitor instance was told to watch:
 * running or not, and what its next monitor.status will say. Thread-safe. */
#ifndef MONITOR_ACCOUNTS_H
#define MONITOR_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t account_id;
    bool running;
    int64_t cycle;         /* inbox polling cycles done since the account was started here */
    char last_poll_at[40]; /* RFC 3339, "" = never */
    char last_error[1024]; /* "" = none */
    bool login_required;
} account_state_t;

typedef struct accounts accounts_t;

/* Returns an empty registry; caller frees with accounts_free. */
accounts_t *accounts_new(void);

/* Accepts NULL. */
void accounts_free(accounts_t *a);

/* Marks the account running or stopped (creating it on first sight) and copies its new
 * state into *out. Thread-safe. */
void accounts_set_running(accounts_t *a, int64_t account_id, bool running, account_state_t *out);

/* A poll cycle finished at `at` (RFC 3339): records the cycle count and clears the error
 * and the login wall. Returns true when that changed last_error or login_required (worth a
 * monitor.status at once). Thread-safe. */
bool accounts_poll_done(accounts_t *a, int64_t account_id, int64_t cycle, const char *at);

/* Records an error (NULL: none) and whether the marketplace shows a login wall. Returns
 * true when that changed last_error or login_required. Thread-safe. */
bool accounts_set_error(accounts_t *a, int64_t account_id, const char *error, bool login_required);

/* Copies the account's state into *out; returns false (and a stopped zero state) when the
 * account was never seen. Thread-safe. */
bool accounts_get(accounts_t *a, int64_t account_id, account_state_t *out);

/* Copies the states of the running accounts into a new array (*out, caller frees with
 * free(); NULL when none) and returns how many. Thread-safe. */
size_t accounts_running(accounts_t *a, account_state_t **out);

#endif
