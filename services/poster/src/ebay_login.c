/* The eBay account connection of byebuy-login (see ebay_login.h). */
#include "ebay_login.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "ebay_driver.h"
#include "ebay_oauth.h"
#include "ebay_token.h"

/* The setup check's lines go to the terminal. */
static void print_line(void *ctx, const char *level, const char *message, const char *artifact)
{
    (void)artifact;
    fprintf(ctx, "%s%s\n", strcmp(level, "info") == 0 ? "" : "warning: ", message);
}

/* Checks the policies and location with the new token, as the first post would. */
static void check_setup(const poster_config_t *cfg, int64_t account_id, FILE *out)
{
    ebay_driver_t *d = ebay_driver_new(&cfg->ebay, cfg->browser.profile_dir, cfg->work_dir, 0);
    ebay_job_t job = {.account_id = account_id,
                      .deadline_ms = util_now_ms() + 60000,
                      .log = print_line,
                      .log_ctx = out};
    ebay_session_t s;
    ebay_err_t e = {0};
    ebay_setup_t setup;
    if (ebay_session_open(d, &job, &s, &e) != 0 || ebay_session_setup(&s, &setup, &e) != 0)
        fprintf(out, "Before the first listing: %s\n", e.message);
    else
        fprintf(out, "The account is ready to list.\n");
    ebay_session_close(&s);
    ebay_driver_free(d);
}

/* Reads one line of at most size-1 bytes. Returns 0, or -1 at end of input. */
static int read_line(FILE *in, char *buf, size_t size)
{
    if (!fgets(buf, (int)size, in))
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

/* Reads the pasted code and exchanges it for the account's tokens (tok; env set). Returns 0,
 * or -1 said on stderr. */
static int login_exchange(const ebay_config_t *c, const ebay_endpoints_t *ep, const char *state,
                          FILE *in, ebay_token_t *tok)
{
    char line[8192], err[1024];
    if (read_line(in, line, sizeof(line)) != 0) {
        fprintf(stderr, "byebuy-login: no code given\n");
        return -1;
    }
    char *code = ebay_oauth_code_from_input(line, state, err, sizeof(err));
    if (!code) {
        fprintf(stderr, "byebuy-login: %s\n", err);
        return -1;
    }
    ebay_oauth_t o = {.token_url = ep->token,
                      .client_id = c->client_id,
                      .client_secret = c->client_secret,
                      .ru_name = c->ru_name};
    ebay_grant_t g = ebay_oauth_exchange_code(&o, code, tok, err, sizeof(err));
    free(code);
    if (g != EBAY_GRANT_OK) {
        fprintf(stderr, "byebuy-login: %s\n", err);
        return -1;
    }
    if (!tok->refresh_token) {
        fprintf(stderr, "byebuy-login: eBay gave no refresh token\n");
        return -1;
    }
    tok->env = xstrdup(c->env);
    return 0;
}

/* "Connected: ..." with the day the seller must log in again. */
static void say_connected(FILE *out, int64_t account_id, const char *path, const ebay_token_t *tok)
{
    fprintf(out,
            "Connected: eBay account %lld; tokens in %s (the poster renews the access "
            "token itself; log in again when the refresh token expires",
            (long long)account_id, path);
    if (tok->refresh_expires_at > 0) {
        char day[32];
        time_t t = (time_t)tok->refresh_expires_at;
        struct tm tm;
        strftime(day, sizeof(day), "%Y-%m-%d", gmtime_r(&t, &tm));
        fprintf(out, ", on %s", day);
    }
    fprintf(out, ").\n");
}

int ebay_login_run(const poster_config_t *cfg, int64_t account_id, FILE *in, FILE *out)
{
    const ebay_config_t *c = &cfg->ebay;
    if (!ebay_config_has_keys(c)) {
        fprintf(stderr,
                "byebuy-login: set EBAY_CLIENT_ID, EBAY_CLIENT_SECRET and EBAY_RU_NAME "
                "(the %s keyset of your eBay developer app; services/poster/README.md)\n",
                c->env);
        return 1;
    }
    char path[1024], state[UUID_STR_LEN], err[1024];
    if (ebay_token_path(cfg->browser.profile_dir, account_id, path, sizeof(path)) != 0) {
        fprintf(stderr, "byebuy-login: PROFILE_DIR is too long\n");
        return 1;
    }
    ebay_endpoints_t ep;
    ebay_endpoints_init(c, &ep);
    util_uuid_v4(state);
    char *url = ebay_oauth_consent_url(ep.consent, c->client_id, c->ru_name, state);
    fprintf(out,
            "Connect eBay account %lld (EBAY_ENV=%s). Open this URL in a browser, sign in as "
            "the seller and agree:\n\n  %s\n\nThen paste the URL eBay sent the browser to (or "
            "its code= value) and press Enter:\n",
            (long long)account_id, c->env, url);
    fflush(out);
    free(url);
    int status = 1;
    ebay_token_t tok = {0};
    if (login_exchange(c, &ep, state, in, &tok) != 0)
        goto cleanup;
    if (ebay_token_save(path, &tok, err, sizeof(err)) != 0) {
        fprintf(stderr, "byebuy-login: %s\n", err);
        goto cleanup;
    }
    say_connected(out, account_id, path, &tok);
    check_setup(cfg, account_id, out);
    status = 0;
cleanup:
    ebay_token_free(&tok);
    ebay_endpoints_free(&ep);
    return status;
}
