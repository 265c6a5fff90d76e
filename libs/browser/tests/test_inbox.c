/* Unit tests of the inbox recipe format (recipe_inbox.c: sections, scripts, template scopes,
 * errors naming the file, section, step and field), of the validation of what inbox scripts
 * return (inbox_result.c), and of the shipped inbox recipes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "browser/inbox.h"
#include "browser/inbox_result.h"
#include "browser/recipe.h"

#define LIST                                                                                       \
    "\"list_threads\":{\"steps\":[{\"action\":\"goto\",\"url\":\"{{base_url}}/inbox\"}],"          \
    "\"script\":[\"var out = [];\",\"return out;\"]}"
#define OPEN                                                                                       \
    "\"open_thread\":{\"url\":\"{{base_url}}/t/{{thread.id}}/\",\"steps\":[{\"action\":\"goto\","  \
    "\"url\":\"{{thread.url}}\"}],\"script\":\"return [];\"}"
#define SEND                                                                                       \
    "\"send\":{\"steps\":[{\"action\":\"fill\",\"selector\":{\"css\":\"div[role=textbox]\"},"      \
    "\"value\":\"{{message.text}}\",\"clear\":false,\"then_key\":\"enter\"}]}"
#define VERIFY "\"verify\":{\"script\":\"return 0;\"}"

static recipe_t *parse(const char *body, char *err, size_t size)
{
    char json[8192];
    snprintf(json, sizeof(json), "{\"base_url\":\"http://x\",%s}", body);
    err[0] = '\0';
    return recipe_parse_inbox("demo", "/dir/demo.json", json, strlen(json), err, size);
}

static void expect_error(const char *body, const char *needle)
{
    char err[512];
    recipe_t *r = parse(body, err, sizeof(err));
    if (r || !strstr(err, needle))
        fail_msg("expected an error containing [%s], got %s [%s]", needle, r ? "a recipe" : "",
                 err);
    recipe_free(r);
}

static void test_parse_valid(void **state)
{
    (void)state;
    char err[512];
    recipe_t *r = parse(LIST "," OPEN "," SEND "," VERIFY, err, sizeof(err));
    if (!r)
        fail_msg("%s", err);
    assert_int_equal(r->kind, RECIPE_INBOX);
    assert_int_equal(r->nsteps, 0);
    const recipe_inbox_t *in = r->inbox;
    assert_int_equal(in->list_threads.nsteps, 1);
    assert_string_equal(in->list_threads.script, "var out = [];\nreturn out;\n");
    assert_string_equal(in->open_thread.url, "{{base_url}}/t/{{thread.id}}/");
    assert_string_equal(in->open_thread.script, "return [];");
    assert_int_equal(in->send.nsteps, 1);
    assert_null(in->send.script);
    assert_int_equal(in->verify.nsteps, 0);
    assert_int_equal(in->verify.timeout_ms, 15000);

    /* rendering a section's template with the call's variables */
    recipe_vars_t v = {.base_url = "http://x", .thread_id = "7", .account_id = 3};
    char *u = recipe_render(r, in->open_thread.url, &v, err, sizeof(err));
    assert_string_equal(u, "http://x/t/7/");
    free(u);
    assert_null(recipe_render(r, "{{message.text}}", &v, err, sizeof(err)));
    assert_non_null(strstr(err, "{{message.text}} is not set for this call"));
    u = recipe_render(r, "{{account_id}}/{{platform}}", &v, err, sizeof(err));
    assert_string_equal(u, "3/demo");
    free(u);
    recipe_free(r);
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_error(LIST "," OPEN "," SEND, "demo.json: verify: missing");
    expect_error(LIST "," OPEN "," SEND "," VERIFY ",\"steps\":[]",
                 "demo.json: unknown top-level field \"steps\"");
    expect_error(LIST "," OPEN "," SEND "," VERIFY ",\"price_format\":\"whole\"",
                 "unknown top-level field \"price_format\"");
    expect_error(
        "\"list_threads\":{\"steps\":[{\"action\":\"goto\",\"url\":\"{{base_url}}\"}]}," OPEN
        "," SEND "," VERIFY,
        "demo.json: list_threads: script: missing");
    expect_error(LIST "," OPEN ",\"send\":{\"steps\":[{\"action\":\"sleep\",\"ms\":1}],"
                      "\"script\":\"x\"}," VERIFY,
                 "demo.json: send: unknown field \"script\"");
    expect_error(LIST
                 ",\"open_thread\":{\"steps\":[{\"action\":\"goto\",\"url\":\"{{thread.url}}\"}],"
                 "\"script\":[\"a\",1]}," SEND "," VERIFY,
                 "demo.json: open_thread: script[1]: must be a string");
    expect_error(LIST ",\"open_thread\":{\"steps\":[],\"script\":\"x\"}," SEND "," VERIFY,
                 "demo.json: open_thread: steps: must be a non-empty array");
    expect_error("\"list_threads\":{\"steps\":[{\"action\":\"upload\",\"selector\":{\"css\":\"i\"},"
                 "\"files\":\"{{listing.images}}\"}],\"script\":\"x\"}," OPEN "," SEND "," VERIFY,
                 "demo.json: list_threads: step 1 (upload): action: upload is a posting action");
    expect_error("\"list_threads\":{\"steps\":[{\"action\":\"goto\",\"url\":\"{{message.text}}\"}],"
                 "\"script\":\"x\"}," OPEN "," SEND "," VERIFY,
                 "demo.json: list_threads: step 1 (goto): url: message.text is not known in this "
                 "section");
    expect_error(LIST "," OPEN ",\"send\":{\"steps\":[{\"action\":\"fill\",\"selector\":{\"css\":"
                      "\"d\"},\"value\":\"{{listing.title}}\"}]}," VERIFY,
                 "demo.json: send: step 1 (fill): value: unknown template variable listing.title");
    expect_error(LIST "," OPEN "," SEND ",\"verify\":{\"script\":\"x\",\"timeout_ms\":5}",
                 "demo.json: verify: timeout_ms: must be a number from 100 to 600000");
    expect_error(LIST "," OPEN "," SEND "," VERIFY ",\"login_url\":\"{{thread.id}}\"",
                 "demo.json: login_url: thread.id is not known in this section");
    expect_error(LIST ",\"open_thread\":{\"url\":\"{{base_url}}/t/{{message.text}}\",\"steps\":"
                      "[{\"action\":\"goto\",\"url\":\"{{thread.url}}\"}],\"script\":\"x\"}," SEND
                      "," VERIFY,
                 "demo.json: open_thread: url: message.text is not known in this section");
    expect_error(LIST "," OPEN "," SEND ",\"verify\":[]", "demo.json: verify: must be an object");
    expect_error(LIST
                 ",\"open_thread\":{\"steps\":[{\"action\":\"goto\",\"url\":\"{{thread.url}}\"}],"
                 "\"script\":\"x\",\"not_found_selectors\":[{\"txt\":\"gone\"}]}," SEND "," VERIFY,
                 "demo.json: open_thread: not_found_selectors[0]: ");
    expect_error(LIST "," OPEN "," SEND ",\"verify\":{\"script\":\"x\",\"error_selectors\":[]}",
                 "demo.json: verify: error_selectors: must be a non-empty array");
    expect_error(LIST "," OPEN "," SEND
                      ",\"verify\":{\"script\":\"x\",\"error_selectors\":[{\"css\":\"a\"},{}]}",
                 "demo.json: verify: error_selectors[1]: ");
    expect_error(LIST "," OPEN ",\"send\":{\"steps\":[{\"action\":\"sleep\",\"ms\":1}],"
                      "\"error_selectors\":[]}," VERIFY,
                 "demo.json: send: unknown field \"error_selectors\"");
    expect_error(LIST "," OPEN "," SEND "," VERIFY ",\"login_detect\":{\"selector\":[]}",
                 "demo.json: login_detect: unknown field \"selector\"");
}

