/* Schema migrations runner: applies migrations/NNNN_*.sql in order, each inside its own
 * transaction, under a session advisory lock so that two apis starting at once are safe. */
#include "migrate.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/db.h"
#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "store/store.h"

/* "byebuy" + 1: the lock every api takes while migrating. */
#define MIGRATE_LOCK_KEY "7021800289566785"
#define MIGRATE_MAX_FILE (16 * 1024 * 1024)

typedef struct {
    long version;
    char *name; /* file name */
    char *sql;
    char checksum[65];
} migration_t;

int migrate_parse_name(const char *name, long *version)
{
    size_t n = strlen(name);
    size_t digits = 0;
    while (isdigit((unsigned char)name[digits]))
        digits++;
    if (digits < 1 || digits > 9 || name[digits] != '_')
        return -1;
    if (n < digits + 1 + 1 + 4 || strcmp(name + n - 4, ".sql") != 0)
        return -1;
    for (size_t i = digits + 1; i < n - 4; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum(c) && c != '_' && c != '-')
            return -1;
    }
    long v = strtol(name, NULL, 10);
    if (v <= 0)
        return -1;
    *version = v;
    return 0;
}

static int migration_cmp(const void *a, const void *b)
{
    const migration_t *ma = a, *mb = b;
    return (ma->version > mb->version) - (ma->version < mb->version);
}

static void migrations_free(migration_t *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i].name);
        free(list[i].sql);
    }
    free(list);
}

static char *read_file(const char *path, size_t *len, char *errstr, size_t errstr_size)
{
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size > MIGRATE_MAX_FILE) {
        snprintf(errstr, errstr_size, "%s: unreadable or larger than %d bytes", path,
                 MIGRATE_MAX_FILE);
        goto cleanup;
    }
    buf = xmalloc((size_t)st.st_size + 1);
    *len = fread(buf, 1, (size_t)st.st_size, f);
    if (ferror(f)) {
        snprintf(errstr, errstr_size, "%s: read error", path);
        free(buf);
        buf = NULL;
        goto cleanup;
    }
    buf[*len] = '\0';
cleanup:
    fclose(f);
    return buf;
}

/* Lists and reads the directory's migrations, sorted by version. */
static int migrations_load(const char *dir, migration_t **out, size_t *count, char *errstr,
                           size_t errstr_size)
{
    migration_t *list = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(errstr, errstr_size, "migrations directory %s: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t nl = strlen(de->d_name);
        if (nl < 4 || strcmp(de->d_name + nl - 4, ".sql") != 0)
            continue; /* READMEs and editor files are not migrations */
        long version;
        if (migrate_parse_name(de->d_name, &version) != 0) {
            snprintf(errstr, errstr_size, "migration file %s/%s: name is not NNNN_name.sql", dir,
                     de->d_name);
            goto cleanup;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            list = xrealloc(list, cap * sizeof(*list));
        }
        migration_t *m = &list[n];
        memset(m, 0, sizeof(*m));
        n++;
        m->version = version;
        m->name = xstrdup(de->d_name);
        char *path = xasprintf("%s/%s", dir, de->d_name);
        size_t len = 0;
        m->sql = read_file(path, &len, errstr, errstr_size);
        free(path);
        if (!m->sql)
            goto cleanup;
        util_sha256_hex(m->sql, len, m->checksum);
    }
    if (n > 1)
        qsort(list, n, sizeof(*list), migration_cmp);
    for (size_t i = 1; i < n; i++) {
        if (list[i].version == list[i - 1].version) {
            snprintf(errstr, errstr_size, "migrations %s and %s share version %ld",
                     list[i - 1].name, list[i].name, list[i].version);
            goto cleanup;
        }
    }
    *out = list;
    *count = n;
    list = NULL;
    n = 0;
    rc = 0;
cleanup:
    closedir(d);
    migrations_free(list, n);
    return rc;
}

static const migration_t *migration_find(const migration_t *list, size_t n, long version)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].version == version)
            return &list[i];
    return NULL;
}

/* Applies one migration and records it, in one transaction. */
static int migration_apply(PGconn *pg, const migration_t *m, char *errstr, size_t errstr_size)
{
    char err[512];
    if (db_begin(pg, err, sizeof(err)) != 0) {
        snprintf(errstr, errstr_size, "%s: BEGIN: %s", m->name, err);
        return -1;
    }
    /* Simple-query protocol: the file may hold many statements (and dollar quoting). */
    PGresult *res = PQexec(pg, m->sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
        snprintf(errstr, errstr_size, "%s: %s", m->name, PQresultErrorMessage(res));
        PQclear(res);
        db_rollback(pg);
        return -1;
    }
    PQclear(res);
    char version[32];
    snprintf(version, sizeof(version), "%ld", m->version);
    const char *params[3] = {version, m->name, m->checksum};
    res = db_exec(pg, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                  3, params, err, sizeof(err), NULL);
    if (!res) {
        snprintf(errstr, errstr_size, "%s: recording: %s", m->name, err);
        db_rollback(pg);
        return -1;
    }
    PQclear(res);
    if (db_commit(pg, err, sizeof(err)) != 0) {
        snprintf(errstr, errstr_size, "%s: COMMIT: %s", m->name, err);
        return -1;
    }
    return 0;
}

