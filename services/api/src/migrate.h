/* Schema migrations: migrations/NNNN_<name>.sql applied in order at start, each in its own
 * transaction, under a PostgreSQL advisory lock, recorded with a checksum in
 * schema_migrations. */
#ifndef API_MIGRATE_H
#define API_MIGRATE_H

#include <stddef.h>

#include <libpq-fe.h>

/* Applies every migration of `dir` not yet recorded. Refuses (-1, errstr) when an applied
 * migration's file changed (checksum) or disappeared, when a file name is malformed, or when
 * SQL fails (that migration is rolled back). Safe to run from two processes at once: the
 * second waits for the advisory lock and then finds nothing to do. *applied (may be NULL)
 * receives how many were applied now. Not thread-safe on the same connection. */
int migrate_run(PGconn *pg, const char *dir, int *applied, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Picks the migrations directory: `configured` if it exists; else "<exe_dir>/../../migrations"
 * (build/bin/byebuy-api run from anywhere in the checkout). Writes the choice into out.
 * Returns 0, or -1 with errstr naming what was tried. */
int migrate_find_dir(const char *configured, const char *exe_dir, char *out, size_t out_size,
                     char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

/* Parses a migration file name "NNNN_name.sql" into its version (> 0). Returns 0, or -1 when
 * the name does not have that shape. Pure; thread-safe. */
int migrate_parse_name(const char *name, long *version);

#endif
