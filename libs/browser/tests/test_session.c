/* Unit tests of profile paths, login remedies and profile locks. */
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util.h"
#include "browser/browser_config.h"
#include "browser/profile_lock.h"
#include "browser/session.h"

static void test_profile_path(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(browser_profile_path("/var/p", "facebook_marketplace", 3, out, sizeof(out)),
                     0);
    assert_string_equal(out, "/var/p/facebook_marketplace-3");
    assert_int_equal(browser_profile_path("p", "sandbox", 0, out, sizeof(out)), 0);
    assert_string_equal(out, "p/sandbox-0");
    /* a platform name never escapes PROFILE_DIR */
    assert_int_equal(browser_profile_path("/var/p", "../etc", 1, out, sizeof(out)), -1);
    assert_int_equal(browser_profile_path("/var/p", "a/b", 1, out, sizeof(out)), -1);
    assert_int_equal(browser_profile_path("/var/p", "", 1, out, sizeof(out)), -1);
    char tiny[8];
    assert_int_equal(browser_profile_path("/var/p", "sandbox", 1, tiny, sizeof(tiny)), -1);
}

static void test_login_remedy(void **state)
{
    (void)state;
    char *s = browser_login_remedy(WD_LOCAL, "facebook_marketplace", 2, "retry the job");
    assert_non_null(strstr(s, "byebuy-login --platform facebook_marketplace --account 2"));
    assert_non_null(strstr(s, "browser window"));
    assert_non_null(strstr(s, "then retry the job."));
    free(s);
    s = browser_login_remedy(WD_BROWSERBASE, "sandbox", 0, "restart the account");
    assert_non_null(strstr(s, "live-view URL"));
    assert_non_null(strstr(s, "then restart the account."));
    free(s);
}

static void test_profile_lock(void **state)
{
    (void)state;
    char dir[] = "/tmp/browser-lock-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/a/b/sandbox-1", dir);
    char err[256];
    profile_lock_t *l = profile_lock_acquire(path, util_now_ms() + 1000, NULL, err, sizeof(err));
    assert_non_null(l); /* created with its parents */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);

    /* same process, same profile: waits, then gives up at the deadline */
    int64_t t0 = util_now_ms();
    assert_null(profile_lock_acquire(path, util_now_ms() + 300, NULL, err, sizeof(err)));
    assert_true(util_now_ms() - t0 >= 250);
    assert_non_null(strstr(err, "busy with another job"));

    /* another profile is independent */
    char other[256];
    snprintf(other, sizeof(other), "%s/a/b/sandbox-2", dir);
    profile_lock_t *l2 = profile_lock_acquire(other, util_now_ms() + 300, NULL, err, sizeof(err));
    assert_non_null(l2);
    profile_lock_release(l2);

    profile_lock_release(l);

    /* another process holds the profile (flock on the directory, as a poster does): wait,
     * give up at the deadline; once it exits, the lock is ours. */
    int to_parent[2], to_child[2];
    assert_int_equal(pipe(to_parent), 0);
    assert_int_equal(pipe(to_child), 0);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(path, O_RDONLY | O_DIRECTORY);
        char c = flock(fd, LOCK_EX | LOCK_NB) == 0 ? 'y' : 'n';
        if (write(to_parent[1], &c, 1) != 1 || read(to_child[0], &c, 1) != 1)
            _exit(2);
        _exit(0); /* exiting releases the flock */
    }
    char c = 0;
    assert_int_equal(read(to_parent[0], &c, 1), 1);
    assert_int_equal(c, 'y');
    assert_null(profile_lock_acquire(path, util_now_ms() + 300, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "busy in another poster or monitor process"));
    assert_int_equal(write(to_child[1], "x", 1), 1);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    l = profile_lock_acquire(path, util_now_ms() + 1000, NULL, err, sizeof(err));
    assert_non_null(l);
    profile_lock_release(l);
    close(to_parent[0]);
    close(to_parent[1]);
    close(to_child[0]);
    close(to_child[1]);

    /* the stop flag ends a wait early */
    l = profile_lock_acquire(path, util_now_ms() + 1000, NULL, err, sizeof(err));
    assert_non_null(l);
    volatile sig_atomic_t stop = 1;
    t0 = util_now_ms();
    assert_null(profile_lock_acquire(path, util_now_ms() + 5000, &stop, err, sizeof(err)));
    assert_true(util_now_ms() - t0 < 1000);
    profile_lock_release(l);
    profile_lock_release(NULL);
    assert_int_equal(profile_reap_orphan(path), 0); /* no Chromium ran there */

    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* The shared browser settings: the table's rows load into a service's struct, the checks
 * name the variable, the WebDriver form follows the backend. */
