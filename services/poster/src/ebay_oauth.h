/* eBay OAuth (external-apis.md §4.2): the consent URL, the code a seller pastes back, and the
 * three grants of the token endpoint (authorization_code once per account in byebuy-login,
 * refresh_token for the user token the listing calls need, client_credentials for the
 * application token of the Taxonomy API). */
#ifndef POSTER_EBAY_OAUTH_H
#define POSTER_EBAY_OAUTH_H

#include <stdint.h>

#include "ebay_token.h"

/* The user token's scopes: listings (Inventory API, Media) and business policies (Account). */
#define EBAY_SCOPE_INVENTORY "https://api.ebay.com/oauth/api_scope/sell.inventory"
#define EBAY_SCOPE_ACCOUNT "https://api.ebay.com/oauth/api_scope/sell.account"
#define EBAY_USER_SCOPES EBAY_SCOPE_INVENTORY " " EBAY_SCOPE_ACCOUNT
/* The application token's scope (Taxonomy). */
#define EBAY_APP_SCOPE "https://api.ebay.com/oauth/api_scope"

typedef struct {
    const char *token_url; /* <api>/identity/v1/oauth2/token */
    const char *client_id, *client_secret, *ru_name;
    int64_t deadline_ms; /* util_now_ms() bound of the whole grant (0: 30 s) */
} ebay_oauth_t;

typedef enum {
    EBAY_GRANT_OK = 0,
    EBAY_GRANT_REFUSED = 1,    /* invalid_grant / invalid_client: the seller must log in again */
    EBAY_GRANT_TRANSIENT = -1, /* network, 429, 5xx: try later */
} ebay_grant_t;

/* The consent URL a seller opens (client_id, redirect_uri = RuName, response_type=code,
 * the user scopes, state). Caller frees. */
char *ebay_oauth_consent_url(const char *consent, const char *client_id, const char *ru_name,
                             const char *state);

/* The authorization code in what a seller pasted: the whole redirect URL (its code= query
 * parameter, URL-decoded; when it carries state= that must equal state) or the bare code
 * (whitespace trimmed; URL-decoded when copied from the URL still encoded). Returns a new
 * string, or NULL with errstr. Pure. */
char *ebay_oauth_code_from_input(const char *input, const char *state, char *errstr,
                                 size_t errstr_size);

/* Exchanges a code for the account's tokens (t filled: refresh and access token). */
ebay_grant_t ebay_oauth_exchange_code(const ebay_oauth_t *o, const char *code, ebay_token_t *t,
                                      char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Renews t's access token with its refresh token (t updated on success). */
ebay_grant_t ebay_oauth_refresh(const ebay_oauth_t *o, ebay_token_t *t, char *errstr,
                                size_t errstr_size) __attribute__((warn_unused_result));

/* An application token (client credentials) into *token (caller frees) and *expires_at
 * (unix seconds). */
ebay_grant_t ebay_oauth_app_token(const ebay_oauth_t *o, char **token, int64_t *expires_at,
                                  char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

#endif
