/* `byebuy-api token create [--name NAME]`: prints one new API token on stdout (and nothing
 * else there), creating the owner (without a password) on a fresh install.
 * `byebuy-api owner set-password`: reads the new password from stdin's first line.
 * `byebuy-api owner setup-link [--ttl SECONDS]`: prints a one-time link that lets the first
 * visitor set the password, or nothing (exit 3) when a password is set already.
 * Each reads DATABASE_URL (environment or .env) and migrates first, like the service. */
#include "auth_cli.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "app.h"
#include "common/config.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "domain/auth.h"
#include "migrate.h"

struct cli_config {
    char *database_url;
    char *migrations_dir;
    char *public_url;
    long long http_port;
};

#define S struct cli_config
static const config_entry_t cli_table[] = {
    CONFIG_ENTRY("DATABASE_URL", CONFIG_SECRET, NULL, 0, 0, true, S, database_url,
                 "PostgreSQL URL"),
    CONFIG_ENTRY("MIGRATIONS_DIR", CONFIG_STRING, "migrations", 0, 0, false, S, migrations_dir,
                 "directory of NNNN_*.sql"),
    CONFIG_ENTRY("API_PUBLIC_URL", CONFIG_STRING, NULL, 0, 0, false, S, public_url,
                 "the api's base URL (setup links)"),
    CONFIG_ENTRY("HTTP_PORT", CONFIG_INT, "8080", 1, 65535, false, S, http_port, "listen port"),
};
#undef S
#define CLI_NROWS (sizeof(cli_table) / sizeof(cli_table[0]))

static int usage(void)
{
    fputs("usage: byebuy-api token create [--name NAME]\n"
          "       byebuy-api owner set-password      (the password on stdin)\n"
          "       byebuy-api owner setup-link [--ttl SECONDS]\n",
          stderr);
    return 2;
}

bool auth_cli_wanted(int argc, char **argv)
{
    return argc > 1 && (strcmp(argv[1], "token") == 0 || strcmp(argv[1], "owner") == 0);
}

/* Connects and migrates: app->pool ready. Returns 0 or -1 (logged). */
static int cli_open(struct app *app, const struct cli_config *c)
{
    char exe[4096], dir[4096], err[1024];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    if (migrate_find_dir(c->migrations_dir, n > 0 ? dirname(exe) : ".", dir, sizeof(dir), err,
                         sizeof(err)) != 0) {
        LOG_ERROR("%s", err);
        return -1;
    }
    app->pool = db_pool_new(c->database_url, 1);
    PGconn *pg = db_pool_acquire(app->pool, 10000, err, sizeof(err));
    if (!pg) {
        LOG_ERROR("DATABASE_URL: %s", err);
        return -1;
    }
    int applied = 0;
    int rc = migrate_run(pg, dir, &applied, err, sizeof(err));
    db_pool_release(app->pool, pg);
    if (rc != 0)
        LOG_ERROR("migrations: %s", err);
    return rc;
}

static int cmd_token_create(struct app *app, int argc, char **argv)
{
    const char *name = "cli";
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
            name = argv[++i];
        else
            return usage();
    }
    char token[AUTH_SECRET_SIZE];
    cmd_result_t r;
    if (auth_token_create(app, name, token, NULL, &r) != 0) {
        LOG_ERROR("token create: %s%s%s", r.detail, r.cause.msg[0] ? ": " : "", r.cause.msg);
        return 1;
    }
    printf("%s\n", token);
    sodium_memzero(token, sizeof(token));
    return fflush(stdout) == 0 ? 0 : 1;
}

static int cmd_set_password(struct app *app)
{
    char line[AUTH_PASSWORD_MAX + 2];
    if (isatty(STDIN_FILENO))
        fputs("new password (one line): ", stderr);
    if (!fgets(line, sizeof(line), stdin)) {
        LOG_ERROR("owner set-password: no password on stdin");
        return 1;
    }
    line[strcspn(line, "\r\n")] = '\0';
    cmd_result_t r;
    int rc = auth_password_set(app, line, &r);
    sodium_memzero(line, sizeof(line));
    if (rc != 0) {
        LOG_ERROR("owner set-password: %s%s%s", r.detail, r.cause.msg[0] ? ": " : "", r.cause.msg);
        return 1;
    }
    fputs("password set; every earlier session is logged out\n", stderr);
    return 0;
}

static int cmd_setup_link(struct app *app, const struct cli_config *c, int argc, char **argv)
{
    long long ttl = 3600;
    for (int i = 3; i < argc; i++) {
        char *end;
        if (strcmp(argv[i], "--ttl") == 0 && i + 1 < argc &&
            (ttl = strtoll(argv[++i], &end, 10)) >= 60 && *end == '\0' && ttl <= 7 * 86400)
            continue;
        return usage();
    }
    char secret[AUTH_SECRET_SIZE];
    cmd_result_t r;
    if (auth_setup_create(app, ttl, secret, &r) != 0) {
        if (r.status == CMD_CONFLICT) {
            fputs("the owner's password is set already: no setup link\n", stderr);
            return 3;
        }
        LOG_ERROR("owner setup-link: %s%s%s", r.detail, r.cause.msg[0] ? ": " : "", r.cause.msg);
        return 1;
    }
    if (c->public_url)
        printf("%s/setup#token=%s\n", c->public_url, secret);
    else
        printf("http://127.0.0.1:%lld/setup#token=%s\n", c->http_port, secret);
    return fflush(stdout) == 0 ? 0 : 1;
}

int auth_cli_main(int argc, char **argv)
{
    static struct app app;
    struct cli_config c = {0};
    char err[512];
    int status = 1;
    if (argc < 3)
        return usage();
    if (config_load(cli_table, CLI_NROWS, &c, NULL, err, sizeof(err)) != 0) {
        fprintf(stderr, "byebuy-api: %s\n", err);
        return 1;
    }
    app.cfg.database_url = c.database_url;
    if (auth_init() != 0) {
        LOG_ERROR("libsodium could not be initialised");
        goto end;
    }
    bool token = strcmp(argv[1], "token") == 0;
    if (!(token && strcmp(argv[2], "create") == 0) &&
        !(!token && (strcmp(argv[2], "set-password") == 0 || strcmp(argv[2], "setup-link") == 0))) {
        status = usage();
        goto end;
    }
    if (cli_open(&app, &c) != 0)
        goto end;
    if (token)
        status = cmd_token_create(&app, argc, argv);
    else if (strcmp(argv[2], "set-password") == 0)
        status = argc == 3 ? cmd_set_password(&app) : usage();
    else
        status = cmd_setup_link(&app, &c, argc, argv);
end:
    db_pool_free(app.pool);
    config_free(cli_table, CLI_NROWS, &c);
    return status;
}
