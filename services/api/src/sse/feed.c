/* LISTEN bb_events -> the SSE hub (see feed.h). */
#include "sse/feed.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "sse/ring.h"

#define FEED_BACKOFF_MAX_MS 5000

struct sse_feed {
    char *url;
    sse_hub_t *hub;
    pthread_t thread;
    atomic_bool stop;
    int wake;      /* eventfd: a stop interrupts the poll at once */
    PGconn *first; /* LISTENing before the api serves (sse_feed_start); the thread takes it */
};

size_t sse_feed_event_type(const char *payload, char *type, size_t size)
{
    cJSON *root = cJSON_Parse(payload);
    const cJSON *t = root ? cJSON_GetObjectItemCaseSensitive(root, "type") : NULL;
    const char *name =
        cJSON_IsString(t) && sse_type_valid(t->valuestring) ? t->valuestring : "change";
    snprintf(type, size, "%s", name);
    cJSON_Delete(root);
    return strlen(type);
}

/* Waits ms or until a stop. */
static void feed_sleep(sse_feed_t *f, int ms)
{
    struct pollfd pfd = {.fd = f->wake, .events = POLLIN};
    (void)poll(&pfd, 1, ms);
}

static PGconn *feed_connect(sse_feed_t *f)
{
    PGconn *pg = PQconnectdb(f->url);
    if (PQstatus(pg) != CONNECTION_OK) {
        LOG_WARN("sse feed: connecting: %s", PQerrorMessage(pg));
        PQfinish(pg);
        return NULL;
    }
    PGresult *res = PQexec(pg, "LISTEN " SSE_CHANNEL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        LOG_WARN("sse feed: LISTEN " SSE_CHANNEL ": %s", PQerrorMessage(pg));
        PQclear(res);
        PQfinish(pg);
        return NULL;
    }
    PQclear(res);
    return pg;
}

/* Publishes every notification that arrived; returns false when the connection broke. */
static bool feed_drain(sse_feed_t *f, PGconn *pg)
{
    if (PQconsumeInput(pg) == 0)
        return false;
    PGnotify *n;
    while ((n = PQnotifies(pg)) != NULL) {
        char type[40];
        sse_feed_event_type(n->extra, type, sizeof(type));
        sse_hub_publish(f->hub, type, n->extra);
        PQfreemem(n);
    }
    return PQstatus(pg) == CONNECTION_OK;
}

static void *feed_thread(void *arg)
{
    sse_feed_t *f = arg;
    int backoff = 200;
    bool connected_before = false;
    while (!atomic_load(&f->stop)) {
        PGconn *pg = f->first ? f->first : feed_connect(f);
        f->first = NULL;
        if (!pg) {
            feed_sleep(f, backoff);
            backoff = backoff * 2 > FEED_BACKOFF_MAX_MS ? FEED_BACKOFF_MAX_MS : backoff * 2;
            continue;
        }
        backoff = 200;
        if (connected_before) /* what was sent while we were away is lost */
            sse_hub_publish(f->hub, "reset", "{\"reason\":\"the event feed reconnected\"}");
        connected_before = true;
        while (!atomic_load(&f->stop)) {
            struct pollfd pfd[2] = {{.fd = PQsocket(pg), .events = POLLIN},
                                    {.fd = f->wake, .events = POLLIN}};
            if (poll(pfd, 2, 30000) < 0 && errno != EINTR)
                break;
            if (!feed_drain(f, pg)) {
                LOG_WARN("sse feed: connection lost: %s", PQerrorMessage(pg));
                break;
            }
        }
        PQfinish(pg);
    }
    return NULL;
}

sse_feed_t *sse_feed_start(const char *database_url, sse_hub_t *hub, char *errstr,
                           size_t errstr_size)
{
    sse_feed_t *f = xcalloc(1, sizeof(*f));
    f->url = xstrdup(database_url);
    f->hub = hub;
    /* LISTEN before the api answers its first request: a change made right after /readyz
     * said ready must reach the streams already open (it was lost when the thread connected
     * later, which a loaded machine showed). */
    f->first = feed_connect(f);
    if (!f->first) {
        snprintf(errstr, errstr_size, "sse feed: cannot LISTEN " SSE_CHANNEL " (see the log)");
        free(f->url);
        free(f);
        return NULL;
    }
    f->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    int rc = f->wake < 0 ? errno : pthread_create(&f->thread, NULL, feed_thread, f);
    if (rc != 0) {
        snprintf(errstr, errstr_size, "sse feed: %s", strerror(rc));
        PQfinish(f->first);
        if (f->wake >= 0)
            close(f->wake);
        free(f->url);
        free(f);
        return NULL;
    }
    return f;
}

void sse_feed_stop(sse_feed_t *f)
{
    if (!f)
        return;
    atomic_store(&f->stop, true);
    uint64_t one = 1;
    if (write(f->wake, &one, sizeof(one)) < 0)
        LOG_WARN("sse feed: eventfd write: %s", strerror(errno));
    pthread_join(f->thread, NULL);
    close(f->wake);
    free(f->url);
    free(f);
}
