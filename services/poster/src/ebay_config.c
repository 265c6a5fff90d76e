/* eBay's endpoints per environment (see ebay_config.h; external-apis.md §4.1). */
#include "ebay_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

int ebay_config_check(const ebay_config_t *c, char *errstr, size_t errstr_size)
{
    if (!c->env || (strcmp(c->env, "sandbox") != 0 && strcmp(c->env, "production") != 0)) {
        snprintf(errstr, errstr_size, "EBAY_ENV: \"%s\" is not sandbox or production",
                 c->env ? c->env : "");
        return -1;
    }
    return 0;
}

bool ebay_config_has_keys(const ebay_config_t *c)
{
    return c->client_id && *c->client_id && c->client_secret && *c->client_secret && c->ru_name &&
           *c->ru_name;
}

/* A base URL without its trailing slashes (so paths can be appended with one). */
static char *base(const char *url)
{
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    return xstrndup(url, n);
}

void ebay_endpoints_init(const ebay_config_t *c, ebay_endpoints_t *ep)
{
    memset(ep, 0, sizeof(*ep));
    ep->production = c->env && strcmp(c->env, "production") == 0;
    ep->api = base(c->api_url       ? c->api_url
                   : ep->production ? "https://api.ebay.com"
                                    : "https://api.sandbox.ebay.com");
    ep->token = xasprintf("%s/identity/v1/oauth2/token", ep->api);
    char *auth = base(c->auth_url      ? c->auth_url
                      : ep->production ? "https://auth.ebay.com"
                                       : "https://auth.sandbox.ebay.com");
    ep->consent = xasprintf("%s/oauth2/authorize", auth);
    free(auth);
    if (c->media_url)
        ep->media = base(c->media_url);
    else if (c->api_url)
        ep->media = xasprintf("%s/commerce/media/v1_beta", ep->api);
    else
        ep->media =
            xstrdup(ep->production ? "https://apim.ebay.com/commerce/media/v1_beta"
                                   : "https://apim.sandbox.ebay.com/commerce/media/v1_beta");
    ep->item =
        xstrdup(ep->production ? "https://www.ebay.com/itm/" : "https://sandbox.ebay.com/itm/");
}

void ebay_endpoints_free(ebay_endpoints_t *ep)
{
    if (!ep)
        return;
    free(ep->api);
    free(ep->token);
    free(ep->consent);
    free(ep->media);
    free(ep->item);
    memset(ep, 0, sizeof(*ep));
}
