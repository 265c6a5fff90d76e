/* The upload sweeper (see upload_sweep.h). */
#include "upload_sweep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "common/db.h"
#include "common/log.h"
#include "common/sbuf.h"
#include "common/util.h"
#include "common/xmalloc.h"

/* "<36-char uuid>" followed by exactly SUFFIX. */
static bool uuid_named(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);
    if (n != 36 + s || strcmp(name + 36, suffix) != 0)
        return false;
    for (size_t i = 0; i < 36; i++) {
        char c = name[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

static bool is_part(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".part") == 0;
}

static bool is_image_file(const char *name)
{
    return uuid_named(name, ".jpg") || uuid_named(name, ".png") || uuid_named(name, ".webp") ||
           uuid_named(name, "_thumb.jpg");
}

/* Of NAMES (a PostgreSQL text[] literal), the ones no listing_images row names. */
static PGresult *rowless(struct app *app, PGconn *pg, const char *names, char *errstr,
                         size_t errstr_size)
{
    (void)app;
    const char *params[1] = {names};
    return db_exec(pg,
                   "SELECT n FROM unnest($1::text[]) AS n WHERE NOT EXISTS (SELECT 1 FROM"
                   " listing_images i WHERE i.stored_name = n OR i.thumb_name = n)",
                   1, params, errstr, errstr_size, NULL);
}

static void remove_file(struct app *app, const char *name, upload_sweep_stats_t *stats)
{
    char path[4400];
    snprintf(path, sizeof(path), "%s/%s", app->upload_abs, name);
    if (unlink(path) == 0)
        stats->removed++;
    else if (errno != ENOENT)
        LOG_WARN("upload sweep: removing %s: %s", name, strerror(errno));
}

int upload_sweep_once(struct app *app, long long since_s, long long before_s,
                      upload_sweep_stats_t *stats, char *errstr, size_t errstr_size)
{
    memset(stats, 0, sizeof(*stats));
    DIR *d = opendir(app->upload_abs);
    if (!d) {
        snprintf(errstr, errstr_size, "%s: %s", app->upload_abs, strerror(errno));
        return -1;
    }
    sbuf_t names = {0};
    sbuf_addc(&names, '{');
    int candidates = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        bool part = is_part(de->d_name);
        if (!part && !is_image_file(de->d_name))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (st.st_mtime >= before_s || st.st_mtime < since_s)
            continue; /* young (maybe in flight), or looked at by an earlier pass */
        stats->scanned++;
        if (part) { /* a half-written file of images.c: never named by a row */
            remove_file(app, de->d_name, stats);
            continue;
        }
        /* names are [0-9a-f-._] only: safe inside an array literal without quoting */
        sbuf_printf(&names, "%s%s", candidates++ ? "," : "", de->d_name);
    }
    closedir(d);
    sbuf_addc(&names, '}');
    int rc = 0;
    if (candidates > 0) {
        char err[256];
        PGconn *pg = db_pool_acquire(app->pool, 5000, err, sizeof(err));
        PGresult *res = pg ? rowless(app, pg, names.s, err, sizeof(err)) : NULL;
        if (!res) {
            snprintf(errstr, errstr_size, "%s", err);
            rc = -1;
        } else {
            for (int i = 0; i < PQntuples(res); i++)
                remove_file(app, PQgetvalue(res, i, 0), stats);
            PQclear(res);
        }
        db_pool_release(app->pool, pg);
    }
    sbuf_free(&names);
    return rc;
}

static void *sweeper_main(void *arg)
{
    struct app *app = arg;
    long long min_age = app->cfg.upload_sweep_min_age_s, since = 0;
    while (!app->workers_stop) {
        long long before = (long long)time(NULL) - min_age;
        upload_sweep_stats_t st;
        char err[512];
        if (upload_sweep_once(app, since, before, &st, err, sizeof(err)) != 0) {
            LOG_WARN("upload sweep: %s (trying again in %lld s)", err, min_age);
        } else {
            if (st.removed > 0)
                LOG_WARN("upload sweep: removed %d file(s) that no row names (left by a "
                         "process that died mid-request)",
                         st.removed);
            since = before; /* the next pass looks only at files that aged since */
        }
        util_sleep_ms(min_age * 1000, &app->workers_stop);
    }
    return NULL;
}

int upload_sweeper_start(struct app *app, char *errstr, size_t errstr_size)
{
    int err = pthread_create(&app->upload_sweeper_thread, NULL, sweeper_main, app);
    if (err != 0) {
        snprintf(errstr, errstr_size, "upload sweeper thread: %s", strerror(err));
        return -1;
    }
    app->upload_sweeper_started = true;
    return 0;
}

void upload_sweeper_join(struct app *app)
{
    if (app->upload_sweeper_started) {
        pthread_join(app->upload_sweeper_thread, NULL);
        app->upload_sweeper_started = false;
    }
}
