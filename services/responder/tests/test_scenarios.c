/* Buyer scenarios (services/responder/tests/scenarios.json) through plan_build, rules_draft
 * and guard_check, and each scripted model draft through guard_check: the expected action,
 * intent and deal, and the invariants every draft with action "send" must keep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "common/event.h"
#include "common/xmalloc.h"
#include "guard.h"
#include "offer.h"
#include "plan.h"
#include "rules.h"

static cJSON *g_root;
static const char *g_argv0;

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0;
    size_t cap = 0;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            buf = xrealloc(buf, cap);
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (buf == NULL) {
        buf = xstrdup("");
    } else {
        buf[len] = '\0';
    }
    return buf;
}

static int setup(void **state)
{
    (void)state;
    const char *path = getenv("BB_SCENARIOS");
    if (path == NULL) {
        path = "services/responder/tests/scenarios.json";
    }
    char *text = read_file(path);
    char alt[1024];
    if (text == NULL && getenv("BB_SCENARIOS") == NULL && g_argv0 != NULL &&
        strrchr(g_argv0, '/') != NULL) {
        /* run from elsewhere: build[-san]/tests/<binary> -> ../../services/... */
        snprintf(alt, sizeof(alt), "%.*s/../../%s", (int)(strrchr(g_argv0, '/') - g_argv0), g_argv0,
                 path);
        text = read_file(alt);
    }
    if (text == NULL) {
        print_error("cannot read %s (run from the repository root or set BB_SCENARIOS)\n", path);
        return -1;
    }
    g_root = cJSON_Parse(text);
    free(text);
    if (g_root == NULL) {
        print_error("%s: invalid JSON\n", path);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cJSON_Delete(g_root);
    return 0;
}

static const char *jstr(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool jint(const cJSON *obj, const char *key, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v)) {
        return false;
    }
    *out = (int64_t)v->valuedouble;
    return true;
}

static bool contains_ci(const char *hay, const char *needle)
{
    return hay != NULL && strcasestr(hay, needle) != NULL;
}

/* The invariants of every final draft with action send. Returns the number of failures. */
static int check_invariants(const char *name, const reply_requested_t *req, const plan_t *plan,
                            const reply_drafted_t *d)
{
    int fails = 0;
    if (d->action == NULL || strcmp(d->action, "send") != 0) {
        return 0;
    }
    const int64_t floor_cents = plan->policy.floor_cents;
    const int64_t visible = plan->policy.visible_lowest_cents;
#define INV(cond, ...)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            print_error("%s: ", name);                                                             \
            print_error(__VA_ARGS__);                                                              \
            print_error(" (text: %s)\n", d->text != NULL ? d->text : "(null)");                    \
            fails++;                                                                               \
        }                                                                                          \
    } while (0)
    INV(d->text != NULL && d->text[0] != '\0', "send with empty text");
    if (d->text == NULL) {
        return fails;
    }
    INV(strstr(d->text, "\xE2\x80\x94") == NULL, "em dash in text");
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)d->text; *p != '\0'; p++) {
        chars += (*p & 0xC0) != 0x80;
    }
    INV(chars <= GUARD_MAX_CHARS, "text longer than %d", GUARD_MAX_CHARS);
    INV(strchr(d->text, '@') == NULL && strstr(d->text, "http") == NULL &&
            strstr(d->text, "www.") == NULL,
        "contact or link in text");
    INV(plan->handoff == false, "send although the pre-guard fired");
    if (plan->listing_known && floor_cents > 0) {
        INV(d->deal.agreed_price_cents == 0 || d->deal.agreed_price_cents >= floor_cents,
            "agreed %lld below floor %lld", (long long)d->deal.agreed_price_cents,
            (long long)floor_cents);
        INV(d->deal.counter_cents == 0 || d->deal.counter_cents >= floor_cents,
            "counter %lld below floor", (long long)d->deal.counter_cents);
        offer_amount_t a[32];
        size_t n = offer_scan(d->text, plan->policy.price_cents, OFFER_SCAN_ALL, a, 32);
        for (size_t i = 0; i < n && i < 32; i++) {
            INV(a[i].cents >= floor_cents, "text names %lld below the floor",
                (long long)a[i].cents);
            bool known =
                a[i].cents == plan->buyer_offer_cents || a[i].cents == plan->agreed_cents ||
                a[i].cents == plan->last_counter_cents || a[i].cents == plan->competing_cents;
            INV(!(floor_cents < visible && a[i].cents == floor_cents && !known),
                "text names the floor");
            INV(!(a[i].cents > floor_cents && a[i].cents < visible && !known),
                "text names %lld below the visible lowest", (long long)a[i].cents);
        }
    }
    (void)req;