static cJSON *json(const char *s)
{
    cJSON *v = cJSON_Parse(s);
    if (!v)
        fail_msg("bad test JSON %s", s);
    return v;
}

static void expect_threads_error(const char *s, const char *needle)
{
    char err[512] = "";
    inbox_threads_t t;
    cJSON *v = json(s);
    int rc = inbox_threads_from_json(v, "http://sb", &t, err, sizeof(err));
    cJSON_Delete(v);
    if (rc == 0 || !strstr(err, needle))
        fail_msg("expected an error containing [%s], got rc %d [%s]", needle, rc, err);
    assert_int_equal(t.n, 0);
    assert_null(t.items);
}

#define T0                                                                                         \
    "{\"thread_id\":\"7\",\"url\":\"/marketplace/t/7/\",\"buyer_id\":null,\"buyer_name\":\"Sam\"," \
    "\"listing_title\":\"Oak desk\",\"item_url\":\"https://m.example/item/3/\",\"preview\":"       \
    "\"is it available?\",\"unread\":true}"

static void test_threads_json(void **state)
{
    (void)state;
    char err[512];
    inbox_threads_t t;
    cJSON *v = json("[" T0 ",{\"thread_id\":\"9\",\"url\":\"http://sb/t/9\",\"buyer_name\":\"\","
                    "\"preview\":\"\",\"unread\":false}]");
    assert_int_equal(inbox_threads_from_json(v, "http://sb", &t, err, sizeof(err)), 0);
    cJSON_Delete(v);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.items[0].thread_id, "7");
    assert_string_equal(t.items[0].url, "http://sb/marketplace/t/7/"); /* a path is joined */
    assert_null(t.items[0].buyer_id);
    assert_string_equal(t.items[0].buyer_name, "Sam");
    assert_string_equal(t.items[0].listing_title, "Oak desk");
    assert_string_equal(t.items[0].item_url, "https://m.example/item/3/");
    assert_true(t.items[0].unread);
    assert_null(t.items[1].listing_title); /* absent: NULL */
    assert_null(t.items[1].item_url);
    assert_false(t.items[1].unread);
    inbox_threads_free(&t);
    inbox_threads_free(&t); /* twice is harmless */

    v = json("[]");
    assert_int_equal(inbox_threads_from_json(v, NULL, &t, err, sizeof(err)), 0);
    assert_int_equal(t.n, 0);
    inbox_threads_free(&t);
    cJSON_Delete(v);

    expect_threads_error("{}", "list_threads: the script must return an array, not an object");
    expect_threads_error("null", "list_threads: the script must return an array, not null");
    expect_threads_error("[" T0 ",3]", "list_threads: [1]: must be an object, not a number");
    expect_threads_error("[{\"url\":\"/t/1\",\"buyer_name\":\"a\",\"preview\":\"\","
                         "\"unread\":false}]",
                         "list_threads: [0].thread_id: missing");
    expect_threads_error("[{\"thread_id\":\"\",\"url\":\"/t/1\",\"buyer_name\":\"a\","
                         "\"preview\":\"\",\"unread\":false}]",
                         "list_threads: [0].thread_id: must not be empty");
    expect_threads_error("[{\"thread_id\":7,\"url\":\"/t/1\",\"buyer_name\":\"a\","
                         "\"preview\":\"\",\"unread\":false}]",
                         "list_threads: [0].thread_id: must be a string, not a number");
    expect_threads_error("[{\"thread_id\":\"7\",\"url\":\"/t/1\",\"buyer_name\":\"a\","
                         "\"preview\":\"\",\"unread\":\"yes\"}]",
                         "list_threads: [0].unread: must be true or false, not a string");
    expect_threads_error("[{\"thread_id\":\"7\",\"url\":\"t/1\",\"buyer_name\":\"a\","
                         "\"preview\":\"\",\"unread\":false}]",
                         "list_threads: [0].url: \"t/1\" is neither an http(s) URL nor a path");
    expect_threads_error("[{\"thread_id\":\"7\",\"url\":\"/t/1\",\"buyer_name\":null,"
                         "\"preview\":\"\",\"unread\":false}]",
                         "list_threads: [0].buyer_name: missing");
    expect_threads_error("[{\"thread_id\":\"7\",\"url\":\"/t/1\",\"buyer_name\":\"a\","
                         "\"preview\":\"\",\"unread\":false,\"unred\":true}]",
                         "list_threads: [0]: unknown field \"unred\"");
    expect_threads_error("[" T0 "," T0 "]", "list_threads: [1].thread_id: \"7\" is also [0]'s");
    expect_threads_error("[{\"thread_id\":\"7\",\"url\":\"/t/1\",\"buyer_name\":\"a\","
                         "\"preview\":\"\",\"unread\":false,\"listing_title\":[]}]",
                         "list_threads: [0].listing_title: must be a string or null, not an array");
}

