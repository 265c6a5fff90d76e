/* byebuy-login: log a marketplace account in once, by hand, so the poster's browser finds the
 * session later. Local backend: opens a visible Chromium on the account's profile at the
 * platform's login page; Browserbase: prints the live-view URL of a session on the context.
 * After Enter it checks that the marketplace opens without a login wall and closes the
 * browser, which keeps the cookies in the profile (or the Browserbase context). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "common/webdriver.h"
#include "common/xmalloc.h"
#include "driver.h"
#include "ebay_login.h"
#include "ebay_platform.h"
#include "login_dump.h"
#include "poster_config.h"
#include "browser/profile_lock.h"
#include "browser/session.h"
#include "browser/recipe.h"
#include "browser/runner.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: byebuy-login --platform NAME [--account N] [--headless] [--dump DIR]\n"
               "  Opens a browser on the account's profile at NAME's login page; log in there,\n"
               "  then press Enter here. NAME is a recipe in RECIPES_DIR (e.g.\n"
               "  facebook_marketplace, sandbox). --account defaults to 0 (the default account).\n"
               "  With BROWSER_BACKEND=browserbase it prints a live-view URL instead.\n"
               "  --headless is for automated checks only (nobody can log in through it).\n"
               "  --platform ebay connects an eBay seller account instead (OAuth): it prints\n"
               "  eBay's consent URL and reads the code (or the URL eBay redirected to) on stdin.\n"
               "  --dump DIR (after logging in) saves the create page, \"Your listings\" and one\n"
               "  inbox thread as HTML and PNG into DIR, personal text masked, to check the\n"
               "  recipe against the real site; no prompt.\n"
               "  Exit status: 0 when the marketplace then opens without a login wall (with\n"
               "  --dump: when the three pages were written).\n");
}

/* The first recipe URL that needs no listing: where a logged-in browser should land. */
static char *check_url(const recipe_t *r)
{
    recipe_vars_t vars = {.base_url = r->base_url, .req = NULL};
    char err[256];
    for (size_t i = 0; i < r->nsteps; i++) {
        const recipe_step_t *st = &r->steps[i];
        if ((st->kind == STEP_GOTO || st->kind == STEP_FIND_EXISTING) && st->url) {
            char *url = recipe_render(r, st->url, &vars, err, sizeof(err));
            if (url)
                return url;
        }
    }
    return r->base_url ? xstrdup(r->base_url) : NULL;
}

typedef struct {
    const char *platform;
    long long account;
    bool headless;
    const char *dump_dir; /* --dump DIR */
} login_args_t;

