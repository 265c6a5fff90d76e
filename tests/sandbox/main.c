/* byebuy-sandbox: a small marketplace with Facebook Marketplace's create-item semantics, for
 * the integration tests and the demo. Config: SANDBOX_HOST, SANDBOX_PORT, SANDBOX_DATA_DIR
 * (or --host, --port, --data-dir); photos live under the data dir, items in memory. */
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <civetweb.h>

#include "common/log.h"
#include "common/xmalloc.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: byebuy-sandbox [--host ADDR] [--port PORT] [--data-dir DIR]\n"
                 "  env: SANDBOX_HOST (127.0.0.1), SANDBOX_PORT (8090), SANDBOX_DATA_DIR "
                 "(a temporary directory, removed at exit), LOG_LEVEL (info)\n");
}

/* Removes the files in <dir>/photos and the two directories (only for a temporary data dir). */
static void remove_temp_data_dir(const char *dir)
{
    char *photos = xasprintf("%s/photos", dir);
    DIR *d = opendir(photos);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            char *path = xasprintf("%s/%s", photos, de->d_name);
            unlink(path);
            free(path);
        }
        closedir(d);
    }
    rmdir(photos);
    free(photos);
    rmdir(dir);
}

static int log_civetweb(const struct mg_connection *conn, const char *message)
{
    (void)conn;
    LOG_WARN("civetweb: %s", message);
    return 1;
}

int main(int argc, char **argv)
{
    const char *host = getenv("SANDBOX_HOST") ? getenv("SANDBOX_HOST") : "127.0.0.1";
    const char *port_s = getenv("SANDBOX_PORT") ? getenv("SANDBOX_PORT") : "8090";
    const char *data_dir = getenv("SANDBOX_DATA_DIR");
    static const struct option opts[] = {{"host", required_argument, NULL, 'H'},
                                         {"port", required_argument, NULL, 'p'},
                                         {"data-dir", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "H:p:d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'H':
            host = optarg;
            break;
        case 'p':
            port_s = optarg;
            break;
        case 'd':
            data_dir = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 1;
        }
    }
    log_init("sandbox", getenv("LOG_LEVEL"));

    char *end = NULL;
    long port = strtol(port_s, &end, 10);
    if (end == port_s || *end != '\0' || port < 1 || port > 65535) {
        fprintf(stderr,
                "byebuy-sandbox: SANDBOX_PORT must be a port number 1..65535, got "
                "\"%s\"\n",
                port_s);
        return 1;
    }
    if (strchr(host, ':') != NULL || host[0] == '\0') {
        fprintf(stderr, "byebuy-sandbox: SANDBOX_HOST must be an IPv4 address, got \"%s\"\n", host);
        return 1;
    }

    int rc = 1;
    struct mg_context *ctx = NULL;
    char temp_dir[] = "/tmp/byebuy-sandbox-XXXXXX";
    bool temp = false;
    sb_app_t app;
    bool store_ok = false;
    char errstr[256];

    if (data_dir == NULL || data_dir[0] == '\0') {
        if (mkdtemp(temp_dir) == NULL) {
            fprintf(stderr, "byebuy-sandbox: cannot create a temporary directory: %s\n",
                    strerror(errno));
            return 1;
        }
        data_dir = temp_dir;
        temp = true;
    }
    if (sb_store_init(&app.store, data_dir, errstr, sizeof(errstr)) != 0) {
        LOG_ERROR("SANDBOX_DATA_DIR: %s", errstr);
        goto cleanup;
    }
    store_ok = true;
    app.data_dir = xstrdup(data_dir);

    /* civetweb's threads inherit this mask; the main thread waits for the signals. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    char listen[128];
    snprintf(listen, sizeof(listen), "%s:%ld", host, port);
    const char *options[] = {"listening_ports",    listen,   "num_threads", "64",
                             "enable_keep_alive",  "yes",    "tcp_nodelay", "1",
                             "request_timeout_ms", "120000", NULL};
    struct mg_callbacks callbacks;
    memset(&callbacks, 0, sizeof(callbacks));
    callbacks.log_message = log_civetweb;
    mg_init_library(0);
    ctx = mg_start(&callbacks, &app, options);
    if (ctx == NULL) {
        LOG_ERROR("cannot listen on %s (port in use or bad SANDBOX_HOST?)", listen);
        goto cleanup;
    }
    sb_handlers_mount(ctx, &app);
    LOG_INFO("listening on http://%s data_dir=%s", listen, data_dir);

    sigdelset(&sigs, SIGPIPE);
    int sig = 0;
    sigwait(&sigs, &sig);
    LOG_INFO("shutting down (signal %d)", sig);
    rc = 0;

cleanup:
    if (ctx)
        mg_stop(ctx);
    mg_exit_library();
    if (store_ok) {
        sb_store_destroy(&app.store);
        free(app.data_dir);
    }
    if (temp)
        remove_temp_data_dir(temp_dir);
    LOG_INFO("bye");
    return rc;
}