static void expect_messages_error(const char *s, const char *needle)
{
    char err[512] = "";
    inbox_messages_t m;
    cJSON *v = json(s);
    int rc = inbox_messages_from_json(v, "http://sb", &m, err, sizeof(err));
    cJSON_Delete(v);
    if (rc == 0 || !strstr(err, needle))
        fail_msg("expected an error containing [%s], got rc %d [%s]", needle, rc, err);
    assert_int_equal(m.n, 0);
}

static void test_messages_json(void **state)
{
    (void)state;
    char err[512];
    inbox_messages_t m;
    cJSON *v = json("[{\"from\":\"buyer\",\"text\":\"ok\",\"at\":\"4:37 AM\"},"
                    "{\"from\":\"seller\",\"text\":\"Yes,\\n it is.\"},"
                    "{\"from\":\"buyer\",\"text\":\"ok\",\"at\":null}]");
    assert_int_equal(inbox_messages_from_json(v, "http://sb", &m, err, sizeof(err)), 0);
    cJSON_Delete(v);
    assert_int_equal(m.n, 3);
    assert_int_equal(m.items[0].from, INBOX_FROM_BUYER);
    assert_string_equal(m.items[0].at, "4:37 AM");
    assert_int_equal(m.items[1].from, INBOX_FROM_SELLER);
    assert_string_equal(inbox_from_name(m.items[1].from), "seller");
    assert_null(m.items[1].at);
    assert_null(m.items[2].at);
    /* the trailing seller run is empty: the buyer wrote last */
    assert_false(inbox_trailing_seller_has(&m, "Yes, it is."));
    inbox_messages_free(&m);

    /* the object form also names the thread's listing */
    v = json("{\"messages\":[{\"from\":\"buyer\",\"text\":\"hi\"}],"
             "\"item_url\":\"/marketplace/item/3/\",\"listing_title\":\"Oak desk\"}");
    assert_int_equal(inbox_messages_from_json(v, "http://sb", &m, err, sizeof(err)), 0);
    cJSON_Delete(v);
    assert_int_equal(m.n, 1);
    assert_string_equal(m.item_url, "http://sb/marketplace/item/3/");
    assert_string_equal(m.listing_title, "Oak desk");
    inbox_messages_free(&m);
    v = json("{\"messages\":[],\"item_url\":null}");
    assert_int_equal(inbox_messages_from_json(v, NULL, &m, err, sizeof(err)), 0);
    cJSON_Delete(v);
    assert_null(m.item_url);
    assert_null(m.listing_title);
    inbox_messages_free(&m);

    expect_messages_error("\"hi\"", "open_thread: the script must return an array of messages "
                                    "or an object with \"messages\", not a string");
    expect_messages_error("{\"from\":\"buyer\"}", "open_thread: unknown field \"from\"");
    expect_messages_error("{\"item_url\":null}",
                          "open_thread: messages: must be an array, not nothing");
    expect_messages_error("{\"messages\":[],\"item_url\":\"item/3\"}",
                          "open_thread: item_url: \"item/3\" is neither an http(s) URL nor a path");
    expect_messages_error("{\"messages\":[{\"from\":\"x\",\"text\":\"\"}]}",
                          "open_thread: [0].from: must be \"buyer\" or \"seller\"");
    expect_messages_error("[{\"from\":\"me\",\"text\":\"x\"}]",
                          "open_thread: [0].from: must be \"buyer\" or \"seller\", not another "
                          "string");
    expect_messages_error("[{\"text\":\"x\"}]",
                          "open_thread: [0].from: must be \"buyer\" or \"seller\", not nothing");
    expect_messages_error("[{\"from\":\"buyer\",\"text\":\"x\"},{\"from\":\"seller\"}]",
                          "open_thread: [1].text: missing");
    expect_messages_error("[{\"from\":\"buyer\",\"text\":\"x\",\"at\":5}]",
                          "open_thread: [0].at: must be a string or null, not a number");
    expect_messages_error("[{\"from\":\"buyer\",\"text\":\"x\",\"sender\":\"Sam\"}]",
                          "open_thread: [0]: unknown field \"sender\"");
    expect_messages_error("[\"hi\"]", "open_thread: [0]: must be an object, not a string");
}

