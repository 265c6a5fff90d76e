/* The auth tables (migrations/0020_auth.sql): the owner row, sessions, API tokens and
 * one-time setup links. Secrets arrive here already hashed (domain/auth.c); nothing in this
 * file sees a password or a token. */
#ifndef API_AUTH_STORE_H
#define API_AUTH_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store/store.h"

/* Creates the owner row when there is none (no password). Returns 0 or -1 (err). */
int auth_store_owner_ensure(PGconn *pg, store_err_t *err) __attribute__((warn_unused_result));

/* The owner's argon2id hash into out (size >= 256; "" when no password is set). Returns 1
 * when an owner row exists, 0 when none does, -1 (err). */
int auth_store_owner_hash(PGconn *pg, char *out, size_t size, store_err_t *err)
    __attribute__((warn_unused_result));

/* Sets the owner's password hash (creating the row) and ends every session. Returns 0 or -1. */
int auth_store_owner_set_hash(PGconn *pg, const char *hash, store_err_t *err)
    __attribute__((warn_unused_result));

/* Inserts a session that expires ttl_s from now. Returns 0 or -1. */
int auth_store_session_insert(PGconn *pg, const char *token_hash, long long ttl_s, store_err_t *err)
    __attribute__((warn_unused_result));

/* Whether an unexpired session has this hash (and notes it was seen). Returns 1, 0, -1. */
int auth_store_session_valid(PGconn *pg, const char *token_hash, store_err_t *err)
    __attribute__((warn_unused_result));

/* Deletes the session with this hash (none is fine) and every expired one. Returns 0 or -1. */
int auth_store_session_delete(PGconn *pg, const char *token_hash, store_err_t *err)
    __attribute__((warn_unused_result));

/* Inserts a token; its row as JSON ({id,name,prefix,created_at,last_used_at}) into doc
 * (caller frees doc->json). Returns 0 or -1. */
int auth_store_token_insert(PGconn *pg, const char *name, const char *token_hash,
                            const char *prefix, store_json_t *doc, store_err_t *err)
    __attribute__((warn_unused_result));

/* Whether an unrevoked token has this hash (and notes its use, at most once a minute).
 * Returns 1, 0, -1. */
int auth_store_token_valid(PGconn *pg, const char *token_hash, store_err_t *err)
    __attribute__((warn_unused_result));

/* The unrevoked tokens, newest first, as a JSON array (caller frees doc->json). Returns 0/-1. */
int auth_store_token_list(PGconn *pg, store_json_t *doc, store_err_t *err)
    __attribute__((warn_unused_result));

/* Revokes token id. Returns 1 when an unrevoked token was revoked, 0 when none, -1. */
int auth_store_token_revoke(PGconn *pg, int64_t id, store_err_t *err)
    __attribute__((warn_unused_result));

/* Replaces every setup link with this one, valid ttl_s. Returns 0 or -1. */
int auth_store_setup_insert(PGconn *pg, const char *token_hash, long long ttl_s, store_err_t *err)
    __attribute__((warn_unused_result));

/* Uses a setup link: marks it used if it is unused and unexpired. Returns 1 when it was,
 * 0 when not (unknown, used or expired), -1. */
int auth_store_setup_use(PGconn *pg, const char *token_hash, store_err_t *err)
    __attribute__((warn_unused_result));

#endif
