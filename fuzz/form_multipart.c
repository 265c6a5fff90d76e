/* libFuzzer target: a multipart/form-data body as the api reads it — civetweb's
 * mg_handle_form_request driving the api's form callbacks (form_read), in an HTTP server
 * started once in this process; each input is sent as one request body over loopback.
 * The first input byte picks the boundary ("fuzzBOUNDARY" or a quoted one). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/http.h"
#include "http/form.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int port;
static char tmp_dir[] = "/tmp/bb-fuzz-form-XXXXXX";

static int handle_form(http_request_t *req)
{
    const form_limits_t lim = {.tmp_dir = tmp_dir,
                               .file_field = "images",
                               .max_fields = 32,
                               .max_field_bytes = 4096,
                               .max_files = 4,
                               .max_file_bytes = 64 * 1024,
                               .max_body_bytes = 1 << 20};
    form_t form;
    int status;
    if (form_read(req, &lim, &form) != 0)
        status = http_send_problem(req, form.status ? form.status : 500, NULL, "%s", form.detail);
    else
        status = http_send_body(req, 200, "text/plain", "ok\n", 3, NULL);
    form_free(&form);
    return status;
}

static const http_route_t routes[] = {{"POST", "/form", handle_form}};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (!mkdtemp(tmp_dir))
        abort();
    log_init("fuzz", "error");
    char err[256];
    const http_server_opts_t o = {.port = 0, .num_threads = 4, .request_timeout_ms = 2000};
    struct mg_context *ctx = http_server_start_opts(&o, err, sizeof(err));
    if (!ctx) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    const http_options_t opts = {.max_body = 1 << 20, .body_timeout_ms = 5000};
    http_router_mount(ctx, routes, 1, &opts, NULL);
    struct mg_server_port ports[1];
    if (mg_get_server_ports(ctx, 1, ports) < 1)
        abort();
    port = ports[0].port;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *boundary = size && (data[0] & 1) ? "\"fuzz BOUNDARY\"" : "fuzzBOUNDARY";
    if (size) {
        data++;
        size--;
    }
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) != 0)
        abort();
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "POST /form HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                     "multipart/form-data; boundary=%s\r\nContent-Length: %zu\r\n\r\n",
                     boundary, size);
    if (send(s, head, (size_t)n, MSG_NOSIGNAL) < 0 ||
        (size && send(s, data, size, MSG_NOSIGNAL) < 0)) {
        close(s);
        return 0;
    }
    char buf[4096];
    while (recv(s, buf, sizeof(buf), 0) > 0)
        ;
    close(s);
    return 0;
}
