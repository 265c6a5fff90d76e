/* PostgreSQL connection pool and result helpers (see db.h). A slot is owned by one thread
 * between acquire and release; the pool lock only guards which slots are free, so slow
 * work (connecting, resetting, ROLLBACK) happens outside it. */
#include "common/db.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-events.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"

typedef struct {
    PGconn *pg; /* NULL until first used, or after a connection was given up */
    bool busy;
} db_slot_t;

struct db_pool {
    char *conninfo;
    int size;
    db_slot_t *slots;
    pthread_mutex_t lock;
    pthread_cond_t freed; /* signalled when a slot becomes free */
};

db_pool_t *db_pool_new(const char *conninfo, int size)
{
    db_pool_t *pool = xcalloc(1, sizeof(*pool));
    pool->conninfo = xstrdup(conninfo ? conninfo : "");
    pool->size = size > 0 ? size : 1;
    pool->slots = xcalloc((size_t)pool->size, sizeof(*pool->slots));
    pthread_mutex_init(&pool->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    /* waits are measured on the monotonic clock: wall clock jumps must not change them */
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&pool->freed, &attr);
    pthread_condattr_destroy(&attr);
    return pool;
}

void db_pool_free(db_pool_t *pool)
{
    if (!pool)
        return;
    for (int i = 0; i < pool->size; i++)
        if (pool->slots[i].pg)
            PQfinish(pool->slots[i].pg);
    pthread_cond_destroy(&pool->freed);
    pthread_mutex_destroy(&pool->lock);
    free(pool->slots);
    free(pool->conninfo);
    free(pool);
}

static void notice_to_log(void *arg, const char *message);

static PGconn *db_connect(const char *conninfo)
{
    /* defaults first: the expanded conninfo (dbname) overrides them when it sets them */
    const char *const keys[] = {"connect_timeout",
                                "application_name",
                                "keepalives_idle",
                                "keepalives_interval",
                                "keepalives_count",
                                "dbname",
                                NULL};
    const char *const values[] = {"5", "byebuy", "30", "10", "3", conninfo, NULL};
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    if (pg)
        PQsetNoticeProcessor(pg, notice_to_log, NULL);
    return pg;
}

/* libpq messages span lines ("...refused\n\tIs the server running...\n"); errstr is one
 * line: line breaks and tabs become single spaces, the trailing ones go. */
static void copy_message(char *errstr, size_t errstr_size, const char *prefix, const char *msg)
{
    if (errstr_size == 0)
        return;
    snprintf(errstr, errstr_size, "%s", prefix);
    size_t o = strlen(errstr);
    for (const char *p = msg && *msg ? msg : "unknown error"; *p && o + 1 < errstr_size; p++) {
        char c = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
        if (c == ' ' && (o == 0 || errstr[o - 1] == ' '))
            continue;
        errstr[o++] = c;
    }
    while (o > 0 && errstr[o - 1] == ' ')
        o--;
    errstr[o] = '\0';
}

/* Server notices (and the FATAL a terminated backend sends while idle) go to our log
 * instead of libpq's default of printing them raw on stderr. */
static void notice_to_log(void *arg, const char *message)
{
    (void)arg;
    char line[512];
    copy_message(line, sizeof(line), "postgres: ", message);
    LOG_DEBUG("%s", line);
}

/* Whether an idle connection is still usable. A server that closed the connection leaves
 * the socket readable (a FATAL message, then EOF) while PQstatus still says OK. */
static bool db_conn_alive(PGconn *pg)
{
    if (PQstatus(pg) != CONNECTION_OK)
        return false;
    struct pollfd pfd = {.fd = PQsocket(pg), .events = POLLIN};
    if (pfd.fd < 0)
        return false;
    int n = poll(&pfd, 1, 0);
    /* a terminated backend sends a FATAL message and then EOF: keep reading while there is
     * input, so the EOF is seen (PQconsumeInput fails and the status turns BAD) */
    for (int i = 0; n > 0 && i < 4; i++) {
        if (!PQconsumeInput(pg))
            return false;
        /* NOTIFY messages can arrive on pooled connections: drop them */
        PGnotify *note;
        while ((note = PQnotifies(pg)) != NULL)
            PQfreemem(note);
        n = poll(&pfd, 1, 0);
    }
    return PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) == PQTRANS_IDLE;
}

