/* GET /api/events: Server-Sent Events (sse/hub.h). The handler only answers the head and
 * hands the connection to the hub's thread, so an open stream holds no civetweb worker. */
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include "app.h"
#include "handlers.h"
#include "http/request.h"
#include "sse/hub.h"
#include "sse/ring.h"

int handle_events(http_request_t *req)
{
    struct app *app = req->app;
    if (!app->sse || sse_hub_full(app->sse))
        return http_send_problem(req, 503, NULL, "too many open event streams; try again shortly");
    /* EventSource resends the last id it saw as a header; ?last_event_id= serves clients
     * that cannot set headers. A value that is no id of ours gets a reset. */
    const char *h = mg_get_header(req->conn, "Last-Event-ID");
    char q[32];
    int qn = h ? -1 : request_query(req, "last_event_id", q, sizeof(q));
    if (qn == -2)
        return 422;
    if (qn >= 0)
        h = q;
    bool has_last = h != NULL;
    uint64_t last = 0;
    if (has_last && !sse_parse_id(h, &last))
        last = 0; /* never issued: answered with a reset */
    int status = http_send_stream_head(req, 200, "text/event-stream; charset=utf-8",
                                       "Cache-Control: no-cache, no-transform\r\n"
                                       "X-Accel-Buffering: no\r\n");
    if (status < 0 || req->head_only)
        return 200;
    int fd = http_take_socket(req);
    if (fd < 0) {
        LOG_REQ(req, ERROR, "sse: the connection's socket was not found; stream closed");
        return 200;
    }
    if (sse_hub_add(app->sse, fd, has_last, last) != 0)
        close(fd); /* the hub filled up or is stopping: the client reconnects */
    return 200;
}
