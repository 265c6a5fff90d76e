/* Small helpers with no better home: ids, clocks, strings. */
#ifndef COMMON_UTIL_H
#define COMMON_UTIL_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

#define UUID_STR_LEN 37 /* 36 chars + NUL */

/* Writes a random (v4) UUID as lower-case text into out[UUID_STR_LEN]. Thread-safe. */
void util_uuid_v4(char out[UUID_STR_LEN]);

/* Current UTC time as RFC 3339 with milliseconds ("2026-11-27T15:20:22.123Z") into out[32]. */
void util_time_rfc3339(char out[32]);

/* Monotonic clock in milliseconds / microseconds. */
int64_t util_now_ms(void);
int64_t util_now_us(void);

/* The CLOCK_MONOTONIC time ms milliseconds from now (ms <= 0: now), for
 * pthread_cond_timedwait on a condition variable set to that clock. */
struct timespec util_monotonic_deadline(int64_t ms);

/* Wall clock in milliseconds since the epoch. */
int64_t util_wall_ms(void);

/* Lower-case hex SHA-256 of a buffer into out[65]. */
void util_sha256_hex(const void *data, size_t len, char out[65]);

/* Sleeps ms milliseconds, waking early (returning 1) when *stop becomes non-zero; 0 otherwise.
 * stop may be NULL. Checks every 50 ms at most. */
int util_sleep_ms(int64_t ms, const volatile sig_atomic_t *stop);

/* Uniform random double in [0, 1). Thread-safe. */
double util_rand01(void);

#endif