/* Marks slot i free and wakes one waiter. */
static void slot_put_back(db_pool_t *pool, int i, PGconn *pg)
{
    pthread_mutex_lock(&pool->lock);
    pool->slots[i].pg = pg;
    pool->slots[i].busy = false;
    pthread_cond_signal(&pool->freed);
    pthread_mutex_unlock(&pool->lock);
}

PGconn *db_pool_acquire(db_pool_t *pool, int timeout_ms, char *errstr, size_t errstr_size)
{
    struct timespec deadline = util_monotonic_deadline(timeout_ms);
    int slot = -1;
    PGconn *pg = NULL;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        /* prefer a slot that is already connected */
        for (int i = 0; i < pool->size; i++) {
            if (!pool->slots[i].busy && (slot < 0 || (pool->slots[i].pg && !pool->slots[slot].pg)))
                slot = i;
        }
        if (slot >= 0)
            break;
        if (timeout_ms <= 0 ||
            pthread_cond_timedwait(&pool->freed, &pool->lock, &deadline) == ETIMEDOUT) {
            /* one last look: a release may have raced with the timeout */
            for (int i = 0; i < pool->size && slot < 0; i++)
                if (!pool->slots[i].busy)
                    slot = i;
            if (slot >= 0)
                break;
            pthread_mutex_unlock(&pool->lock);
            snprintf(errstr, errstr_size, "postgres: no free connection within %d ms (pool of %d)",
                     timeout_ms, pool->size);
            return NULL;
        }
    }
    pool->slots[slot].busy = true;
    pg = pool->slots[slot].pg;
    pthread_mutex_unlock(&pool->lock);

    /* from here on the slot is ours: connecting and resetting happen without the lock */
    if (!pg) {
        pg = db_connect(pool->conninfo);
    } else {
        ConnStatusType before = PQstatus(pg);
        if (!db_conn_alive(pg)) {
            /* already BAD: a failed connect or a failed query, both reported by their callers */
            log_write(before == CONNECTION_OK ? LOG_LEVEL_WARN : LOG_LEVEL_DEBUG,
                      "postgres: pooled connection broken, reconnecting");
            PQreset(pg);
        }
    }
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        copy_message(errstr, errstr_size,
                     "postgres: cannot connect: ", pg ? PQerrorMessage(pg) : "out of memory");
        /* keep the handle: PQreset reuses its parameters next time */
        slot_put_back(pool, slot, pg);
        return NULL;
    }
    pthread_mutex_lock(&pool->lock);
    pool->slots[slot].pg = pg;
    pthread_mutex_unlock(&pool->lock);
    return pg;
}

void db_pool_release(db_pool_t *pool, PGconn *pg)
{
    if (!pool || !pg)
        return;
    int slot = -1;
    pthread_mutex_lock(&pool->lock);
    for (int i = 0; i < pool->size; i++)
        if (pool->slots[i].pg == pg && pool->slots[i].busy)
            slot = i;
    pthread_mutex_unlock(&pool->lock);
    if (slot < 0) {
        LOG_ERROR("postgres: released a connection that is not out of this pool");
        return;
    }
    if (PQstatus(pg) == CONNECTION_OK) {
        PGTransactionStatusType ts = PQtransactionStatus(pg);
        if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
            /* the caller returned early (an error path): never leak a transaction */
            PGresult *res = PQexec(pg, "ROLLBACK");
            PQclear(res);
        } else if (ts == PQTRANS_ACTIVE || ts == PQTRANS_UNKNOWN) {
            /* results left unread: the protocol state is unknown, start over */
            LOG_WARN("postgres: connection released with a command in progress; closing it");
            PQfinish(pg);
            pg = NULL;
        }
    }
    slot_put_back(pool, slot, pg);
}

/* Returns res when it succeeded; otherwise clears it and fills errstr and sqlstate (db_exec's
 * contract). */