static void test_already_sent_rule(void **state)
{
    (void)state;
    char *n = inbox_text_norm("  Yes,\n\t it   is. ");
    assert_string_equal(n, "Yes, it is.");
    free(n);
    inbox_message_t items[] = {
        {INBOX_FROM_SELLER, "Hello", NULL},
        {INBOX_FROM_BUYER, "is it available?", NULL},
        {INBOX_FROM_SELLER, "Yes,\nit is.", NULL},
        {INBOX_FROM_SELLER, "Pickup today?", NULL},
    };
    inbox_messages_t m = {items, 4, NULL, NULL};
    assert_true(inbox_trailing_seller_has(&m, "Yes, it is."));
    assert_true(inbox_trailing_seller_has(&m, " Pickup today? "));
    /* before the buyer's last message: not the answer to it */
    assert_false(inbox_trailing_seller_has(&m, "Hello"));
    assert_false(inbox_trailing_seller_has(&m, "yes, it is."));
    inbox_messages_t none = {NULL, 0, NULL, NULL};
    assert_false(inbox_trailing_seller_has(&none, "Hello"));
}

/* The recipes shipped in recipes/inbox must load (run from the repository root), and
 * FACEBOOK_URL points the Facebook one elsewhere (demo mode: the sandbox). */
static void test_shipped_recipes(void **state)
{
    (void)state;
    char err[1024];
    setenv("FACEBOOK_URL", "http://127.0.0.1:8090/", 1);
    inbox_recipe_set_t *set = inbox_recipe_set_load("recipes/inbox", err, sizeof(err));
    unsetenv("FACEBOOK_URL");
    if (!set)
        fail_msg("%s", err);
    char names[128];
    inbox_recipe_names(set, names, sizeof(names));
    assert_string_equal(names, "facebook_marketplace, sandbox");
    assert_non_null(inbox_recipe_find(set, "sandbox"));
    assert_non_null(inbox_recipe_find(set, "facebook_marketplace"));
    assert_null(inbox_recipe_find(set, "ebay"));
    inbox_recipe_set_free(set);

    /* a posting recipe is not an inbox recipe */
    assert_null(inbox_recipe_set_load("services/poster/recipes", err, sizeof(err)));
    assert_non_null(strstr(err, "unknown top-level field"));
    assert_null(inbox_recipe_set_load("/nonexistent-inbox", err, sizeof(err)));
    assert_non_null(strstr(err, "INBOX_RECIPES_DIR /nonexistent-inbox"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),       cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_threads_json),      cmocka_unit_test(test_messages_json),
        cmocka_unit_test(test_already_sent_rule), cmocka_unit_test(test_shipped_recipes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
