/* The seller's conversation commands (domain/conversation_commands.c) against a real
 * PostgreSQL (BB_TEST_PG_URL; `make test` sets it): a fresh database migrated with
 * migrations/, the commands called as the http layer calls them, the rows and outbox events
 * they leave checked with SQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app.h"
#include "common/db.h"
#include "domain/conversation.h"
#include "migrate.h"

static struct app app;
static PGconn *db; /* the test's own connection, for setup and checks */
static char admin_url[512], db_url[600], db_name[64];

static PGconn *connect_or_fail(const char *url)
{
    PGconn *pg = PQconnectdb(url);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "test_conversation_commands: %s: %s", url, PQerrorMessage(pg));
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

static int run_admin(const char *sql)
{
    PGconn *pg = connect_or_fail(admin_url);
    if (!pg)
        return -1;
    PGresult *res = PQexec(pg, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(pg));
    PQclear(res);
    PQfinish(pg);
    return ok ? 0 : -1;
}

static int setup_group(void **state)
{
    (void)state;
    const char *url = getenv("BB_TEST_PG_URL");
    if (!url || !*url) {
        fprintf(stderr, "test_conversation_commands: BB_TEST_PG_URL is not set; `make test` "
                        "sets it\n");
        return -1;
    }
    snprintf(admin_url, sizeof(admin_url), "%s", url);
    snprintf(db_name, sizeof(db_name), "t_convcmd_%ld", (long)getpid());
    const char *slash = strrchr(url, '/');
    snprintf(db_url, sizeof(db_url), "%.*s/%s", (int)(slash - url), url, db_name);
    char sql[200], err[512], dir[4200];
    snprintf(sql, sizeof(sql), "CREATE DATABASE \"%s\"", db_name);
    if (run_admin(sql) != 0 || !(db = connect_or_fail(db_url)))
        return -1;
    const char *root = getenv("BB_ROOT");
    snprintf(dir, sizeof(dir), "%s/migrations", root && *root ? root : ".");
    if (migrate_run(db, dir, NULL, err, sizeof(err)) != 0) {
        fprintf(stderr, "migrations: %s\n", err);
        return -1;
    }
    app.pool = db_pool_new(db_url, 2);
    return 0;
}

static int teardown_group(void **state)
{
    (void)state;
    char sql[200];
    db_pool_free(app.pool);
    PQfinish(db);
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", db_name);
    return run_admin(sql);
}

/* The first column of the first row of sql (NULL reads as ""), in buf. */
static const char *q(const char *sql, char *buf, size_t size)
{
    PGresult *res = PQexec(db, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(db));
    snprintf(buf, size, "%s", PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    return buf;
}

static long long qi(const char *sql)
{
    char buf[64];
    return atoll(q(sql, buf, sizeof(buf)));
}

/* A conversation on listing "Lamp" (asking 80.00, floor 60.00) whose buyer wrote last, in
 * status `status`; returns its id. */
static int64_t conversation(const char *status)
{
    char sql[1200];
    static int n;
    n++;
    snprintf(sql, sizeof(sql),
             "WITH a AS (INSERT INTO marketplace_accounts (platform, label) VALUES ('sandbox',"
             " 'acc%d') RETURNING id), l AS (INSERT INTO listings (title, price_cents,"
             " min_price_cents) VALUES ('Lamp', 8000, 6000) RETURNING id),"
             " c AS (INSERT INTO conversations (account_id, thread_external_id, listing_id,"
             " status, handoff_reason) SELECT a.id, 'th%d', l.id, '%s', CASE WHEN '%s' ="
             " 'needs_attention' THEN 'scam?' END FROM a, l RETURNING id)"
             " INSERT INTO messages (conversation_id, role, text, fingerprint)"
             " SELECT id, 'buyer', 'still there?', 'fp' FROM c RETURNING conversation_id",
             n, n, status, status);
    return qi(sql);
}

static long long count(const char *fmt, int64_t id)
{
    char sql[400];
    snprintf(sql, sizeof(sql), fmt, (long long)id);
    return qi(sql);
}

static void test_send_message(void **state)
{
    (void)state;
    cmd_result_t r = {0};
    int64_t conv = conversation("active"), mid = 0;
    char sql[300], buf[400];
    snprintf(sql, sizeof(sql),
             "UPDATE conversations SET reply_request_id = 'pending', reply_requested_at = now()"
             " WHERE id = %lld",
             (long long)conv);
    q(sql, buf, sizeof(buf));

    assert_int_equal(conversation_send_message(&app, conv, "   ", &mid, &r), -1);
    assert_int_equal(r.status, CMD_INVALID);
    assert_string_equal(r.field, "text");
    memset(&r, 0, sizeof(r));
    assert_int_equal(conversation_send_message(&app, 999999, "hi", &mid, &r), -1);
    assert_int_equal(r.status, CMD_NOT_FOUND);

    memset(&r, 0, sizeof(r));
    assert_int_equal(conversation_send_message(&app, conv, "  pickup at 5?  ", &mid, &r), 0);
    snprintf(sql, sizeof(sql),
             "SELECT role || '|' || text || '|' || delivery || '|' || attempts FROM messages"
             " WHERE id = %lld",
             (long long)mid);
    assert_string_equal(q(sql, buf, sizeof(buf)), "seller|pickup at 5?|queued|1");
    /* the waiting draft would answer a second time: dropped */
    assert_int_equal(
        count("SELECT count(*) FROM conversations WHERE id = %lld AND reply_request_id IS NULL",
              conv),
        1);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM outbox WHERE type = 'message.send' AND topic ="
             " 'bb.monitor.commands' AND (payload::json->'data'->>'message_id')::bigint = %lld"
             " AND payload::json->'data'->>'text' = 'pickup at 5?'",
             (long long)mid);
    assert_int_equal(qi(sql), 1);
}

