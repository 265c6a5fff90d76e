/* PostgreSQL through libpq: a fixed-size connection pool (connections are checked and
 * re-opened when broken) and small helpers that turn a failed result into errstr. */
#ifndef COMMON_DB_H
#define COMMON_DB_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

typedef struct db_pool db_pool_t;

/* SQL text that renders a timestamptz column as the api's JSON time, UTC with microseconds:
 * DB_TS("l.created_at") -> 2026-12-07T01:45:00.123456Z. A string literal, for building
 * queries at compile time (the api's store/ uses it for every timestamp it answers). */
#define DB_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* Opens `size` connections lazily (the first acquire connects). conninfo is a libpq URL or
 * key=value string; unless it says otherwise, connect_timeout=5, TCP keepalives after 30 s
 * and application_name=byebuy are used. Caller frees with db_pool_free. Never NULL.
 * Thread-safe afterwards. */
db_pool_t *db_pool_new(const char *conninfo, int size);

/* Takes a connection, waiting at most timeout_ms for one to be free. A connection found
 * broken is reset: besides PQstatus, an idle socket that became readable (the server closed
 * it, e.g. pg_terminate_backend or a restart) is checked with PQconsumeInput. Returns NULL
 * with errstr when none could be had or connecting failed (connecting happens outside the
 * pool lock). Give it back with db_pool_release. Thread-safe. */
PGconn *db_pool_acquire(db_pool_t *pool, int timeout_ms, char *errstr, size_t errstr_size);

/* Returns a connection. A connection left inside a transaction (or a failed one) is rolled
 * back first; one with a command still active is closed and reconnected on the next use; a
 * broken one is reset before the next use. Accepts NULL pg. Thread-safe. */
void db_pool_release(db_pool_t *pool, PGconn *pg);

/* Closes every connection. Accepts NULL. Not while connections are out. */
void db_pool_free(db_pool_t *pool);

/* SELECT 1 on a pooled connection, for /readyz. Returns 0 or -1 (errstr). */
int db_ping(db_pool_t *pool, char *errstr, size_t errstr_size);

/* db_ping shaped as a service_probe_fn (ctx is the db_pool_t *): detail "ok" or the error.
 * Waits at most 2 s for a pooled connection. */
bool db_probe(void *pool, char *detail, size_t detail_size);

/* PQexecParams with text parameters and text results. Returns the result when its status
 * is PGRES_COMMAND_OK or PGRES_TUPLES_OK; otherwise clears it, writes the server's primary
 * message (never its DETAIL, which can hold row values) followed by " (SQLSTATE)" into
 * errstr, the SQLSTATE into sqlstate[6] if non-NULL ("" when there is none, e.g. the
 * connection broke), and returns NULL. Caller PQclear()s. */
PGresult *db_exec(PGconn *pg, const char *sql, int nparams, const char *const *params, char *errstr,
                  size_t errstr_size, char sqlstate[6]);

/* db_exec for a hot statement: prepared once per connection under slot (0 to
 * DB_STATEMENT_SLOTS - 1, one SQL text per slot for the whole process; the caller numbers
 * them), then only bound and executed, so PostgreSQL neither parses nor, once its plan cache
 * settles on a generic plan, plans it again. A connection that libpq resets prepares anew.
 * result_format 1 asks for binary columns (see PQgetvalue), 0 for text. Same result and
 * error contract as db_exec. */
#define DB_STATEMENT_SLOTS 64
PGresult *db_exec_prepared(PGconn *pg, unsigned slot, const char *sql, int nparams,
                           const char *const *params, int result_format, char *errstr,
                           size_t errstr_size, char sqlstate[6]);

/* Runs BEGIN / COMMIT / ROLLBACK. Return 0 or -1 (errstr). */
int db_begin(PGconn *pg, char *errstr, size_t errstr_size) __attribute__((warn_unused_result));
int db_commit(PGconn *pg, char *errstr, size_t errstr_size) __attribute__((warn_unused_result));
void db_rollback(PGconn *pg);

#endif
