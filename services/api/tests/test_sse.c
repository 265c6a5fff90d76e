/* Unit tests of the event stream pieces: the ring (ids, replay, reset), the frame format,
 * Last-Event-ID parsing, the notification type, and the hub over socketpairs (hello,
 * delivery, resume, reset, heartbeat, a client that closes, stop closing the streams). */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/sbuf.h"
#include "common/util.h"
#include "sse/feed.h"
#include "sse/hub.h"
#include "sse/ring.h"

static void collect(void *ctx, const char *frame, size_t len)
{
    sbuf_addn(ctx, frame, len);
}

static void test_frame_format(void **state)
{
    (void)state;
    size_t len;
    char *f = sse_frame(42, "job", "{\"id\":1}", &len);
    assert_string_equal(f, "id: 42\nevent: job\ndata: {\"id\":1}\n\n");
    assert_int_equal(len, strlen(f));
    free(f);
    /* each line of data is its own data: line, whatever the line end */
    f = sse_frame(7, "x", "a\nb\r\nc\rd", &len);
    assert_string_equal(f, "id: 7\nevent: x\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
    free(f);
    f = sse_frame(8, "x", "", &len);
    assert_string_equal(f, "id: 8\nevent: x\ndata: \n\n");
    free(f);
}

static void test_ring_replay_and_reset(void **state)
{
    (void)state;
    sse_ring_t *r = sse_ring_new(3, 100);
    assert_int_equal(sse_ring_last_id(r), 99);
    sbuf_t b = {0};
    assert_true(sse_ring_replay(r, 99, collect, &b)); /* nothing yet, nothing missed */
    assert_int_equal(b.len, 0);
    assert_false(sse_ring_replay(r, 98, collect, &b));  /* not ours */
    assert_false(sse_ring_replay(r, 100, collect, &b)); /* from the future */
    assert_int_equal(sse_ring_push(r, "a", "1"), 100);
    assert_int_equal(sse_ring_push(r, "b", "2"), 101);
    assert_true(sse_ring_replay(r, 99, collect, &b));
    assert_string_equal(b.s, "id: 100\nevent: a\ndata: 1\n\nid: 101\nevent: b\ndata: 2\n\n");
    sbuf_clear(&b);
    assert_true(sse_ring_replay(r, 101, collect, &b)); /* up to date */
    assert_int_equal(b.len, 0);
    sse_ring_push(r, "c", "3");
    sse_ring_push(r, "d", "4"); /* 100 falls out: ring holds 101..103 */
    assert_int_equal(sse_ring_last_id(r), 103);
    assert_false(sse_ring_replay(r, 99, collect, &b)); /* missed 100: reset */
    assert_true(sse_ring_replay(r, 100, collect, &b)); /* missed nothing that is gone */
    assert_string_equal(b.s, "id: 101\nevent: b\ndata: 2\n\nid: 102\nevent: c\ndata: 3\n\n"
                             "id: 103\nevent: d\ndata: 4\n\n");
    sbuf_clear(&b);
    assert_true(sse_ring_replay(r, 102, collect, &b));
    assert_string_equal(b.s, "id: 103\nevent: d\ndata: 4\n\n");
    sbuf_free(&b);
    sse_ring_free(r);
}

static void test_parse_id_and_type(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_true(sse_parse_id("0", &v) && v == 0);
    assert_true(sse_parse_id("1765084000000001", &v) && v == 1765084000000001ULL);
    assert_false(sse_parse_id("", &v));
    assert_false(sse_parse_id("-1", &v));
    assert_false(sse_parse_id("+1", &v));
    assert_false(sse_parse_id("12a", &v));
    assert_false(sse_parse_id(" 1", &v));
    assert_false(sse_parse_id("99999999999999999999", &v));
    assert_false(sse_parse_id("9223372036854775808", &v)); /* past int64 */
    assert_true(sse_type_valid("job_log"));
    assert_false(sse_type_valid("Job"));
    assert_false(sse_type_valid("a\nb"));
    assert_false(sse_type_valid(""));
    char t[40];
    sse_feed_event_type("{\"type\":\"job\",\"id\":3}", t, sizeof(t));
    assert_string_equal(t, "job");
    sse_feed_event_type("{\"type\":\"bad\\nname\"}", t, sizeof(t));
    assert_string_equal(t, "change");
    sse_feed_event_type("not json", t, sizeof(t));
    assert_string_equal(t, "change");
}

/* Reads from fd until text appears (or 3 s pass); returns what was read (caller frees). */
static char *read_until(int fd, const char *text)
{
    sbuf_t b = {0};
    sbuf_add(&b, "");
    int64_t deadline = util_now_ms() + 3000;
    while (!strstr(b.s, text) && util_now_ms() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        sbuf_addn(&b, buf, (size_t)n);
    }
    return sbuf_take(&b);
}

static int client(sse_hub_t *h, bool has_last, uint64_t last)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(sse_hub_add(h, sv[0], has_last, last), 0);
    return sv[1];
}