typedef struct {
    int before;
    browser_config_t browser;
} svc_config_t;

static void test_browser_config(void **state)
{
    (void)state;
    static const config_entry_t rows[] = {BROWSER_CONFIG_ROWS(svc_config_t, browser)};
    svc_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    char err[256];
    setenv("BROWSER_BACKEND", "browserbase", 1);
    setenv("SANDBOX_URL", "", 1);
    unsetenv("BROWSERBASE_API_KEY");
    assert_int_equal(config_load(rows, sizeof(rows) / sizeof(rows[0]), &cfg, "/nonexistent-env",
                                 err, sizeof(err)),
                     0);
    assert_string_equal(cfg.browser.webdriver_url, "http://127.0.0.1:9515");
    assert_int_equal(cfg.browser.profile_lock_timeout_ms, 300000);
    assert_true(cfg.browser.headless);
    assert_true(browser_config_browserbase(&cfg.browser));
    assert_int_equal(browser_config_check(&cfg.browser, err, sizeof(err)), -1);
    assert_string_equal(err, "BROWSERBASE_API_KEY: required when BROWSER_BACKEND=browserbase");
    wd_config_t wd;
    browser_config_wd(&cfg.browser, &wd);
    assert_int_equal(wd.backend, WD_BROWSERBASE);
    assert_int_equal(wd.command_timeout_ms, 60000);
    assert_int_equal(wd.window_width, 1280);
    assert_null(wd.profile_dir);
    config_free(rows, sizeof(rows) / sizeof(rows[0]), &cfg);

    memset(&cfg, 0, sizeof(cfg));
    setenv("BROWSER_BACKEND", "chrome", 1);
    setenv("SANDBOX_URL", "http://sb:1", 1);
    assert_int_equal(config_load(rows, sizeof(rows) / sizeof(rows[0]), &cfg, "/nonexistent-env",
                                 err, sizeof(err)),
                     0);
    assert_int_equal(browser_config_check(&cfg.browser, err, sizeof(err)), -1);
    assert_string_equal(err, "BROWSER_BACKEND: \"chrome\" is not local or browserbase");
    free(cfg.browser.backend);
    cfg.browser.backend = strdup("local");
    unsetenv("SANDBOX_URL");
    assert_int_equal(browser_config_check(&cfg.browser, err, sizeof(err)), 0);
    assert_string_equal(getenv("SANDBOX_URL"), "http://sb:1"); /* exported for the recipes */
    browser_config_wd(&cfg.browser, &wd);
    assert_int_equal(wd.backend, WD_LOCAL);
    config_free(rows, sizeof(rows) / sizeof(rows[0]), &cfg);
    unsetenv("BROWSER_BACKEND");
    unsetenv("SANDBOX_URL");
}

typedef struct {
    const char *path;
    profile_lock_t *got;
} waiter_t;

static void *wait_for_profile(void *arg)
{
    waiter_t *w = arg;
    char err[256];
    w->got = profile_lock_acquire(w->path, util_now_ms() + 1500, NULL, err, sizeof(err));
    return NULL;
}

/* A holder sees that someone waits for its profile (a marker file the waiter keeps there). */
static void test_profile_contended(void **state)
{
    (void)state;
    char dir[] = "/tmp/browser-contended-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/sandbox-1", dir);
    char err[256];
    profile_lock_t *l = profile_lock_acquire(path, util_now_ms() + 1000, NULL, err, sizeof(err));
    assert_non_null(l);
    assert_false(profile_lock_contended(l));
    assert_false(profile_lock_contended(NULL));

    waiter_t w = {.path = path};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, wait_for_profile, &w), 0);
    bool seen = false;
    for (int i = 0; i < 100 && !seen; i++) {
        seen = profile_lock_contended(l);
        usleep(10000);
    }
    assert_true(seen);
    profile_lock_release(l); /* the waiter gets it, and its marker is gone */
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_non_null(w.got);
    assert_false(profile_lock_contended(w.got));

    /* a marker left by a process that died while waiting does not count, and is removed */
    char stale[300];
    snprintf(stale, sizeof(stale), "%s/.byebuy-waiting-999999999-1", path);
    FILE *f = fopen(stale, "w");
    assert_non_null(f);
    fclose(f);
    assert_false(profile_lock_contended(w.got));
    assert_int_equal(access(stale, F_OK), -1);
    profile_lock_release(w.got);

    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_path),   cmocka_unit_test(test_login_remedy),
        cmocka_unit_test(test_profile_lock),   cmocka_unit_test(test_profile_contended),
        cmocka_unit_test(test_browser_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