/* Parses the command line into a. Returns -1 to go on, else the exit status. */
static int args_parse(int argc, char **argv, login_args_t *a)
{
    memset(a, 0, sizeof(*a));
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--platform") == 0 && i + 1 < argc) {
            a->platform = argv[++i];
        } else if (strcmp(argv[i], "--account") == 0 && i + 1 < argc) {
            char *end = NULL;
            errno = 0;
            a->account = strtoll(argv[++i], &end, 10);
            if (errno || !end || *end || a->account < 0) {
                fprintf(stderr, "byebuy-login: --account: \"%s\" is not an account id\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc) {
            a->dump_dir = argv[++i];
        } else if (strcmp(argv[i], "--headless") == 0) {
            a->headless = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!a->platform) {
        usage(stderr);
        return 2;
    }
    return -1;
}

/* The browser to open: Browserbase on its context, or the local Chromium on the account's
 * profile, which *lock then holds so that no posting job starts a browser on it. profile
 * is the caller's buffer (the config points into it). Returns 0 or -1 (said on stderr). */
static int login_browser(const poster_config_t *cfg, const login_args_t *a, wd_config_t *wd,
                         char *profile, size_t profile_size, profile_lock_t **lock)
{
    char errstr[1024];
    browser_config_wd(&cfg->browser, wd);
    wd->headless = a->headless;
    if (wd->backend == WD_BROWSERBASE) {
        if (!cfg->browser.bb_context_id)
            fprintf(stderr, "byebuy-login: warning: BROWSERBASE_CONTEXT_ID is not set: the "
                            "login will not persist\n");
        return 0;
    }
    if (browser_profile_path(cfg->browser.profile_dir, a->platform, a->account, profile,
                             profile_size) != 0) {
        fprintf(stderr, "byebuy-login: bad platform name %s\n", a->platform);
        return -1;
    }
    /* A poster job on this profile would make Chromium refuse to start. */
    *lock = profile_lock_acquire(profile, util_now_ms() + 15000, NULL, errstr, sizeof(errstr));
    if (!*lock) {
        fprintf(stderr,
                "byebuy-login: %s; a posting job is probably running on it, try again in a "
                "minute\n",
                errstr);
        return -1;
    }
    profile_reap_orphan(profile);
    wd->profile_dir = profile;
    if (!a->headless && !getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY"))
        fprintf(stderr, "byebuy-login: warning: no DISPLAY: a visible browser needs a desktop "
                        "session (or ssh -X)\n");
    return 0;
}

/* Shows the person where to log in and waits for Enter. Returns 0 or -1. */
static int login_prompt(wd_session_t *s, const wd_config_t *wd, const char *platform,
                        const char *login_url)
{
    wd_error_t err;
    if (wd_navigate(s, login_url, &err) != 0) {
        fprintf(stderr, "byebuy-login: cannot open %s: %s: %s\n", login_url, err.code, err.message);
        return -1;
    }
    if (wd->backend == WD_BROWSERBASE) {
        char *live = wd_live_view_url(s, &err);
        if (!live) {
            fprintf(stderr, "byebuy-login: no live-view URL: %s: %s\n", err.code, err.message);
            return -1;
        }
        printf("Open this URL in your browser and log in to %s:\n\n  %s\n\n", platform, live);
        free(live);
    } else {
        printf("A browser window shows %s (profile %s).\nLog in there", login_url, wd->profile_dir);
        printf(" (complete any check the site asks for).\n");
    }
    printf("Then press Enter here to save the login and close the browser.\n");
    fflush(stdout);
    int c;
    while ((c = getchar()) != EOF && c != '\n')
        ;
    return 0;
}

/* Whether the marketplace now opens without a login wall. Returns 0 when it does. */
static int login_verify(wd_session_t *s, const wd_config_t *wd, const recipe_t *r)
{
    char *home = check_url(r), where[600];
    wd_error_t err;
    int status = 1;
    if (!home) {
        printf("Cannot check the login: the recipe has no URL without a listing.\n");
    } else if (wd_navigate(s, home, &err) != 0) {
        printf("Cannot check the login: %s: %s: %s\n", home, err.code, err.message);
    } else if (runner_login_wall(s, r, where, sizeof(where))) {
        printf("Not logged in yet: %s. Run byebuy-login again.\n", where);
    } else {
        printf("Logged in: %s opens without a login wall. The poster can use this %s.\n", home,
               wd->backend == WD_BROWSERBASE ? "Browserbase context" : "profile");
        status = 0;
    }
    free(home);
    return status;
}

/* The recipe of platform, or NULL (said on stderr with the platforms there are). */
static const recipe_t *recipe_of(const recipe_set_t *recipes, const char *platform, const char *dir)
{
    const recipe_t *r = recipe_set_find(recipes, platform);
    if (!r) {
        fprintf(stderr, "byebuy-login: no recipe for platform %s in %s (have:", platform, dir);
        for (size_t i = 0; i < recipes->n; i++)
            fprintf(stderr, " %s", recipes->items[i]->platform);
        fprintf(stderr, ")\n");
    }
    return r;
}

int main(int argc, char **argv)
{
    login_args_t a;
    int status = args_parse(argc, argv, &a);
    if (status >= 0)
        return status;
    status = 1;
    poster_config_t cfg;
    recipe_set_t recipes;
    char errstr[1024], profile[1024] = "";
    profile_lock_t *lock = NULL;
    wd_session_t *s = NULL;
    char *login_url = NULL;
    service_t svc;
    memset(&recipes, 0, sizeof(recipes));
    memset(&svc, 0, sizeof(svc));
    memset(&cfg, 0, sizeof(cfg));
    if (service_config_load(&svc, &poster_service, &cfg, true, errstr, sizeof(errstr)) != 0) {
        fprintf(stderr, "byebuy-login: configuration: %s\n", errstr);
        service_config_free(&svc);
        return 1;
    }
    log_init("login", cfg.svc.log_level);
    if (strcmp(a.platform, EBAY_PLATFORM) == 0) {
        status = ebay_login_run(&cfg, a.account, stdin, stdout);
        goto cleanup;
    }
    if (recipe_set_load(cfg.recipes_dir, &recipes, errstr, sizeof(errstr)) != 0) {
        fprintf(stderr, "byebuy-login: recipes: %s\n", errstr);
        goto cleanup;
    }
    const recipe_t *r = recipe_of(&recipes, a.platform, cfg.recipes_dir);
    if (!r)
        goto cleanup;
    recipe_vars_t vars = {.base_url = r->base_url, .req = NULL};
    login_url = recipe_render(r, r->login_url ? r->login_url : "{{base_url}}", &vars, errstr,
                              sizeof(errstr));
    if (!login_url) {
        fprintf(stderr, "byebuy-login: %s: login_url: %s\n", r->path, errstr);
        goto cleanup;
    }
    wd_config_t wd;
    if (login_browser(&cfg, &a, &wd, profile, sizeof(profile), &lock) != 0)
        goto cleanup;
    wd_error_t err;
    s = wd_session_new(&wd, &err);
    if (!s) {
        fprintf(stderr, "byebuy-login: cannot open a browser: %s: %s\n", err.code, err.message);
        goto cleanup;
    }
    if (a.dump_dir)
        status = login_dump(s, r, r->base_url, a.dump_dir, stdout) == 0 ? 0 : 1;
    else if (login_prompt(s, &wd, a.platform, login_url) == 0)
        status = login_verify(s, &wd, r);
cleanup:
    /* Ending the session closes the browser: the profile (or context) keeps the cookies. */
    wd_session_end(s);
    profile_lock_release(lock);
    free(login_url);
    recipe_set_free(&recipes);
    service_config_free(&svc);
    return status;
}
