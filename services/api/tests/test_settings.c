/* Unit tests of the pure parts of the settings and accounts commands: settings_apply (a
 * partial update, validated as a whole, errors naming the field) and account_patch_parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "domain/account.h"
#include "domain/settings.h"

static void defaults(responder_settings_t *s)
{
    memset(s, 0, sizeof(*s));
    s->auto_reply = true;
    for (size_t i = 0; i < settings_nint_fields; i++)
        *(int *)((char *)s + settings_int_fields[i].offset) = settings_int_fields[i].def;
    snprintf(s->timezone, sizeof(s->timezone), "UTC");
}

/* Applies json to the defaults; returns the error's field ("" when accepted). */
static const char *apply(const char *json, responder_settings_t *s)
{
    static cmd_result_t r;
    cJSON *body = cJSON_Parse(json);
    assert_non_null(body);
    defaults(s);
    memset(&r, 0, sizeof(r));
    int rc = settings_apply(body, s, &r);
    cJSON_Delete(body);
    if (rc == 0)
        return "";
    assert_int_equal(r.status, CMD_INVALID);
    assert_non_null(strstr(r.detail, strrchr(r.field, '.') ? strrchr(r.field, '.') + 1 : r.field));
    return r.field;
}

static void test_settings_partial_update(void **state)
{
    (void)state;
    responder_settings_t s;
    assert_string_equal(apply("{\"tone\":\"warm\",\"use_model\":true,\"pacing\":{\"idle_min_ms\":"
                              "2000,\"idle_max_ms\":2500},\"caps\":{\"quiet_start\":\"22:00\","
                              "\"quiet_end\":\"06:00\",\"timezone\":\"Europe/Paris\"}}",
                              &s),
                        "");
    assert_string_equal(s.tone, "warm");
    assert_null(s.persona);
    assert_true(s.use_model && s.auto_reply);
    assert_int_equal(s.idle_min_ms, 2000);
    assert_int_equal(s.idle_max_ms, 2500);
    assert_int_equal(s.active_min_ms, 3000); /* left out: kept */
    assert_string_equal(s.quiet_start, "22:00");
    assert_string_equal(s.timezone, "Europe/Paris");
    settings_free(&s);
    assert_string_equal(
        apply("{\"tone\":null,\"caps\":{\"quiet_start\":null,\"quiet_end\":null}}", &s), "");
    assert_null(s.tone);
    assert_string_equal(s.quiet_start, "");
    settings_free(&s);
}

static void test_settings_errors_name_the_field(void **state)
{
    (void)state;
    static const struct {
        const char *json, *field;
    } cases[] = {
        {"{\"tone\":1}", "tone"},
        {"{\"model\":\"" /* 201 characters */
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
         "xxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
         "model"},
        {"{\"auto_reply\":0}", "auto_reply"},
        {"{\"pacing\":5}", "pacing"},
        {"{\"caps\":[]}", "caps"},
        {"{\"pacing\":{\"active_min_ms\":99}}", "pacing.active_min_ms"},
        {"{\"pacing\":{\"break_every_cycles\":1.5}}", "pacing.break_every_cycles"},
        {"{\"pacing\":{\"break_max_ms\":\"1\"}}", "pacing.break_max_ms"},
        {"{\"pacing\":{\"idle_min_ms\":20000}}", "pacing.idle_max_ms"},
        {"{\"pacing\":{\"break_min_ms\":200000}}", "pacing.break_max_ms"},
        {"{\"caps\":{\"max_sends_per_day\":0}}", "caps.max_sends_per_day"},
        {"{\"caps\":{\"quiet_start\":\"7:00\",\"quiet_end\":\"08:00\"}}", "caps.quiet_start"},
        {"{\"caps\":{\"quiet_start\":\"23:60\",\"quiet_end\":\"08:00\"}}", "caps.quiet_start"},
        {"{\"caps\":{\"quiet_start\":\"22:00\"}}", "caps.quiet_end"},
        {"{\"caps\":{\"timezone\":5}}", "caps.timezone"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        responder_settings_t s;
        const char *field = apply(cases[i].json, &s);
        settings_free(&s);
        if (strcmp(field, cases[i].field) != 0)
            fail_msg("%s: error on \"%s\", expected \"%s\"", cases[i].json, field, cases[i].field);
    }
}

static const char *parse_account(const char *json, bool create, account_patch_t *p)
{
    static cmd_result_t r;
    static cJSON *body;
    cJSON_Delete(body); /* the patch points into the previous body until the next call */
    body = cJSON_Parse(json);
    memset(&r, 0, sizeof(r));
    return account_patch_parse(body, create, p, &r) == 0 ? "" : r.field;
}

static void test_account_patch(void **state)
{
    (void)state;
    account_patch_t p;
    assert_string_equal(parse_account("{\"platform\":\"sandbox\",\"label\":\"A\"}", true, &p), "");
    assert_string_equal(p.platform, "sandbox");
    assert_int_equal(p.running, -1);
    assert_false(p.set_profile);
    assert_string_equal(parse_account("{\"running\":false,\"browser_profile\":null}", false, &p),
                        "");
    assert_int_equal(p.running, 0);
    assert_true(p.set_profile);
    assert_null(p.browser_profile);
    assert_null(p.label);
    assert_string_equal(parse_account("{\"label\":\"A\"}", true, &p), "platform");
    assert_string_equal(parse_account("{\"platform\":\"sandbox\"}", true, &p), "label");
    assert_string_equal(parse_account("{\"label\":\"\"}", false, &p), "label");
    assert_string_equal(parse_account("{\"running\":1}", false, &p), "running");
    assert_string_equal(parse_account("{\"browser_profile\":\"\"}", false, &p), "browser_profile");
    assert_string_equal(parse_account("{\"platform\":\"x\",\"label\":null}", true, &p), "label");
    parse_account("{}", false, &p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings_partial_update),
        cmocka_unit_test(test_settings_errors_name_the_field),
        cmocka_unit_test(test_account_patch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
