/* The eBay driver's settings (rows of the poster's config table) and the endpoints they
 * resolve to: EBAY_ENV picks eBay's sandbox or production hosts (external-apis.md §4.1);
 * EBAY_API_URL / EBAY_AUTH_URL / EBAY_MEDIA_URL replace them (the tests' fake eBay). */
#ifndef POSTER_EBAY_CONFIG_H
#define POSTER_EBAY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/config.h"

typedef struct {
    char *env;       /* sandbox | production */
    char *api_url;   /* REST base (NULL: EBAY_ENV's) */
    char *auth_url;  /* consent host (NULL: EBAY_ENV's) */
    char *media_url; /* Media API base (NULL: EBAY_ENV's, or EBAY_API_URL's when that is set) */
    char *client_id;
    char *client_secret;
    char *ru_name;     /* the app's redirect URL name: the consent's redirect_uri */
    char *marketplace; /* EBAY_US */
    char *language;    /* Content-Language of listing calls */
} ebay_config_t;

/* The rows for a config table whose struct st has an ebay_config_t named member. */
#define EBAY_CONFIG_ROWS(st, member)                                                               \
    CONFIG_ENTRY("EBAY_ENV", CONFIG_STRING, "sandbox", 0, 0, false, st, member.env,                \
                 "eBay environment of the ebay driver: sandbox or production"),                    \
        CONFIG_ENTRY("EBAY_API_URL", CONFIG_STRING, NULL, 0, 0, false, st, member.api_url,         \
                     "eBay REST base URL (default: https://api.ebay.com or "                       \
                     "https://api.sandbox.ebay.com per EBAY_ENV; a fake in tests)"),               \
        CONFIG_ENTRY("EBAY_AUTH_URL", CONFIG_STRING, NULL, 0, 0, false, st, member.auth_url,       \
                     "eBay consent host for byebuy-login (default: https://auth.ebay.com or "      \
                     "https://auth.sandbox.ebay.com)"),                                            \
        CONFIG_ENTRY("EBAY_MEDIA_URL", CONFIG_STRING, NULL, 0, 0, false, st, member.media_url,     \
                     "eBay Media API base for photo uploads (default: "                            \
                     "https://apim.ebay.com/commerce/media/v1_beta, the sandbox's, or "            \
                     "<EBAY_API_URL>/commerce/media/v1_beta)"),                                    \
        CONFIG_ENTRY("EBAY_CLIENT_ID", CONFIG_STRING, NULL, 0, 0, false, st, member.client_id,     \
                     "eBay app keyset: App ID (Client ID) of EBAY_ENV's keyset"),                  \
        CONFIG_ENTRY("EBAY_CLIENT_SECRET", CONFIG_SECRET, NULL, 0, 0, false, st,                   \
                     member.client_secret, "eBay app keyset: Cert ID (Client Secret)"),            \
        CONFIG_ENTRY("EBAY_RU_NAME", CONFIG_STRING, NULL, 0, 0, false, st, member.ru_name,         \
                     "eBay RuName (redirect URL name) of the app, the consent's redirect_uri"),    \
        CONFIG_ENTRY("EBAY_MARKETPLACE_ID", CONFIG_STRING, "EBAY_US", 0, 0, false, st,             \
                     member.marketplace, "eBay marketplace the listings go to"),                   \
        CONFIG_ENTRY("EBAY_CONTENT_LANGUAGE", CONFIG_STRING, "en-US", 0, 0, false, st,             \
                     member.language, "Content-Language of the listings sent to eBay")

/* The URLs the driver and byebuy-login call, resolved once (each string owned). */
typedef struct {
    char *api;     /* https://api.ebay.com */
    char *token;   /* <api>/identity/v1/oauth2/token */
    char *consent; /* https://auth.ebay.com/oauth2/authorize */
    char *media;   /* https://apim.ebay.com/commerce/media/v1_beta */
    char *item;    /* web page of a listing: <item><listingId> */
    bool production;
} ebay_endpoints_t;

/* Checks EBAY_ENV's value. Returns 0 or -1 with "EBAY_ENV: ..." in errstr. */
int ebay_config_check(const ebay_config_t *c, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Fills ep from c (after ebay_config_check). Free with ebay_endpoints_free. */
void ebay_endpoints_init(const ebay_config_t *c, ebay_endpoints_t *ep);
void ebay_endpoints_free(ebay_endpoints_t *ep);

/* Whether the app's keys are configured (client id, secret and RuName). */
bool ebay_config_has_keys(const ebay_config_t *c);

#endif