static PGresult *result_or_error(PGconn *pg, PGresult *res, char *errstr, size_t errstr_size,
                                 char sqlstate[6])
{
    if (sqlstate)
        sqlstate[0] = '\0';
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    const char *code = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg && (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR))
        msg = PQerrorMessage(pg);
    if (!msg)
        msg = PQresStatus(st); /* e.g. COPY: not something db_exec serves */
    copy_message(errstr, errstr_size, "", msg);
    if (code && *code) {
        size_t len = strlen(errstr);
        if (len + 9 < errstr_size)
            snprintf(errstr + len, errstr_size - len, " (%s)", code);
        if (sqlstate)
            snprintf(sqlstate, 6, "%s", code);
    }
    PQclear(res);
    return NULL;
}

PGresult *db_exec(PGconn *pg, const char *sql, int nparams, const char *const *params, char *errstr,
                  size_t errstr_size, char sqlstate[6])
{
    PGresult *res = PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);
    return result_or_error(pg, res, errstr, errstr_size, sqlstate);
}

/* Which statement slots a connection has prepared: libpq instance data of the connection,
 * emptied when libpq resets it (a new session has none) and freed with it. */
typedef struct {
    uint64_t prepared; /* bit n: slot n */
} conn_statements_t;

static int statements_event(PGEventId event, void *info, void *passthrough)
{
    (void)passthrough;
    if (event == PGEVT_CONNRESET) {
        conn_statements_t *s = PQinstanceData(((PGEventConnReset *)info)->conn, statements_event);
        if (s)
            s->prepared = 0;
    } else if (event == PGEVT_CONNDESTROY) {
        free(PQinstanceData(((PGEventConnDestroy *)info)->conn, statements_event));
    }
    return 1;
}

static conn_statements_t *conn_statements(PGconn *pg)
{
    conn_statements_t *s = PQinstanceData(pg, statements_event);
    if (s)
        return s;
    if (!PQregisterEventProc(pg, statements_event, "db_statements", NULL))
        return NULL;
    s = xcalloc(1, sizeof(*s));
    if (!PQsetInstanceData(pg, statements_event, s)) {
        free(s);
        return NULL;
    }
    return s;
}

PGresult *db_exec_prepared(PGconn *pg, unsigned slot, const char *sql, int nparams,
                           const char *const *params, int result_format, char *errstr,
                           size_t errstr_size, char sqlstate[6])
{
    conn_statements_t *s = slot < DB_STATEMENT_SLOTS ? conn_statements(pg) : NULL;
    if (!s) /* no slot to remember it by: parse and plan this once */
        return result_or_error(
            pg, PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, result_format), errstr,
            errstr_size, sqlstate);
    char name[24];
    snprintf(name, sizeof(name), "db_stmt_%u", slot);
    if (!(s->prepared & (UINT64_C(1) << slot))) {
        PGresult *res = result_or_error(pg, PQprepare(pg, name, sql, nparams, NULL), errstr,
                                        errstr_size, sqlstate);
        if (!res)
            return NULL;
        PQclear(res);
        s->prepared |= UINT64_C(1) << slot;
    }
    PGresult *res = PQexecPrepared(pg, name, nparams, params, NULL, NULL, result_format);
    return result_or_error(pg, res, errstr, errstr_size, sqlstate);
}

static int exec_simple(PGconn *pg, const char *sql, char *errstr, size_t errstr_size)
{
    PGresult *res = db_exec(pg, sql, 0, NULL, errstr, errstr_size, NULL);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

int db_begin(PGconn *pg, char *errstr, size_t errstr_size)
{
    return exec_simple(pg, "BEGIN", errstr, errstr_size);
}

int db_commit(PGconn *pg, char *errstr, size_t errstr_size)
{
    return exec_simple(pg, "COMMIT", errstr, errstr_size);
}

void db_rollback(PGconn *pg)
{
    if (!pg)
        return;
    PGresult *res = PQexec(pg, "ROLLBACK");
    PQclear(res);
}

int db_ping(db_pool_t *pool, char *errstr, size_t errstr_size)
{
    PGconn *pg = db_pool_acquire(pool, 2000, errstr, errstr_size);
    if (!pg)
        return -1;
    int rc = exec_simple(pg, "SELECT 1", errstr, errstr_size);
    db_pool_release(pool, pg);
    return rc;
}

bool db_probe(void *pool, char *detail, size_t detail_size)
{
    if (db_ping(pool, detail, detail_size) < 0)
        return false;
    snprintf(detail, detail_size, "ok");
    return true;
}
