/* The owner's login, sessions, API tokens and one-time setup links: the commands behind
 * http/auth_http.c, http/guard.c and the `byebuy-api token|owner` command line (auth_cli.c).
 * Secrets are 256-bit random values shown once ("bb_" + base64url); the database keeps their
 * SHA-256 (hex) only, and the password as libsodium's argon2id string. Thread-safe. */
#ifndef API_AUTH_H
#define API_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/result.h"
#include "store/store.h"

struct app;

#define AUTH_SECRET_SIZE 64 /* "bb_" + 43 base64url characters + NUL fits */
#define AUTH_HASH_SIZE 65   /* SHA-256 in hex + NUL */
#define AUTH_PASSWORD_MIN 8
#define AUTH_PASSWORD_MAX 1024

/* Initialises libsodium. Returns 0 or -1. Call once before any thread. */
int auth_init(void) __attribute__((warn_unused_result));

/* The hex SHA-256 of a secret (what the tables store). Pure. */
void auth_secret_hash(const char *secret, char out[AUTH_HASH_SIZE]);

/* The CSRF token of a session: derived from its secret, so it needs no storage and a page
 * without the cookie's value cannot compute it. Pure. */
void auth_csrf_token(const char *session_secret, char out[AUTH_HASH_SIZE]);

/* Sets the owner's password (AUTH_PASSWORD_MIN..MAX bytes, else CMD_INVALID "password"),
 * ending every session. Returns 0 or -1 (r). */
int auth_password_set(struct app *app, const char *password, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* Whether the owner has a password: 1, 0, or -1 (r). */
int auth_password_is_set(struct app *app, cmd_result_t *r) __attribute__((warn_unused_result));

/* Checks the password and opens a session of ttl_s seconds: its secret (the cookie value)
 * into session. Returns 0; -1 with r CMD_REFUSED (wrong password), CMD_CONFLICT (no password
 * set yet), CMD_INVALID or a database failure. */
int auth_login(struct app *app, const char *password, long long ttl_s,
               char session[AUTH_SECRET_SIZE], cmd_result_t *r) __attribute__((warn_unused_result));

/* Ends the session with this secret (unknown is fine) and purges expired ones. */
int auth_logout(struct app *app, const char *session, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* Whether a session secret / an API token is valid now: 1, 0, or -1 (err). pg is the
 * caller's connection. */
int auth_session_valid(PGconn *pg, const char *session, store_err_t *err)
    __attribute__((warn_unused_result));
int auth_token_valid(PGconn *pg, const char *token, store_err_t *err)
    __attribute__((warn_unused_result));

/* Creates an API token named name (1..100 bytes, else CMD_INVALID "name"), creating the owner
 * row if there is none: the token into token (shown once), its row as JSON into doc (caller
 * frees doc->json; may be NULL). Returns 0 or -1 (r). */
int auth_token_create(struct app *app, const char *name, char token[AUTH_SECRET_SIZE],
                      store_json_t *doc, cmd_result_t *r) __attribute__((warn_unused_result));

/* Revokes token id: 0, or -1 with r (CMD_NOT_FOUND "Token not found"). */
int auth_token_revoke(struct app *app, int64_t id, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* A one-time setup link's secret, valid ttl_s, replacing any earlier one; only while the
 * owner has no password (else CMD_CONFLICT). Returns 0 or -1 (r). */
int auth_setup_create(struct app *app, long long ttl_s, char secret[AUTH_SECRET_SIZE],
                      cmd_result_t *r) __attribute__((warn_unused_result));

/* Uses a setup link to set the first password and opens a session (as auth_login). Returns
 * 0; -1 with r CMD_REFUSED (unknown, used or expired link), CMD_CONFLICT (a password is set
 * already), CMD_INVALID "password", or a database failure. */
int auth_setup_complete(struct app *app, const char *secret, const char *password, long long ttl_s,
                        char session[AUTH_SECRET_SIZE], cmd_result_t *r)
    __attribute__((warn_unused_result));

#endif