#undef INV
    return fails;
}

/* Compares a final draft with an expectation object. Returns the number of failures. */
static int check_expect(const char *name, const char *path, const cJSON *expect,
                        const reply_drafted_t *d)
{
    int fails = 0;
    const char *s;
    int64_t v;
#define EXP(cond, ...)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            print_error("%s [%s]: ", name, path);                                                  \
            print_error(__VA_ARGS__);                                                              \
            print_error(" (action %s, intent %s, deal %s, text: %s)\n", d->action, d->intent,      \
                        d->deal.status, d->text);                                                  \
            fails++;                                                                               \
        }                                                                                          \
    } while (0)
    if (expect == NULL) {
        return 0;
    }
    if ((s = jstr(expect, "action")) != NULL) {
        EXP(d->action != NULL && strcmp(d->action, s) == 0, "action: want %s", s);
    }
    if ((s = jstr(expect, "intent")) != NULL) {
        EXP(d->intent != NULL && strcmp(d->intent, s) == 0, "intent: want %s", s);
    }
    if ((s = jstr(expect, "deal_status")) != NULL) {
        EXP(d->deal.status != NULL && strcmp(d->deal.status, s) == 0, "deal: want %s", s);
    }
    if (jint(expect, "agreed_price_cents", &v)) {
        EXP(d->deal.agreed_price_cents == v, "agreed %lld, want %lld",
            (long long)d->deal.agreed_price_cents, (long long)v);
    }
    if (jint(expect, "counter_cents", &v)) {
        EXP(d->deal.counter_cents == v, "counter %lld, want %lld", (long long)d->deal.counter_cents,
            (long long)v);
    }
    if (jint(expect, "buyer_offer_cents", &v)) {
        EXP(d->deal.buyer_offer_cents == v, "buyer offer %lld, want %lld",
            (long long)d->deal.buyer_offer_cents, (long long)v);
    }
    if ((s = jstr(expect, "handoff_reason_contains")) != NULL) {
        EXP(contains_ci(d->guard.handoff_reason, s), "handoff reason lacks \"%s\" (got %s)", s,
            d->guard.handoff_reason != NULL ? d->guard.handoff_reason : "(null)");
    }
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(expect, "text_contains");
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        EXP(cJSON_IsString(it) && contains_ci(d->text, it->valuestring), "text lacks \"%s\"",
            cJSON_IsString(it) ? it->valuestring : "?");
    }
    arr = cJSON_GetObjectItemCaseSensitive(expect, "text_not_contains");
    cJSON_ArrayForEach(it, arr)
    {
        EXP(cJSON_IsString(it) && !contains_ci(d->text, it->valuestring), "text has \"%s\"",
            cJSON_IsString(it) ? it->valuestring : "?");
    }
    arr = cJSON_GetObjectItemCaseSensitive(expect, "violations");
    cJSON_ArrayForEach(it, arr)
    {
        EXP(cJSON_IsString(it) && guard_has_violation(d, it->valuestring), "violation %s missing",
            cJSON_IsString(it) ? it->valuestring : "?");
    }
#undef EXP
    return fails;
}

/* A scripted model answer (the prompt schema) as a draft, the way the LLM client maps it. */
static void draft_from_model(const reply_requested_t *req, const cJSON *m, reply_drafted_t *d)
{
    memset(d, 0, sizeof(*d));
    const cJSON *handoff = cJSON_GetObjectItemCaseSensitive(m, "handoff");
    d->request_id = xstrdup(req->request_id);
    d->conversation_id = xstrdup(req->conversation_id);
    d->action = xstrdup(cJSON_IsTrue(handoff) ? "handoff" : "send");
    d->text = jstr(m, "text") != NULL ? xstrdup(jstr(m, "text")) : NULL;
    d->intent = jstr(m, "intent") != NULL ? xstrdup(jstr(m, "intent")) : NULL;
    d->deal.status = jstr(m, "deal_status") != NULL ? xstrdup(jstr(m, "deal_status")) : NULL;
    (void)jint(m, "agreed_price_cents", &d->deal.agreed_price_cents);
    (void)jint(m, "buyer_offer_cents", &d->deal.buyer_offer_cents);
    (void)jint(m, "counter_cents", &d->deal.counter_cents);
    if (jstr(m, "handoff_reason") != NULL && jstr(m, "handoff_reason")[0] != '\0') {
        d->guard.handoff_reason = xstrdup(jstr(m, "handoff_reason"));
    }
    d->source = xstrdup("llm");
}