int migrate_run(PGconn *pg, const char *dir, int *applied, char *errstr, size_t errstr_size)
{
    migration_t *list = NULL;
    size_t n = 0;
    PGresult *res = NULL;
    long *applied_versions = NULL;
    bool locked = false;
    int rc = -1, done = 0;
    char err[512];

    if (migrations_load(dir, &list, &n, errstr, errstr_size) != 0)
        goto cleanup;

    res = db_exec(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", 0, NULL, err, sizeof(err),
                  NULL);
    if (!res) {
        snprintf(errstr, errstr_size, "advisory lock: %s", err);
        goto cleanup;
    }
    PQclear(res);
    locked = true;

    res = db_exec(pg,
                  "CREATE TABLE IF NOT EXISTS schema_migrations ("
                  " version bigint PRIMARY KEY,"
                  " name text NOT NULL,"
                  " checksum text NOT NULL,"
                  " applied_at timestamptz NOT NULL DEFAULT now())",
                  0, NULL, err, sizeof(err), NULL);
    if (!res) {
        snprintf(errstr, errstr_size, "schema_migrations: %s", err);
        goto cleanup;
    }
    PQclear(res);

    res = db_exec(pg, "SELECT version, name, checksum FROM schema_migrations ORDER BY version", 0,
                  NULL, err, sizeof(err), NULL);
    if (!res) {
        snprintf(errstr, errstr_size, "schema_migrations: %s", err);
        goto cleanup;
    }
    long max_applied = 0;
    int napplied = PQntuples(res);
    applied_versions = xcalloc((size_t)napplied + 1, sizeof(long));
    for (int i = 0; i < napplied; i++) {
        long version = (long)row_i64(res, i, "version");
        applied_versions[i] = version;
        const migration_t *m = migration_find(list, n, version);
        if (!m) {
            snprintf(errstr, errstr_size,
                     "applied migration %s (version %ld) is missing from %s; refusing to start",
                     row_text(res, i, "name"), version, dir);
            goto cleanup;
        }
        const char *recorded = row_text(res, i, "checksum");
        if (!recorded || strcmp(m->checksum, recorded) != 0) {
            snprintf(errstr, errstr_size,
                     "migration %s changed after it was applied (checksum %.12s, recorded "
                     "%.12s); add a new migration instead; refusing to start",
                     m->name, m->checksum, recorded ? recorded : "");
            goto cleanup;
        }
        if (version > max_applied)
            max_applied = version;
    }
    PQclear(res);
    res = NULL;

    for (size_t i = 0; i < n; i++) {
        const migration_t *m = &list[i];
        bool known = false;
        for (int k = 0; k < napplied; k++)
            known = known || applied_versions[k] == m->version;
        if (known)
            continue;
        if (m->version < max_applied) {
            /* Applying it now would run it after newer ones it may conflict with. */
            snprintf(errstr, errstr_size,
                     "migration %s is older than the newest applied one (%ld); renumber it",
                     m->name, max_applied);
            goto cleanup;
        }
        LOG_INFO("applying migration %s", m->name);
        if (migration_apply(pg, m, errstr, errstr_size) != 0) {
            goto cleanup;
        }
        done++;
    }
    if (applied)
        *applied = done;
    rc = 0;
cleanup:
    PQclear(res);
    if (locked) {
        PGresult *r = db_exec(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", 0, NULL, err,
                              sizeof(err), NULL);
        PQclear(r);
    }
    free(applied_versions);
    migrations_free(list, n);
    return rc;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int migrate_find_dir(const char *configured, const char *exe_dir, char *out, size_t out_size,
                     char *errstr, size_t errstr_size)
{
    const char *first = configured && *configured ? configured : "migrations";
    if (is_dir(first)) {
        snprintf(out, out_size, "%s", first);
        return 0;
    }
    /* The default also resolves from the binary: build/bin/byebuy-api -> ../../migrations. */
    if ((!configured || !*configured || strcmp(configured, "migrations") == 0) && exe_dir &&
        *exe_dir) {
        char candidate[4200];
        snprintf(candidate, sizeof(candidate), "%s/../../migrations", exe_dir);
        if (is_dir(candidate)) {
            snprintf(out, out_size, "%s", candidate);
            return 0;
        }
        snprintf(errstr, errstr_size, "MIGRATIONS_DIR: neither %s nor %s is a directory", first,
                 candidate);
        return -1;
    }
    snprintf(errstr, errstr_size, "MIGRATIONS_DIR: %s is not a directory", first);
    return -1;
}