static void test_hub_delivers_resumes_resets(void **state)
{
    (void)state;
    char err[128];
    const sse_hub_opts_t o = {.heartbeat_ms = 200,
                              .max_clients = 3,
                              .ring_size = 2,
                              .max_buffer = 65536,
                              .first_id = 1000,
                              .retry_ms = 1500};
    sse_hub_t *h = sse_hub_start(&o, err, sizeof(err));
    assert_non_null(h);
    int a = client(h, false, 0);
    char *got = read_until(a, "data: {\"last_id\":999}\n\n");
    assert_non_null(strstr(got, "retry: 1500\n\n"));
    assert_non_null(strstr(got, "id: 999\nevent: hello\n"));
    free(got);
    sse_hub_publish(h, "job", "{\"id\":1}");
    got = read_until(a, "id: 1000\nevent: job\ndata: {\"id\":1}\n\n");
    assert_non_null(strstr(got, "id: 1000\nevent: job"));
    free(got);
    got = read_until(a, ": keep-alive\n\n"); /* heartbeat within 200 ms */
    assert_non_null(strstr(got, ": keep-alive"));
    free(got);
    /* a reconnect that saw 1000 gets 1001 only; one that saw 998 missed 999..: reset */
    sse_hub_publish(h, "job_log", "{\"id\":2}");
    int b = client(h, true, 1000);
    got = read_until(b, "id: 1001\nevent: job_log\ndata: {\"id\":2}\n\n");
    assert_non_null(strstr(got, "id: 1001\nevent: job_log"));
    assert_null(strstr(got, "id: 1000\n"));
    free(got);
    sse_hub_publish(h, "x", "3"); /* ring of 2: 1000 is gone */
    int c = client(h, true, 999);
    got = read_until(c, "event: reset\n");
    assert_non_null(strstr(got, "id: 1002\nevent: reset\n"));
    free(got);
    /* full: the fourth is refused; a closed one frees its place */
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(sse_hub_add(h, sv[0], false, 0), -1);
    assert_true(sse_hub_full(h));
    close(c);
    int64_t deadline = util_now_ms() + 2000;
    while (sse_hub_clients(h) != 2 && util_now_ms() < deadline)
        usleep(10000);
    assert_int_equal(sse_hub_clients(h), 2);
    assert_int_equal(sse_hub_add(h, sv[0], false, 0), 0);
    /* stop closes every stream: the clients read EOF */
    sse_hub_stop(h);
    char buf[4096];
    ssize_t n;
    while ((n = read(a, buf, sizeof(buf))) > 0)
        ;
    assert_int_equal(n, 0);
    while ((n = read(sv[1], buf, sizeof(buf))) > 0)
        ;
    assert_int_equal(n, 0);
    close(a);
    close(b);
    close(sv[1]);
}

/* A client that stops reading is dropped once its backlog passes max_buffer (it would
 * reconnect and resume); a client that reads is not held back by it. */
typedef struct {
    int fd;
    char *got;
} reader_t;

static void *reader_thread(void *arg)
{
    reader_t *r = arg;
    r->got = read_until(r->fd, "id: 500\n");
    return NULL;
}

static void test_hub_drops_slow_client(void **state)
{
    (void)state;
    char err[128];
    const sse_hub_opts_t o = {.heartbeat_ms = 60000,
                              .max_clients = 4,
                              .ring_size = 16,
                              .max_buffer = 4096,
                              .first_id = 1,
                              .retry_ms = 1000};
    sse_hub_t *h = sse_hub_start(&o, err, sizeof(err));
    assert_non_null(h);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int small = 1; /* the kernel rounds it up to its minimum: a few KiB */
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    assert_int_equal(sse_hub_add(h, sv[0], false, 0), 0);
    reader_t r = {.fd = client(h, false, 0)};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, reader_thread, &r), 0);
    char data[200];
    memset(data, 'x', sizeof(data) - 1);
    data[sizeof(data) - 1] = '\0';
    for (int i = 0; i < 500; i++) {
        sse_hub_publish(h, "big", data);
        if (i % 20 == 0)
            usleep(1000); /* a pace a reading client keeps up with */
    }
    pthread_join(t, NULL);
    assert_non_null(strstr(r.got, "id: 500\nevent: big")); /* the reader got everything */
    free(r.got);
    int64_t deadline = util_now_ms() + 3000;
    while (sse_hub_clients(h) != 1 && util_now_ms() < deadline)
        usleep(10000);
    assert_int_equal(sse_hub_clients(h), 1); /* the slow one is gone */
    char buf[65536];
    ssize_t n;
    while ((n = read(sv[1], buf, sizeof(buf))) > 0)
        ;
    assert_int_equal(n, 0); /* and its stream was closed */
    sse_hub_stop(h);
    close(sv[1]);
    close(r.fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_format),
        cmocka_unit_test(test_ring_replay_and_reset),
        cmocka_unit_test(test_parse_id_and_type),
        cmocka_unit_test(test_hub_delivers_resumes_resets),
        cmocka_unit_test(test_hub_drops_slow_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
