/* The owner's login, sessions, API tokens and setup links (see auth.h). */
#include "domain/auth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app.h"
#include "domain/tx.h"
#include "store/auth_store.h"

/* argon2id at libsodium's "interactive" cost (64 MiB, ~0.1 s): one hash at a time, so a
 * burst of logins costs time, not 64 MiB per worker thread. */
static pthread_mutex_t pwhash_lock = PTHREAD_MUTEX_INITIALIZER;

int auth_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

static void hex_sha256(const char *prefix, const char *s, char out[AUTH_HASH_SIZE])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)prefix, strlen(prefix));
    crypto_hash_sha256_update(&st, (const unsigned char *)s, strlen(s));
    crypto_hash_sha256_final(&st, digest);
    sodium_bin2hex(out, AUTH_HASH_SIZE, digest, sizeof(digest));
}

void auth_secret_hash(const char *secret, char out[AUTH_HASH_SIZE])
{
    hex_sha256("", secret, out);
}

void auth_csrf_token(const char *session_secret, char out[AUTH_HASH_SIZE])
{
    hex_sha256("byebuy-csrf:", session_secret, out);
}

/* A new secret: "bb_" + 32 random bytes in base64url, and its hash. */
static void secret_new(char secret[AUTH_SECRET_SIZE], char hash[AUTH_HASH_SIZE])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    memcpy(secret, "bb_", 3);
    sodium_bin2base64(secret + 3, AUTH_SECRET_SIZE - 3, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    auth_secret_hash(secret, hash);
}

static int password_check_input(const char *password, cmd_result_t *r)
{
    size_t n = password ? strlen(password) : 0;
    if (n < AUTH_PASSWORD_MIN || n > AUTH_PASSWORD_MAX)
        return cmd_fail(r, CMD_INVALID, "password", "the password must have %d to %d characters",
                        AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
    return 0;
}

static int password_hash(const char *password, char out[crypto_pwhash_STRBYTES], cmd_result_t *r)
{
    pthread_mutex_lock(&pwhash_lock);
    int rc = crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                               crypto_pwhash_MEMLIMIT_INTERACTIVE);
    pthread_mutex_unlock(&pwhash_lock);
    if (rc != 0)
        return cmd_fail(r, CMD_FAILED, NULL, "hashing the password (out of memory)");
    return 0;
}

static bool password_verify(const char *hash, const char *password)
{
    pthread_mutex_lock(&pwhash_lock);
    int rc = crypto_pwhash_str_verify(hash, password, strlen(password));
    pthread_mutex_unlock(&pwhash_lock);
    return rc == 0;
}

int auth_password_set(struct app *app, const char *password, cmd_result_t *r)
{
    char hash[crypto_pwhash_STRBYTES];
    if (password_check_input(password, r) != 0 || password_hash(password, hash, r) != 0)
        return -1;
    tx_t tx;
    int rc = -1;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    if (auth_store_owner_set_hash(tx.pg, hash, &r->cause) != 0) {
        cmd_db_fail(r, "setting the password", &r->cause);
        goto end;
    }
    rc = tx_commit(&tx, r);
end:
    tx_end(&tx);
    return rc;
}

int auth_password_is_set(struct app *app, cmd_result_t *r)
{
    char hash[256];
    tx_t tx;
    int rc = -1;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    if (auth_store_owner_hash(tx.pg, hash, sizeof(hash), &r->cause) < 0) {
        cmd_db_fail(r, "reading the owner", &r->cause);
        goto end;
    }
    rc = hash[0] != '\0';
end:
    tx_end(&tx);
    return rc;
}

/* Inserts a new session on pg; its secret into session. */
static int session_open(PGconn *pg, long long ttl_s, char session[AUTH_SECRET_SIZE],
                        cmd_result_t *r)
{
    char hash[AUTH_HASH_SIZE];
    secret_new(session, hash);
    if (auth_store_session_insert(pg, hash, ttl_s, &r->cause) != 0)
        return cmd_db_fail(r, "opening the session", &r->cause);
    return 0;
}

int auth_login(struct app *app, const char *password, long long ttl_s,
               char session[AUTH_SECRET_SIZE], cmd_result_t *r)
{
    char hash[256];
    tx_t tx;
    int rc = -1;
    if (!password || !*password || strlen(password) > AUTH_PASSWORD_MAX)
        return cmd_fail(r, CMD_REFUSED, "password", "wrong password");
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    if (auth_store_owner_hash(tx.pg, hash, sizeof(hash), &r->cause) < 0) {
        cmd_db_fail(r, "reading the owner", &r->cause);
        goto end;
    }
    if (!hash[0]) {
        cmd_fail(r, CMD_CONFLICT, NULL,
                 "no password is set yet: open the setup link that `make up` printed, or run "
                 "`byebuy-api owner set-password`");
        goto end;
    }
    if (!password_verify(hash, password)) {
        cmd_fail(r, CMD_REFUSED, "password", "wrong password");
        goto end;
    }
    if (session_open(tx.pg, ttl_s, session, r) != 0)
        goto end;
    rc = tx_commit(&tx, r);
end:
    tx_end(&tx);
    return rc;
}