static void test_scenarios(void **state)
{
    (void)state;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(g_root, "scenarios");
    assert_true(cJSON_IsArray(list));
    int count = 0;
    int model_count = 0;
    int handoffs = 0;
    int fails = 0;
    const cJSON *sc;
    cJSON_ArrayForEach(sc, list)
    {
        const char *name = jstr(sc, "name");
        const cJSON *req_json = cJSON_GetObjectItemCaseSensitive(sc, "request");
        reply_requested_t req;
        char err[256];
        if (reply_requested_parse(req_json, &req, err, sizeof(err)) != 0) {
            print_error("%s: request does not parse: %s\n", name, err);
            fails++;
            continue;
        }
        count++;
        plan_t plan;
        if (plan_build(&req, &plan, err, sizeof(err)) != 0) {
            print_error("%s: plan_build: %s\n", name, err);
            fails++;
            reply_requested_free(&req);
            continue;
        }
        /* the rules engine: guards find nothing to repair, and the text is reproducible */
        reply_drafted_t d;
        memset(&d, 0, sizeof(d));
        (void)rules_draft(&req, &plan, &d);
        char *first_text = xstrdup(d.text != NULL ? d.text : "");
        (void)guard_check(&req, &plan, &d);
        if (d.guard.nviolations != 0) {
            print_error("%s: rules draft broke a guard: %s (text: %s)\n", name,
                        d.guard.violations[0], d.text);
            fails++;
        }
        if (strcmp(first_text, d.text) != 0) {
            print_error("%s: guard changed a rules draft: \"%s\" -> \"%s\"\n", name, first_text,
                        d.text);
            fails++;
        }
        reply_drafted_t again;
        memset(&again, 0, sizeof(again));
        (void)rules_draft(&req, &plan, &again);
        if (strcmp(first_text, again.text) != 0) {
            print_error("%s: rules text not deterministic\n", name);
            fails++;
        }
        reply_drafted_free(&again);
        free(first_text);
        if (strcmp(d.action, "handoff") == 0) {
            handoffs++;
        }
        if (getenv("BB_SCENARIOS_VERBOSE") != NULL) {
            print_message("%-40s %-7s %-12s %-11s %s%s%s\n", name, d.action, d.intent,
                          d.deal.status, d.text,
                          d.guard.handoff_reason != NULL ? " | handoff: " : "",
                          d.guard.handoff_reason != NULL ? d.guard.handoff_reason : "");
        }
        fails += check_expect(name, "rules", cJSON_GetObjectItemCaseSensitive(sc, "expect"), &d);
        fails += check_invariants(name, &req, &plan, &d);
        reply_drafted_free(&d);

        /* a scripted model draft, when the scenario has one */
        const cJSON *model = cJSON_GetObjectItemCaseSensitive(sc, "model_reply");
        if (cJSON_IsObject(model)) {
            model_count++;
            draft_from_model(&req, model, &d);
            (void)guard_check(&req, &plan, &d);
            if (getenv("BB_SCENARIOS_VERBOSE") != NULL) {
                print_message("  model -> %-7s %-11s [%zu violations: %s] %s\n", d.action,
                              d.deal.status, d.guard.nviolations,
                              d.guard.nviolations > 0 ? d.guard.violations[0] : "-", d.text);
            }
            fails += check_expect(name, "model",
                                  cJSON_GetObjectItemCaseSensitive(sc, "expect_model"), &d);
            fails += check_invariants(name, &req, &plan, &d);
            reply_drafted_free(&d);
        }
        reply_requested_free(&req);
    }
    print_message("scenarios: %d through the rules engine (%d handed off), %d scripted model "
                  "drafts\n",
                  count, handoffs, model_count);
    assert_int_equal(fails, 0);
    assert_true(count >= 40);
}

int main(int argc, char **argv)
{
    g_argv0 = argc > 0 ? argv[0] : NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scenarios, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
