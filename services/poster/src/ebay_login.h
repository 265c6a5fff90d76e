/* byebuy-login --platform ebay: connects a seller's eBay account once (OAuth authorization
 * code grant, external-apis.md §4.2). Prints the consent URL, reads the code (or the whole URL
 * eBay redirected the browser to) from stdin, exchanges it and writes the account's token file
 * (ebay_token.h); then checks the account's business policies and location and says what is
 * missing. */
#ifndef POSTER_EBAY_LOGIN_H
#define POSTER_EBAY_LOGIN_H

#include <stdint.h>
#include <stdio.h>

#include "poster_config.h"

/* Runs the login for account_id with cfg, reading from in and talking on out. Returns the
 * process exit status: 0 when the account is connected. */
int ebay_login_run(const poster_config_t *cfg, int64_t account_id, FILE *in, FILE *out);

#endif
