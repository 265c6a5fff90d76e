/* Profile locks (see profile_lock.h): an in-process registry of held directories with a
 * condition variable, then flock(2) on the directory for other processes. flock locks belong
 * to the open file description, so a process that dies releases them with its descriptors. */
#include "browser/profile_lock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"

struct profile_lock {
    char *dir;
    int fd;
    profile_lock_t *next; /* registry of held locks */
};

/* The process-wide registry: a profile is one per process by nature, so this is global. */
static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t registry_cv = PTHREAD_COND_INITIALIZER;
static profile_lock_t *held;

/* A waiter leaves a marker file in the directory while it waits, so that the holder (another
 * thread or process: a monitor keeping an inbox open) can see that someone wants the profile
 * and let it go. "<dir>/.byebuy-waiting-<pid>-<n>". */
#define WAIT_MARKER ".byebuy-waiting-"

static char *marker_create(const char *dir)
{
    static unsigned long counter;
    unsigned long n = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
    char *path = xasprintf("%s/" WAIT_MARKER "%d-%lu", dir, (int)getpid(), n);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        free(path); /* no marker: the holder just cannot tell, nothing else changes */
        return NULL;
    }
    close(fd);
    return path;
}

static void marker_remove(char *path)
{
    if (path)
        unlink(path);
    free(path);
}

bool profile_lock_contended(const profile_lock_t *l)
{
    DIR *d = l ? opendir(l->dir) : NULL;
    if (!d)
        return false;
    bool wanted = false;
    struct dirent *de;
    while (!wanted && (de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, WAIT_MARKER, strlen(WAIT_MARKER)) != 0)
            continue;
        pid_t pid = (pid_t)atoi(de->d_name + strlen(WAIT_MARKER));
        if (pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)) {
            wanted = true;
        } else {
            /* left by a process that died while waiting */
            char *path = xasprintf("%s/%s", l->dir, de->d_name);
            unlink(path);
            free(path);
        }
    }
    closedir(d);
    return wanted;
}

static bool registry_has(const char *dir)
{
    for (profile_lock_t *l = held; l; l = l->next)
        if (strcmp(l->dir, dir) == 0)
            return true;
    return false;
}

int profile_mkdirs(const char *dir)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static void registry_remove(profile_lock_t *l)
{
    pthread_mutex_lock(&registry_mu);
    for (profile_lock_t **pp = &held; *pp; pp = &(*pp)->next) {
        if (*pp == l) {
            *pp = l->next;
            break;
        }
    }
    pthread_cond_broadcast(&registry_cv);
    pthread_mutex_unlock(&registry_mu);
}

profile_lock_t *profile_lock_acquire(const char *dir, int64_t deadline_ms,
                                     const volatile sig_atomic_t *stop, char *errstr,
                                     size_t errstr_size)
{
    int64_t start = util_now_ms();
    if (profile_mkdirs(dir) != 0) {
        snprintf(errstr, errstr_size, "profile %s: %s", dir, strerror(errno));
        return NULL;
    }
    profile_lock_t *l = xcalloc(1, sizeof(*l));
    l->dir = xstrdup(dir);
    l->fd = -1;
    char *marker = NULL;

    /* In this process: wait on the condition variable for the holder to release. */
    pthread_mutex_lock(&registry_mu);
    while (registry_has(dir)) {
        int64_t left = deadline_ms - util_now_ms();
        if (left <= 0 || (stop && *stop)) {
            pthread_mutex_unlock(&registry_mu);
            snprintf(errstr, errstr_size,
                     "profile %s is busy with another job of this account "
                     "(waited %lld ms)",
                     dir, (long long)(util_now_ms() - start));
            goto fail;
        }
        if (!marker)
            marker = marker_create(dir);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t wait = left < 200 ? left : 200; /* wake up to see the stop flag */
        ts.tv_nsec += (long)(wait % 1000) * 1000000L;
        ts.tv_sec += (time_t)(wait / 1000) + ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&registry_cv, &registry_mu, &ts);
    }
    l->next = held;
    held = l;
    pthread_mutex_unlock(&registry_mu);

    /* Across processes: flock the directory itself, polling (flock has no timeout). */
    l->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (l->fd < 0) {
        snprintf(errstr, errstr_size, "profile %s: %s", dir, strerror(errno));
        registry_remove(l);
        goto fail;
    }
    for (;;) {
        if (flock(l->fd, LOCK_EX | LOCK_NB) == 0)
            break;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            snprintf(errstr, errstr_size, "profile %s: flock: %s", dir, strerror(errno));
            registry_remove(l);
            goto fail;
        }
        if (!marker && util_now_ms() < deadline_ms)
            marker = marker_create(dir);
        if (util_now_ms() >= deadline_ms || util_sleep_ms(100, stop)) {
            snprintf(errstr, errstr_size,
                     "profile %s is busy in another poster or monitor process "
                     "(waited %lld ms)",
                     dir, (long long)(util_now_ms() - start));
            registry_remove(l);
            goto fail;
        }
    }
    marker_remove(marker);
    return l;

fail:
    marker_remove(marker);
    if (l->fd >= 0)
        close(l->fd);
    free(l->dir);
    free(l);
    return NULL;
}

void profile_lock_release(profile_lock_t *l)
{
    if (!l)
        return;
    if (l->fd >= 0) {
        flock(l->fd, LOCK_UN);
        close(l->fd);
    }
    registry_remove(l);
    free(l->dir);
    free(l);
}

/* Whether pid runs (not a zombie) with "--user-data-dir=<dir>" on its command line. */
static bool chromium_on(pid_t pid, const char *dir)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char stat[512];
    size_t n = fread(stat, 1, sizeof(stat) - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *rp = strrchr(stat, ')');
    if (!rp || rp[1] != ' ' || rp[2] == 'Z' || rp[2] == 'X')
        return false;
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return false;
    char cmd[16384];
    n = fread(cmd, 1, sizeof(cmd) - 1, f);
    fclose(f);
    cmd[n] = '\0';
    char *want = xasprintf("--user-data-dir=%s", dir);
    bool hit = false;
    for (size_t off = 0; off < n; off += strlen(cmd + off) + 1)
        if (strcmp(cmd + off, want) == 0)
            hit = true;
    free(want);
    return hit;
}

int profile_reap_orphan(const char *dir)
{
    char lockpath[PATH_MAX];
    char target[256];
    char host[256];
    snprintf(lockpath, sizeof(lockpath), "%s/SingletonLock", dir);
    ssize_t n = readlink(lockpath, target, sizeof(target) - 1);
    if (n <= 0)
        return 0;
    target[n] = '\0';
    /* Chromium writes "<hostname>-<pid>" */
    char *dash = strrchr(target, '-');
    if (!dash || gethostname(host, sizeof(host)) != 0)
        return 0;
    *dash = '\0';
    if (strcmp(target, host) != 0)
        return 0;
    pid_t pid = (pid_t)atoi(dash + 1);
    if (pid <= 1 || !chromium_on(pid, dir))
        return 0;
    LOG_WARN("profile %s: Chromium pid %d was left by a poster that stopped mid-job; "
             "terminating it",
             dir, (int)pid);
    kill(pid, SIGTERM);
    for (int i = 0; i < 50 && chromium_on(pid, dir); i++)
        util_sleep_ms(100, NULL);
    if (chromium_on(pid, dir))
        kill(pid, SIGKILL);
    for (int i = 0; i < 20 && chromium_on(pid, dir); i++)
        util_sleep_ms(100, NULL);
    return 1;
}
