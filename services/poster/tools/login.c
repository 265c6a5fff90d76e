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
#include "poster_config.h"
#include "profile_lock.h"
#include "recipe.h"
#include "runner.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: byebuy-login --platform NAME [--account N] [--headless]\n"
               "  Opens a browser on the account's profile at NAME's login page; log in there,\n"
               "  then press Enter here. NAME is a recipe in RECIPES_DIR (e.g.\n"
               "  facebook_marketplace, sandbox). --account defaults to 0 (the default account).\n"
               "  With BROWSER_BACKEND=browserbase it prints a live-view URL instead.\n"
               "  --headless is for automated checks only (nobody can log in through it).\n"
               "  Exit status: 0 when the marketplace then opens without a login wall.\n");
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

int main(int argc, char **argv)
{
    const char *platform = NULL;
    long long account = 0;
    bool headless = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--platform") == 0 && i + 1 < argc) {
            platform = argv[++i];
        } else if (strcmp(argv[i], "--account") == 0 && i + 1 < argc) {
            char *end = NULL;
            errno = 0;
            account = strtoll(argv[++i], &end, 10);
            if (errno || !end || *end || account < 0) {
                fprintf(stderr, "byebuy-login: --account: \"%s\" is not an account id\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--headless") == 0) {
            headless = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!platform) {
        usage(stderr);
        return 2;
    }

    poster_config_t cfg;
    recipe_set_t recipes;
    memset(&recipes, 0, sizeof(recipes));
    char errstr[1024];
    int status = 1;
    profile_lock_t *lock = NULL;
    wd_session_t *s = NULL;
    char *login_url = NULL, *home = NULL, *live = NULL;
    service_t svc;
    memset(&svc, 0, sizeof(svc));
    memset(&cfg, 0, sizeof(cfg));
    if (service_config_load(&svc, &poster_service, &cfg, true, errstr, sizeof(errstr)) != 0) {
        fprintf(stderr, "byebuy-login: configuration: %s\n", errstr);
        service_config_free(&svc);
        return 1;
    }
    log_init("login", cfg.svc.log_level);
    if (recipe_set_load(cfg.recipes_dir, &recipes, errstr, sizeof(errstr)) != 0) {
        fprintf(stderr, "byebuy-login: recipes: %s\n", errstr);
        goto cleanup;
    }
    const recipe_t *r = recipe_set_find(&recipes, platform);
    if (!r) {
        fprintf(stderr, "byebuy-login: no recipe for platform %s in %s (have:", platform,
                cfg.recipes_dir);
        for (size_t i = 0; i < recipes.n; i++)
            fprintf(stderr, " %s", recipes.items[i]->platform);
        fprintf(stderr, ")\n");
        goto cleanup;
    }
    recipe_vars_t vars = {.base_url = r->base_url, .req = NULL};
    login_url = recipe_render(r, r->login_url ? r->login_url : "{{base_url}}", &vars, errstr,
                              sizeof(errstr));
    if (!login_url) {
        fprintf(stderr, "byebuy-login: %s: login_url: %s\n", r->path, errstr);
        goto cleanup;
    }

    wd_config_t wd;
    memset(&wd, 0, sizeof(wd));
    wd.endpoint = cfg.webdriver_url;
    wd.chrome_binary = cfg.chrome_binary;
    wd.headless = headless;
    wd.window_width = 1280;
    wd.window_height = 900;
    wd.command_timeout_ms = (int)cfg.webdriver_timeout_ms;
    char profile[1024];
    if (poster_config_browserbase(&cfg)) {
        wd.backend = WD_BROWSERBASE;
        wd.bb_api_url = cfg.bb_api_url;
        wd.bb_api_key = cfg.bb_api_key;
        wd.bb_project_id = cfg.bb_project_id;
        wd.bb_context_id = cfg.bb_context_id;
        if (!cfg.bb_context_id)
            fprintf(stderr, "byebuy-login: warning: BROWSERBASE_CONTEXT_ID is not set: the "
                            "login will not persist\n");
    } else {
        wd.backend = WD_LOCAL;
        if (driver_profile_path(cfg.profile_dir, platform, account, profile, sizeof(profile)) !=
            0) {
            fprintf(stderr, "byebuy-login: bad platform name %s\n", platform);
            goto cleanup;
        }
        /* A poster job on this profile would make Chromium refuse to start. */
        lock = profile_lock_acquire(profile, util_now_ms() + 15000, NULL, errstr, sizeof(errstr));
        if (!lock) {
            fprintf(stderr,
                    "byebuy-login: %s; a posting job is probably running on it, try "
                    "again in a minute\n",
                    errstr);
            goto cleanup;
        }
        profile_reap_orphan(profile);
        wd.profile_dir = profile;
        if (!headless && !getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY"))
            fprintf(stderr, "byebuy-login: warning: no DISPLAY: a visible browser needs a "
                            "desktop session (or ssh -X)\n");
    }

    wd_error_t err;
    s = wd_session_new(&wd, &err);
    if (!s) {
        fprintf(stderr, "byebuy-login: cannot open a browser: %s: %s\n", err.code, err.message);
        goto cleanup;
    }
    if (wd_navigate(s, login_url, &err) != 0) {
        fprintf(stderr, "byebuy-login: cannot open %s: %s: %s\n", login_url, err.code, err.message);
        goto cleanup;
    }
    if (wd.backend == WD_BROWSERBASE) {
        live = wd_live_view_url(s, &err);
        if (!live) {
            fprintf(stderr, "byebuy-login: no live-view URL: %s: %s\n", err.code, err.message);
            goto cleanup;
        }
        printf("Open this URL in your browser and log in to %s:\n\n  %s\n\n", platform, live);
    } else {
        printf("A browser window shows %s (profile %s).\nLog in there", login_url, profile);
        printf(" (complete any check the site asks for).\n");
    }
    printf("Then press Enter here to save the login and close the browser.\n");
    fflush(stdout);
    int c;
    while ((c = getchar()) != EOF && c != '\n')
        ;

    home = check_url(r);
    char where[600];
    if (!home) {
        printf("Cannot check the login: the recipe has no URL without a listing.\n");
    } else if (wd_navigate(s, home, &err) != 0) {
        printf("Cannot check the login: %s: %s: %s\n", home, err.code, err.message);
    } else if (runner_login_wall(s, r, where, sizeof(where))) {
        printf("Not logged in yet: %s. Run byebuy-login again.\n", where);
    } else {
        printf("Logged in: %s opens without a login wall. The poster can use this %s.\n", home,
               wd.backend == WD_BROWSERBASE ? "Browserbase context" : "profile");
        status = 0;
    }

cleanup:
    /* Ending the session closes the browser: the profile (or context) keeps the cookies. */
    wd_session_end(s);
    profile_lock_release(lock);
    free(login_url);
    free(home);
    free(live);
    recipe_set_free(&recipes);
    service_config_free(&svc);
    return status;
}
