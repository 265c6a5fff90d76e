/* Exclusive use of a browser profile directory: one Chromium per profile at a time (a second
 * one on the same profile fails with only "Chrome instance exited"). Serialises jobs of one
 * account within the process (mutex + condition variable) and across processes (posters, monitors)
 * on the same disk (flock on the directory), and clears a Chromium orphaned by a crashed process.
 */
#ifndef BROWSER_PROFILE_LOCK_H
#define BROWSER_PROFILE_LOCK_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct profile_lock profile_lock_t;

/* Creates dir (and parents) if needed and waits until this caller alone holds it, at most
 * until util_now_ms() reaches deadline_ms or *stop is set. Returns the lock (release with
 * profile_lock_release) or NULL with errstr ("profile ... busy for N ms"). Thread-safe. */
profile_lock_t *profile_lock_acquire(const char *dir, int64_t deadline_ms,
                                     const volatile sig_atomic_t *stop, char *errstr,
                                     size_t errstr_size);

/* Whether another thread or process is waiting in profile_lock_acquire for l's directory
 * right now (a marker file it keeps there while it waits; markers of dead processes are
 * removed). A long holder (a monitor keeping an inbox open) checks it between cycles and
 * lets the profile go so that a posting job can run. Thread-safe. */
bool profile_lock_contended(const profile_lock_t *l);

/* Releases the lock. Accepts NULL. Thread-safe. */
void profile_lock_release(profile_lock_t *l);

/* With the lock held: if a Chromium of this host still runs on dir (its SingletonLock names a
 * live process whose command line has --user-data-dir=dir), it belongs to a poster that died
 * mid-job; terminate it so a new session can open the profile. Returns 1 when one was
 * stopped, 0 when none ran. */
int profile_reap_orphan(const char *dir);

/* mkdir -p. Returns 0 or -1 (errno set). */
int profile_mkdirs(const char *dir);

#endif