int auth_logout(struct app *app, const char *session, cmd_result_t *r)
{
    char hash[AUTH_HASH_SIZE];
    tx_t tx;
    int rc = -1;
    auth_secret_hash(session ? session : "", hash);
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    if (auth_store_session_delete(tx.pg, hash, &r->cause) != 0) {
        cmd_db_fail(r, "ending the session", &r->cause);
        goto end;
    }
    rc = tx_commit(&tx, r);
end:
    tx_end(&tx);
    return rc;
}

int auth_session_valid(PGconn *pg, const char *session, store_err_t *err)
{
    char hash[AUTH_HASH_SIZE];
    auth_secret_hash(session, hash);
    return auth_store_session_valid(pg, hash, err);
}

int auth_token_valid(PGconn *pg, const char *token, store_err_t *err)
{
    char hash[AUTH_HASH_SIZE];
    auth_secret_hash(token, hash);
    return auth_store_token_valid(pg, hash, err);
}

int auth_token_create(struct app *app, const char *name, char token[AUTH_SECRET_SIZE],
                      store_json_t *doc, cmd_result_t *r)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 1 || n > 100)
        return cmd_fail(r, CMD_INVALID, "name", "a token's name must have 1 to 100 characters");
    char hash[AUTH_HASH_SIZE], prefix[12];
    store_json_t row = {0};
    secret_new(token, hash);
    snprintf(prefix, sizeof(prefix), "%.10s", token);
    tx_t tx;
    int rc = -1;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    if (auth_store_owner_ensure(tx.pg, &r->cause) != 0 ||
        auth_store_token_insert(tx.pg, name, hash, prefix, &row, &r->cause) != 0) {
        cmd_db_fail(r, "creating the token", &r->cause);
        goto end;
    }
    rc = tx_commit(&tx, r);
end:
    tx_end(&tx);
    if (rc == 0 && doc)
        *doc = row;
    else
        free(row.json);
    return rc;
}

int auth_token_revoke(struct app *app, int64_t id, cmd_result_t *r)
{
    tx_t tx;
    int rc = -1;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    int found = auth_store_token_revoke(tx.pg, id, &r->cause);
    if (cmd_found(r, found, "revoking the token", &r->cause, "Token not found") != 0)
        goto end;
    rc = tx_commit(&tx, r);
end:
    tx_end(&tx);
    return rc;
}

int auth_setup_create(struct app *app, long long ttl_s, char secret[AUTH_SECRET_SIZE],
                      cmd_result_t *r)
{
    char hash[256], shash[AUTH_HASH_SIZE];
    tx_t tx;
    int rc = -1;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    if (auth_store_owner_ensure(tx.pg, &r->cause) != 0 ||
        auth_store_owner_hash(tx.pg, hash, sizeof(hash), &r->cause) < 0) {
        cmd_db_fail(r, "reading the owner", &r->cause);
        goto end;
    }
    if (hash[0]) {
        cmd_fail(r, CMD_CONFLICT, NULL, "the owner's password is set already");
        goto end;
    }
    secret_new(secret, shash);
    if (auth_store_setup_insert(tx.pg, shash, ttl_s, &r->cause) != 0) {
        cmd_db_fail(r, "storing the setup link", &r->cause);
        goto end;
    }
    rc = tx_commit(&tx, r);
end:
    tx_end(&tx);
    return rc;
}

int auth_setup_complete(struct app *app, const char *secret, const char *password, long long ttl_s,
                        char session[AUTH_SECRET_SIZE], cmd_result_t *r)
{
    char owner[256], shash[AUTH_HASH_SIZE], pwhash[crypto_pwhash_STRBYTES];
    if (password_check_input(password, r) != 0 || password_hash(password, pwhash, r) != 0)
        return -1;
    auth_secret_hash(secret ? secret : "", shash);
    tx_t tx;
    int rc = -1;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    if (auth_store_owner_hash(tx.pg, owner, sizeof(owner), &r->cause) < 0) {
        cmd_db_fail(r, "reading the owner", &r->cause);
        goto end;
    }
    if (owner[0]) {
        cmd_fail(r, CMD_CONFLICT, NULL, "the owner's password is set already: log in");
        goto end;
    }
    int used = auth_store_setup_use(tx.pg, shash, &r->cause);
    if (used < 0) {
        cmd_db_fail(r, "using the setup link", &r->cause);
        goto end;
    }
    if (used == 0) {
        cmd_fail(r, CMD_REFUSED, "token", "the setup link is unknown, used or expired");
        goto end;
    }
    if (auth_store_owner_set_hash(tx.pg, pwhash, &r->cause) != 0) {
        cmd_db_fail(r, "setting the password", &r->cause);
        goto end;
    }
    if (session_open(tx.pg, ttl_s, session, r) != 0)
        goto end;
    rc = tx_commit(&tx, r);
end:
    tx_end(&tx);
    return rc;
}