static void test_update_guards_the_floor(void **state)
{
    (void)state;
    cmd_result_t r = {0};
    int64_t conv = conversation("active");
    conversation_patch_t p = {.has_status = true, .status = "agreed", .agreed_price_cents = 5999};
    assert_int_equal(conversation_update(&app, conv, &p, &r), -1);
    assert_int_equal(r.status, CMD_INVALID);
    assert_string_equal(r.field, "agreed_price_cents");
    assert_int_equal(count("SELECT count(*) FROM conversations WHERE id = %lld AND status ="
                           " 'active' AND agreed_price_cents IS NULL",
                           conv),
                     1);
    memset(&r, 0, sizeof(r));
    p.agreed_price_cents = 6000;
    assert_int_equal(conversation_update(&app, conv, &p, &r), 0);
    assert_int_equal(count("SELECT count(*) FROM conversations WHERE id = %lld AND status ="
                           " 'agreed' AND agreed_price_cents = 6000",
                           conv),
                     1);
    /* sold, then agreed again: not an allowed move */
    memset(&r, 0, sizeof(r));
    conversation_patch_t sold = {.has_status = true, .status = "sold"};
    assert_int_equal(conversation_update(&app, conv, &sold, &r), 0);
    memset(&r, 0, sizeof(r));
    p.agreed_price_cents = 7000;
    assert_int_equal(conversation_update(&app, conv, &p, &r), -1);
    assert_int_equal(r.status, CMD_CONFLICT);
    assert_string_equal(r.field, "status");
    memset(&r, 0, sizeof(r));
    conversation_patch_t bad = {.has_status = true, .status = "needs_review"};
    assert_int_equal(conversation_update(&app, conv, &bad, &r), -1);
    assert_int_equal(r.status, CMD_INVALID);
    memset(&r, 0, sizeof(r));
    assert_int_equal(conversation_update(&app, 999999, &sold, &r), -1);
    assert_int_equal(r.status, CMD_NOT_FOUND);
}

static void test_hand_back_asks_for_the_waiting_reply(void **state)
{
    (void)state;
    cmd_result_t r = {0};
    int64_t conv = conversation("needs_attention");
    conversation_patch_t off = {.has_auto_reply = true, .auto_reply = false};
    assert_int_equal(conversation_update(&app, conv, &off, &r), 0);
    const char *requests = "SELECT count(*) FROM outbox WHERE type = 'reply.requested' AND key ="
                           " '%lld'";
    assert_int_equal(count(requests, conv), 0);

    conversation_patch_t back = {.hand_back = true};
    assert_int_equal(conversation_update(&app, conv, &back, &r), 0);
    assert_int_equal(count("SELECT count(*) FROM conversations WHERE id = %lld AND status ="
                           " 'active' AND handoff_reason IS NULL AND auto_reply AND"
                           " reply_request_id IS NOT NULL",
                           conv),
                     1);
    assert_int_equal(count(requests, conv), 1);
    /* handing back what is not handed off changes nothing */
    assert_int_equal(conversation_update(&app, conv, &back, &r), 0);
    assert_int_equal(count(requests, conv), 1);
}

static void test_update_listing_match(void **state)
{
    (void)state;
    cmd_result_t r = {0};
    int64_t conv = conversation("active");
    conversation_patch_t p = {.has_listing_id = true, .listing_id = 999999};
    assert_int_equal(conversation_update(&app, conv, &p, &r), -1);
    assert_int_equal(r.status, CMD_INVALID);
    assert_string_equal(r.field, "listing_id");
    memset(&r, 0, sizeof(r));
    p.listing_id = 0;
    assert_int_equal(conversation_update(&app, conv, &p, &r), 0);
    assert_int_equal(
        count("SELECT count(*) FROM conversations WHERE id = %lld AND listing_id IS NULL", conv),
        1);
    /* unmatched: no deal can be agreed */
    conversation_patch_t agree = {
        .has_status = true, .status = "agreed", .agreed_price_cents = 9000};
    assert_int_equal(conversation_update(&app, conv, &agree, &r), -1);
    assert_int_equal(r.status, CMD_CONFLICT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_message),
        cmocka_unit_test(test_update_guards_the_floor),
        cmocka_unit_test(test_hand_back_asks_for_the_waiting_reply),
        cmocka_unit_test(test_update_listing_match),
    };
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
