/* Unit tests of recipe.c: parsing and validation (errors name the file, step and field),
 * templates, selector compilation, fuzzy option matching, and the shipped recipes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "browser/recipe.h"

/* A minimal valid recipe around the given steps JSON. */
static recipe_t *parse_steps(const char *steps, char *err, size_t size)
{
    char json[8192];
    snprintf(json, sizeof(json),
             "{\"base_url\":\"http://x\",\"maps\":{\"condition\":{\"new\":\"New\","
             "\"like_new\":\"Used - like new\",\"*\":\"Used - good\"}},\"steps\":%s}",
             steps);
    err[0] = '\0';
    return recipe_parse("demo", "/somewhere/demo.json", json, strlen(json), err, size);
}

static const char *const READ_URL = "{\"action\":\"read_url\",\"into\":\"external_url\"}";

static void expect_error(const char *steps, const char *needle)
{
    char err[512];
    recipe_t *r = parse_steps(steps, err, sizeof(err));
    if (r || !strstr(err, needle))
        fail_msg("expected an error containing [%s], got %s [%s]", needle, r ? "a recipe" : "",
                 err);
    recipe_free(r);
}

static void test_parse_valid(void **state)
{
    (void)state;
    char err[512];
    char steps[2048];
    snprintf(steps, sizeof(steps),
             "[{\"action\":\"goto\",\"url\":\"{{base_url}}/create\"},"
             "{\"action\":\"fill\",\"selector\":{\"label\":\"Title\"},"
             "\"value\":\"{{listing.title}}\",\"then_key\":\"tab\"},"
             "{\"action\":\"choose_option\",\"name\":\"Condition\",\"selector\":{\"aria_label\":"
             "\"Condition\"},\"option\":\"{{ listing.condition | map:condition }}\"},"
             "{\"action\":\"click\",\"selector\":{\"role\":\"button\",\"name\":\"Next\"},"
             "\"timeout_ms\":2500,\"optional\":true,\"retryable\":false},%s]",
             READ_URL);
    recipe_t *r = parse_steps(steps, err, sizeof(err));
    if (!r)
        fail_msg("%s", err);
    assert_non_null(r);
    assert_string_equal(r->platform, "demo");
    assert_int_equal(r->nsteps, 5);
    assert_int_equal(r->steps[0].kind, STEP_GOTO);
    assert_int_equal(r->steps[0].timeout_ms, 30000);
    assert_int_equal(r->steps[1].kind, STEP_FILL);
    assert_true(r->steps[1].clear);
    assert_string_equal(r->steps[1].key_after, "\xEE\x80\x84");
    assert_string_equal(r->steps[1].describe, "fill label \"Title\"");
    assert_string_equal(r->steps[2].describe, "choose_option Condition");
    assert_true(r->steps[2].has_options); /* default: role option */
    assert_string_equal(r->steps[2].options.using, "xpath");
    assert_non_null(strstr(r->steps[2].options.value, "@role='option'"));
    assert_int_equal(r->steps[3].timeout_ms, 2500);
    assert_true(r->steps[3].optional);
    assert_int_equal(r->steps[3].retryable, 0);
    assert_int_equal(r->steps[0].retryable, -1); /* as classified */
    recipe_free(r);
}

static void test_parse_errors_name_step_and_field(void **state)
{
    (void)state;
    expect_error(
        "[{\"action\":\"goto\",\"url\":\"{{base_url}}\"},"
        "{\"action\":\"fill\",\"selector\":{\"label\":\"T\"},\"value\":\"{{listing.titel}}\"}]",
        "demo.json: step 2 (fill): value: unknown template variable listing.titel");
    expect_error("[{\"action\":\"teleport\"}]", "demo.json: step 1 (?): action: unknown action");
    expect_error("[{\"url\":\"x\"}]", "step 1 (?): action: missing");
    expect_error("[{\"action\":\"click\"}]", "step 1 (click): selector: missing");
    expect_error("[{\"action\":\"click\",\"selector\":{\"label\":\"A\",\"css\":\"b\"}}]",
                 "step 1 (click): selector: a selector has one of");
    expect_error("[{\"action\":\"click\",\"selector\":{\"lable\":\"A\"}}]",
                 "step 1 (click): selector: a selector needs one of");
    expect_error("[{\"action\":\"click\",\"selector\":{\"role\":\"Button!\"}}]",
                 "is not an ARIA role name");
    expect_error("[{\"action\":\"click\",\"selector\":{\"css\":\"a\"},\"valeu\":1}]",
                 "step 1 (click): valeu: not a field of click");
    expect_error("[{\"action\":\"fill\",\"selector\":{\"css\":\"a\"},\"value\":\"x\","
                 "\"then_key\":\"space\"}]",
                 "step 1 (fill): then_key: must be");
    expect_error("[{\"action\":\"upload\",\"selector\":{\"css\":\"a\"},\"files\":\"/etc/passwd\"}]",
                 "step 1 (upload): files: must be \"{{listing.images}}\"");
    expect_error(
        "[{\"action\":\"fill\",\"selector\":{\"css\":\"a\"},\"value\":\"{{listing.images}}\"}]",
        "only works in upload.files");
    expect_error("[{\"action\":\"choose_option\",\"selector\":{\"css\":\"a\"},"
                 "\"option\":\"{{listing.condition|map:colour}}\"}]",
                 "step 1 (choose_option): option: unknown map colour");
    expect_error("[{\"action\":\"goto\",\"url\":\"{{base_url\"}]", "unclosed {{");
    expect_error("[{\"action\":\"goto\",\"url\":\"x\",\"timeout_ms\":-5}]",
                 "step 1 (goto): timeout_ms: must be a number");
    expect_error("[{\"action\":\"expect_url\"}]", "expect_url needs contains");
    expect_error("[{\"action\":\"goto\",\"url\":\"x\"}]", "no read_url");
    expect_error("[]", "steps: must be a non-empty array");
    expect_error("[{\"action\":\"screenshot\",\"name\":\"../etc\"}]", "step 1 (screenshot): name");
}

static void test_parse_top_level_errors(void **state)
{
    (void)state;
    char err[512];
    const char *bad_json = "{\"steps\": [";
    assert_null(recipe_parse("demo", "demo.json", bad_json, strlen(bad_json), err, sizeof(err)));
    assert_non_null(strstr(err, "demo.json: not valid JSON"));
    const char *other = "{\"platform\":\"ebay\",\"steps\":[{\"action\":\"read_url\"}]}";
    assert_null(recipe_parse("demo", "demo.json", other, strlen(other), err, sizeof(err)));
    assert_non_null(strstr(err, "platform: must equal"));
    const char *unknown = "{\"stepz\":[]}";
    assert_null(recipe_parse("demo", "demo.json", unknown, strlen(unknown), err, sizeof(err)));
    assert_non_null(strstr(err, "unknown top-level field \"stepz\""));
    const char *pf = "{\"price_format\":\"cents\",\"steps\":[{\"action\":\"read_url\"}]}";
    assert_null(recipe_parse("demo", "demo.json", pf, strlen(pf), err, sizeof(err)));
    assert_non_null(strstr(err, "price_format"));
    const char *ld = "{\"login_detect\":{\"selectors\":[{\"nope\":1}]},\"steps\":[{\"action\":"
                     "\"read_url\"}]}";
    assert_null(recipe_parse("demo", "demo.json", ld, strlen(ld), err, sizeof(err)));
    assert_non_null(strstr(err, "login_detect: selectors[0]"));
    /* error_text: the page's validation messages, 1..8 CSS selectors */
    const char *et = "{\"error_text\":[\"[role=alert]\",\".field-error\"],\"steps\":[{\"action\":"
                     "\"read_url\",\"into\":\"external_url\"}]}";
    recipe_t *r = recipe_parse("demo", "demo.json", et, strlen(et), err, sizeof(err));
    assert_non_null(r);
    assert_int_equal(r->nerror_text, 2);
    assert_string_equal(r->error_text[0], "[role=alert]");
    recipe_free(r);
    const char *et_bad = "{\"error_text\":[\"\"],\"steps\":[{\"action\":\"read_url\"}]}";
    assert_null(recipe_parse("demo", "demo.json", et_bad, strlen(et_bad), err, sizeof(err)));
    assert_non_null(strstr(err, "error_text[0]: must be a non-empty string"));
    /* nesting cJSON would recurse into is refused before it parses */
    char deep[1300];
    memset(deep, '[', 600);
    memset(deep + 600, ']', 600);
    deep[1200] = '\0';
    assert_null(recipe_parse("demo", "demo.json", deep, strlen(deep), err, sizeof(err)));
    assert_non_null(strstr(err, "nested deeper than 32 levels"));
}

static void test_templates(void **state)
{
    (void)state;
    char err[256];
    recipe_t *r = parse_steps("[{\"action\":\"read_url\"}]", err, sizeof(err));
    assert_non_null(r);
    posting_requested_t req;
    memset(&req, 0, sizeof(req));
    req.job_id = 42;
    req.attempt = 2;
    req.account_id = 7;
    req.listing.id = 9;
    req.listing.title = "Oak \"desk\" {x}";
    req.listing.price_cents = 129950;
    req.listing.condition = "like_new";
    req.listing.currency = "USD";
    recipe_vars_t vars = {.base_url = "http://h:1", .req = &req};

    char *out = recipe_render(r,
                              "{{base_url}}/i/{{listing.id}}?j={{job.id}}&a={{job.attempt}}"
                              "&acc={{account_id}}&p={{platform}}",
                              &vars, err, sizeof(err));
    assert_string_equal(out, "http://h:1/i/9?j=42&a=2&acc=7&p=demo");
    free(out);
    out = recipe_render(r, "{{listing.title}}", &vars, err, sizeof(err));
    assert_string_equal(out, "Oak \"desk\" {x}"); /* values are not re-expanded */
    free(out);
    out = recipe_render(r, "{{listing.price}} {{listing.price_cents}} {{listing.currency}}", &vars,
                        err, sizeof(err));
    assert_string_equal(out, "1299.50 129950 USD");
    free(out);
    out = recipe_render(r, "{{listing.condition|map:condition}}", &vars, err, sizeof(err));
    assert_string_equal(out, "Used - like new");
    free(out);
    req.listing.condition = "fair"; /* not in the map: its "*" */
    out = recipe_render(r, "{{listing.condition|map:condition}}", &vars, err, sizeof(err));
    assert_string_equal(out, "Used - good");
    free(out);
    out = recipe_render(r, "[{{listing.description}}]", &vars, err, sizeof(err)); /* NULL -> "" */
    assert_string_equal(out, "[]");
    free(out);
    recipe_vars_t nobase = {.base_url = NULL, .req = &req};
    assert_null(recipe_render(r, "{{base_url}}/x", &nobase, err, sizeof(err)));
    assert_non_null(strstr(err, "base_url"));
    assert_null(recipe_render(r, "{{listing.nope}}", &vars, err, sizeof(err)));
    assert_non_null(strstr(err, "unknown template variable listing.nope"));
    assert_int_equal(recipe_template_check(r, "{{listing.title | upper}}", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "unknown template filter"));
    r->price_whole = true;
    out = recipe_render(r, "{{listing.price}}", &vars, err, sizeof(err));
    assert_string_equal(out, "1300"); /* whole units round half up, never truncate */
    free(out);
    recipe_free(r);

    /* a map without "*" fails on an unknown value */
    const char *js = "{\"maps\":{\"c\":{\"new\":\"New\"}},\"steps\":[{\"action\":\"read_url\"}]}";
    r = recipe_parse("demo", "demo.json", js, strlen(js), err, sizeof(err));
    assert_non_null(r);
    req.listing.condition = "good";
    assert_null(recipe_render(r, "{{listing.condition|map:c}}", &vars, err, sizeof(err)));
    assert_non_null(strstr(err, "map c has no entry for \"good\""));
    recipe_free(r);

    /* "*": null passes an unmapped value; urlencode after a map or alone */
    js = "{\"maps\":{\"c\":{\"new\":\"Brand new\",\"*\":null}},\"steps\":[{\"action\":"
         "\"read_url\"}]}";
    r = recipe_parse("demo", "demo.json", js, strlen(js), err, sizeof(err));
    assert_non_null(r);
    out = recipe_render(r, "{{listing.condition|map:c}}", &vars, err, sizeof(err));
    assert_string_equal(out, "good");
    free(out);
    req.listing.condition = "new";
    out = recipe_render(
        r, "?q={{listing.condition | map:c | urlencode}}&t={{listing.title|urlencode}}", &vars, err,
        sizeof(err));
    assert_string_equal(out, "?q=Brand%20new&t=Oak%20%22desk%22%20%7Bx%7D");
    free(out);
    assert_int_equal(
        recipe_template_check(r, "{{listing.title | urlencode | map:c}}", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "unknown template filter"));
    recipe_free(r);
}

/* stop_detect, press, click until, choose_option levels, find_existing's new fields. */
static void test_facebook_fields(void **state)
{
    (void)state;
    char err[512];
    const char *js =
        "{\"stop_detect\":[{\"text\":\"reached your monthly limit\",\"contains\":true,"
        "\"code\":\"limit_reached\",\"remedy\":\"wait\"}],\"steps\":["
        "{\"action\":\"find_existing\",\"url\":\"{{base_url}}/s?q={{listing.title|urlencode}}\","
        "\"item\":{\"css\":\"div[role=button]\"},\"match\":\"{{listing.title}}\","
        "\"open_link\":{\"css\":\"a\"},\"url_unknown_ok\":true},"
        "{\"action\":\"press\",\"keys\":[\"ArrowDown\",\"Enter\"]},"
        "{\"action\":\"click\",\"selector\":{\"text\":\"Next\"},\"until\":{\"text\":\"Publish\"},"
        "\"max_clicks\":3},"
        "{\"action\":\"click\",\"selector\":{\"text\":\"More\"},\"optional\":true},"
        "{\"action\":\"choose_option\",\"selector\":{\"label\":\"Category\"},\"option\":\"x\","
        "\"levels\":2},{\"action\":\"read_url\"}]}";
    recipe_t *r = recipe_parse("demo", "demo.json", js, strlen(js), err, sizeof(err));
    assert_non_null(r);
    assert_int_equal(r->nstops, 1);
    assert_string_equal(r->stops[0].code, "limit_reached");
    assert_true(r->steps[0].has_link && r->steps[0].url_unknown_ok);
    assert_int_equal(r->steps[1].kind, STEP_PRESS);
    assert_int_equal(r->steps[1].nkeys, 2);
    assert_string_equal(r->steps[1].keys[0], "\xEE\x80\x95");
    assert_true(r->steps[2].has_options);
    assert_int_equal(r->steps[2].max_clicks, 3);
    assert_int_equal(r->steps[3].timeout_ms, 1500); /* optional: a quick look */
    assert_int_equal(r->steps[4].levels, 2);
    recipe_free(r);

    const char *bad_code = "{\"stop_detect\":[{\"text\":\"x\",\"code\":\"nope\",\"remedy\":\"r\"}],"
                           "\"steps\":[{\"action\":\"read_url\"}]}";
    assert_null(recipe_parse("demo", "demo.json", bad_code, strlen(bad_code), err, sizeof(err)));
    assert_non_null(strstr(err, "stop_detect[0]: code"));
    const char *no_remedy = "{\"stop_detect\":[{\"text\":\"x\",\"code\":\"blocked\"}],"
                            "\"steps\":[{\"action\":\"read_url\"}]}";
    assert_null(recipe_parse("demo", "demo.json", no_remedy, strlen(no_remedy), err, sizeof(err)));
    assert_non_null(strstr(err, "remedy"));
    const char *bad_key = "{\"steps\":[{\"action\":\"press\",\"keys\":[\"F13\"]}]}";
    assert_null(recipe_parse("demo", "demo.json", bad_key, strlen(bad_key), err, sizeof(err)));
    assert_non_null(strstr(err, "step 1 (press): keys: \"F13\" is not a key name"));
}

static void test_xpath_literal(void **state)
{
    (void)state;
    char *s = recipe_xpath_literal("Title");
    assert_string_equal(s, "'Title'");
    free(s);
    s = recipe_xpath_literal("Men's clothing");
    assert_string_equal(s, "\"Men's clothing\"");
    free(s);
    s = recipe_xpath_literal("a'b\"c");
    assert_string_equal(s, "concat('a',\"'\",'b\"c')");
    free(s);
    s = recipe_xpath_literal("'x\"");
    assert_string_equal(s, "concat(\"'\",'x\"')");
    free(s);
}

static recipe_selector_t compile(const char *json)
{
    recipe_selector_t sel;
    char err[256];
    cJSON *obj = cJSON_Parse(json);
    assert_non_null(obj);
    if (recipe_selector_compile(obj, &sel, err, sizeof(err)) != 0)
        fail_msg("%s: %s", json, err);
    cJSON_Delete(obj);
    return sel;
}

static void test_selectors(void **state)
{
    (void)state;
    recipe_selector_t s = compile("{\"css\":\"label[aria-label=\\\"Title\\\"] input\"}");
    assert_string_equal(s.using, "css selector");
    assert_string_equal(s.value, "label[aria-label=\"Title\"] input");
    recipe_selector_free(&s);

    s = compile("{\"label\":\"  Title \"}");
    assert_string_equal(s.using, "xpath");
    assert_string_equal(s.describe, "label \"  Title \"");
    /* normalised, lower-cased, compared through translate(): */
    assert_non_null(strstr(s.value, "abcdefghijklmnopqrstuvwxyz')='title'"));
    assert_non_null(strstr(s.value, "@id=//label["));
    assert_non_null(strstr(s.value, "ancestor::label["));
    assert_non_null(strstr(s.value, "self::textarea"));
    recipe_selector_free(&s);

    s = compile("{\"aria_label\":\"Men's\"}");
    assert_non_null(strstr(s.value, "@aria-label"));
    assert_non_null(strstr(s.value, "\"men's\""));
    recipe_selector_free(&s);

    s = compile("{\"role\":\"button\",\"name\":\"Next\"}");
    assert_string_equal(s.describe, "button \"Next\"");
    assert_non_null(strstr(s.value, "@role='button' or self::button"));
    assert_non_null(strstr(s.value, "='next'"));
    recipe_selector_free(&s);

    s = compile("{\"role\":\"dialog\"}");
    assert_string_equal(s.value, "//*[@role='dialog']");
    recipe_selector_free(&s);

    s = compile("{\"text\":\"Publish\"}");
    assert_non_null(strstr(s.value, "[not(.//*["));
    recipe_selector_free(&s);
    s = compile("{\"text\":\"Publ\",\"contains\":true}");
    assert_non_null(strstr(s.value, "contains(translate("));
    recipe_selector_free(&s);

    recipe_selector_t bad;
    char err[256];
    cJSON *obj = cJSON_Parse("{\"text\":\"x\",\"name\":\"y\"}");
    assert_int_equal(recipe_selector_compile(obj, &bad, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "unexpected key \"name\" in a text selector"));
    cJSON_Delete(obj);
    obj = cJSON_Parse("\"Title\"");
    assert_int_equal(recipe_selector_compile(obj, &bad, err, sizeof(err)), -1);
    cJSON_Delete(obj);
    obj = cJSON_Parse("{\"css\":\"\"}");
    assert_int_equal(recipe_selector_compile(obj, &bad, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "css: must be a non-empty string"));
    cJSON_Delete(obj);
}

static void test_fuzzy(void **state)
{
    (void)state;
    char *n = recipe_fuzzy_normalize("Used \xE2\x80\x93 Like-New");
    assert_string_equal(n, "usedlikenew");
    free(n);
    assert_true(recipe_fuzzy_score("Used - like new", "Used \xE2\x80\x93 like new") == 1.0);
    assert_true(recipe_fuzzy_score("furniture", "Furniture") == 1.0);
    assert_true(recipe_fuzzy_score("", "x") == 0.0);

    const char *cond[] = {"New", "Used - like new", "Used - good", "Used - fair"};
    assert_int_equal(recipe_fuzzy_best("used \xE2\x80\x94 GOOD", cond, 4, 0.6, NULL), 2);
    assert_int_equal(recipe_fuzzy_best("New", cond, 4, 0.6, NULL), 0);
    assert_int_equal(recipe_fuzzy_best("Used - like neww", cond, 4, 0.6, NULL), 1);

    const char *cats[] = {"Tools",        "Furniture",   "Household",
                          "Garden",       "Video games", "Books, movies & music",
                          "Miscellaneous"};
    double score = 0;
    assert_int_equal(recipe_fuzzy_best("furnitur", cats, 7, 0.6, &score), 1);
    assert_true(score > 0.8);
    assert_int_equal(recipe_fuzzy_best("videogames", cats, 7, 0.6, NULL), 4);
    /* inside a longer option: a containment match */
    assert_int_equal(recipe_fuzzy_best("Books", cats, 7, 0.6, NULL), 5);
    assert_int_equal(recipe_fuzzy_best("Books", cats, 7, 0.7, NULL), -1);
    assert_int_equal(recipe_fuzzy_best("spaceship", cats, 7, 0.6, &score), -1);
    assert_true(score < 0.6);
    const char *places[] = {"Austin, Texas", "Austinburg, Ohio"};
    assert_int_equal(recipe_fuzzy_best("Austin", places, 2, 0.6, NULL), 0);
    assert_int_equal(recipe_fuzzy_best("x", places, 0, 0.0, NULL), -1);
}

static void test_extract_after(void **state)
{
    (void)state;
    char *id =
        recipe_extract_after("https://www.facebook.com/marketplace/item/1234567/?ref=x", "/item/");
    assert_string_equal(id, "1234567");
    free(id);
    id = recipe_extract_after("http://h/marketplace/item/12", "/item/");
    assert_string_equal(id, "12");
    free(id);
    assert_null(recipe_extract_after("http://h/marketplace/item/", "/item/"));
    assert_null(recipe_extract_after("http://h/marketplace/you/selling", "/item/"));
}

/* A minimal valid recipe with extra top-level fields (the delist and update sections). */
static recipe_t *parse_sections(const char *extra, char *err, size_t size)
{
    char json[8192];
    snprintf(json, sizeof(json),
             "{\"base_url\":\"http://x\",\"maps\":{\"condition\":{\"*\":\"Used - good\"}},"
             "\"steps\":[{\"action\":\"read_url\"}],%s}",
             extra);
    err[0] = '\0';
    return recipe_parse("demo", "/somewhere/demo.json", json, strlen(json), err, size);
}

static void expect_section_error(const char *extra, const char *needle)
{
    char err[512];
    recipe_t *r = parse_sections(extra, err, sizeof(err));
    if (r || !strstr(err, needle))
        fail_msg("expected an error containing [%s], got %s [%s]", needle, r ? "a recipe" : "",
                 err);
    recipe_free(r);
}

static const char *const GONE = "\"gone\":[{\"text\":\"This listing isn't available\"}]";

static void test_sections_valid(void **state)
{
    (void)state;
    char err[512];
    char extra[4096];
    snprintf(extra, sizeof(extra),
             "\"delist\":{%s,\"already_sold\":[{\"css\":\".sold\"}],\"steps\":["
             "{\"action\":\"goto\",\"url\":\"{{posting.external_url}}\"},"
             "{\"action\":\"read_text\",\"selector\":{\"css\":\"h1\"},\"into\":\"title\"},"
             "{\"action\":\"click\",\"selector\":{\"aria_label\":\"More options for "
             "{{page.title}}\"}},"
             "{\"action\":\"wait_for\",\"selector\":{\"css\":\"[data-id='{{posting.external_id}}"
             "']\"},\"absent\":true}],"
             "\"mark_sold\":[{\"action\":\"goto\",\"url\":\"{{base_url}}/sold?r={{delist.reason}}"
             "\"}]},"
             "\"update\":{\"steps\":["
             "{\"action\":\"goto\",\"url\":\"{{base_url}}/edit?id={{posting.external_id}}\"},"
             "{\"action\":\"click\",\"selector\":{\"aria_label\":\"Remove photo\"},\"all\":true,"
             "\"when_changed\":\"images\"},"
             "{\"action\":\"upload\",\"selector\":{\"css\":\"input\"},\"files\":"
             "\"{{listing.images}}\",\"when_changed\":[\"images\"]},"
             "{\"action\":\"fill\",\"selector\":{\"label\":\"Price\"},\"value\":"
             "\"{{listing.price}}\",\"when_changed\":[\"price\",\"currency\"]}]}",
             GONE);
    recipe_t *r = parse_sections(extra, err, sizeof(err));
    if (!r)
        fail_msg("%s", err);
    assert_non_null(r->delist);
    assert_int_equal(r->delist->nsteps, 4);
    assert_int_equal(r->delist->nmark_sold, 1);
    assert_int_equal(r->delist->ngone, 1);
    assert_int_equal(r->delist->nalready_sold, 1);
    assert_int_equal(r->delist->steps[1].kind, STEP_READ_TEXT);
    assert_string_equal(r->delist->steps[1].name, "title");
    assert_non_null(r->delist->steps[2].sel.tmpl); /* rendered per run */
    assert_null(r->delist->steps[1].sel.tmpl);
    assert_true(r->delist->steps[3].absent);
    assert_non_null(r->update);
    assert_int_equal(r->update->nsteps, 4);
    assert_true(r->update->steps[1].all);
    assert_int_equal(r->update->steps[3].nwhen_changed, 2);
    assert_string_equal(r->update->steps[3].when_changed[1], "currency");
    assert_int_equal(r->tmpl_scope, 0); /* loaded: rendering is not scoped */

    /* rendering: posting.*, delist.reason, page.* and a selector with a quote in it */
    cJSON *page = cJSON_Parse("{\"title\":\"Bob's desk\"}");
    recipe_vars_t v = {.base_url = "http://x",
                       .external_url = "http://x/item/7",
                       .external_id = "7",
                       .reason = "sold",
                       .page = page};
    char *out = recipe_render(r,
                              "{{posting.external_url}}|{{posting.external_id}}|"
                              "{{delist.reason}}|{{page.title}}",
                              &v, err, sizeof(err));
    assert_non_null(out);
    assert_string_equal(out, "http://x/item/7|7|sold|Bob's desk");
    free(out);
    recipe_selector_t sel;
    assert_int_equal(
        recipe_selector_render(r, &r->delist->steps[2].sel, &v, &sel, err, sizeof(err)), 0);
    if (!strstr(sel.value, "more options for bob"))
        fail_msg("%s", sel.value);
    assert_non_null(strstr(sel.value, "\"more options for bob's desk\"")); /* quoted */
    recipe_selector_free(&sel);
    assert_int_equal(
        recipe_selector_render(r, &r->delist->steps[3].sel, &v, &sel, err, sizeof(err)), 0);
    assert_string_equal(sel.value, "[data-id='7']");
    recipe_selector_free(&sel);
    v.external_id = NULL;
    assert_int_equal(
        recipe_selector_render(r, &r->delist->steps[3].sel, &v, &sel, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "{{posting.external_id}} is not set"));
    cJSON_Delete(page);
    recipe_free(r);
}

/* The id taken by pattern: compiled at load (errors name file, section, step and field), the
 * first capture group that took part in the match, on URLs and attribute values. */
static void test_id_pattern(void **state)
{
    (void)state;
    char err[512];
    const char *fb = "[{\"action\":\"find_existing\",\"url\":\"{{base_url}}/selling\","
                     "\"item\":{\"css\":\"div[role=button][aria-label]\"},"
                     "\"match\":\"{{listing.title}}\","
                     "\"id_pattern\":\"/item/([0-9]+)|listing_id=([0-9]+)\","
                     "\"id_from\":{\"selector\":{\"css\":\"a[href*='listing_id=']\"},"
                     "\"attribute\":\"href\"},"
                     "\"item_url\":\"{{base_url}}/marketplace/item/{id}/\"},"
                     "{\"action\":\"read_url\",\"id_pattern\":\"/item/([0-9]+)\"}]";
    recipe_t *r = parse_steps(fb, err, sizeof(err));
    if (!r)
        fail_msg("%s", err);
    const recipe_step_t *find = &r->steps[0], *read = &r->steps[1];
    assert_true(find->has_id_from);
    assert_string_equal(find->id_attr, "href");
    char *id = recipe_step_id(find, "http://h/marketplace/edit/?listing_id=987654&ref=x");
    assert_string_equal(id, "987654"); /* the second alternative's group */
    free(id);
    id = recipe_step_id(find, "https://www.facebook.com/marketplace/item/1234567/?ref=x");
    assert_string_equal(id, "1234567");
    free(id);
    assert_null(recipe_step_id(find, "/ad_center/create/boost/?target_id=1000001"));
    id = recipe_step_id(read, "http://h/marketplace/item/42");
    assert_string_equal(id, "42");
    free(id);
    assert_null(recipe_step_id(read, "http://h/marketplace/you/selling/"));
    assert_null(recipe_step_id(read, NULL));
    recipe_free(r);

    /* extract_id_after still works through the same function */
    r = parse_steps("[{\"action\":\"read_url\",\"extract_id_after\":\"/item/\"}]", err,
                    sizeof(err));
    assert_non_null(r);
    id = recipe_step_id(&r->steps[0], "http://h/marketplace/item/7/");
    assert_string_equal(id, "7");
    free(id);
    recipe_free(r);

    expect_error("[{\"action\":\"read_url\",\"id_pattern\":\"/item/([0-9]+\"}]",
                 "demo.json: step 1 (read_url): id_pattern: not a POSIX extended regular "
                 "expression (");
    expect_error("[{\"action\":\"read_url\",\"id_pattern\":\"/item/[0-9]+\"}]",
                 "step 1 (read_url): id_pattern: needs a capture group");
    expect_error("[{\"action\":\"read_url\",\"id_pattern\":\"\"}]",
                 "step 1 (read_url): id_pattern: must be a non-empty");
    expect_error("[{\"action\":\"read_url\",\"id_pattern\":\"/item/([0-9]+)\","
                 "\"extract_id_after\":\"/item/\"}]",
                 "step 1 (read_url): id_pattern: use either extract_id_after or id_pattern");
    expect_error("[{\"action\":\"read_url\",\"id_from\":{}}]",
                 "step 1 (read_url): id_from: not a field of read_url");
    expect_error("[{\"action\":\"goto\",\"url\":\"x\",\"id_pattern\":\"(x)\"}]",
                 "step 1 (goto): id_pattern: not a field of goto");
    char steps[1024];
#define FIND(extra)                                                                                \
    (snprintf(steps, sizeof(steps),                                                                \
              "[{\"action\":\"find_existing\",\"url\":\"u\",\"item\":{\"css\":\"i\"},"             \
              "\"match\":\"t\"%s},{\"action\":\"read_url\"}]",                                     \
              extra),                                                                              \
     steps)
    expect_error(FIND(",\"id_pattern\":\"id=([0-9]+)\",\"item_url\":\"u/{id}\","
                      "\"id_from\":{\"selector\":{\"css\":\"a\"},\"attribute\":\"onclick\"}"),
                 "step 1 (find_existing): id_from: attribute: must be \"href\" or a \"data-...\"");
    expect_error(FIND(",\"id_pattern\":\"id=([0-9]+)\",\"item_url\":\"u/{id}\","
                      "\"id_from\":{\"selector\":{\"css\":\"a\"}}"),
                 "step 1 (find_existing): id_from: must be {\"selector\"");
    expect_error(FIND(",\"id_pattern\":\"id=([0-9]+)\","
                      "\"id_from\":{\"selector\":{\"css\":\"a\"},\"attribute\":\"data-id\"}"),
                 "step 1 (find_existing): item_url: id_from, id_pattern and item_url go together");
    expect_error(FIND(",\"id_pattern\":\"id=([0-9]+)\",\"item_url\":\"u/{listing.id}\","
                      "\"id_from\":{\"selector\":{\"css\":\"a\"},\"attribute\":\"data-id\"}"),
                 "step 1 (find_existing): item_url: must contain {id}");
#undef FIND
    /* a section's step names its section */
    expect_section_error("\"update\":{\"steps\":[{\"action\":\"read_url\","
                         "\"id_pattern\":\"(\"}]}",
                         "demo.json: update: step 1 (read_url): id_pattern: not a POSIX extended");
}

static void test_sections_errors_name_section_step_and_field(void **state)
{
    (void)state;
    expect_section_error("\"delist\":{\"steps\":[{\"action\":\"goto\",\"url\":\"x\"}]}",
                         "demo.json: delist: gone: missing");
    char buf[1024];
#define DELIST(steps) (snprintf(buf, sizeof(buf), "\"delist\":{%s,\"steps\":%s}", GONE, steps), buf)
    expect_section_error(DELIST("[{\"action\":\"goto\",\"url\":\"{{listing.title}}\"}]"),
                         "demo.json: delist: step 1 (goto): url: listing.title is not known in "
                         "this section");
    expect_section_error(DELIST("[{\"action\":\"upload\",\"selector\":{\"css\":\"i\"},"
                                "\"files\":\"{{listing.images}}\"}]"),
                         "delist: step 1 (upload): action: upload is not an action of the "
                         "delist section");
    expect_section_error(DELIST("[{\"action\":\"goto\",\"url\":\"x\",\"when_changed\":\"price\"}]"),
                         "delist: step 1 (goto): when_changed: only steps of the update section");
    expect_section_error(DELIST("[{\"action\":\"click\",\"selector\":{\"css\":"
                                "\"[id='{{posting.extrnal_id}}']\"}}]"),
                         "delist: step 1 (click): selector: css: unknown template variable "
                         "posting.extrnal_id");
    expect_section_error(DELIST("[{\"action\":\"click\",\"selector\":{\"text\":\"{{page.title}}\"}}"
                                "]"),
                         "step 1 (click): selector: text: page.title is not set by a read_text");
    expect_section_error(DELIST("[{\"action\":\"read_text\",\"selector\":{\"css\":\"h1\"},"
                                "\"into\":\"a b\"}]"),
                         "delist: step 1 (read_text): into:");
#undef DELIST
    snprintf(buf, sizeof(buf),
             "\"delist\":{%s,\"steps\":[{\"action\":\"goto\",\"url\":\"x\"}],\"mark_sold\":["
             "{\"action\":\"goto\",\"url\":\"x\"},{\"action\":\"click\"}]}",
             GONE);
    expect_section_error(buf, "demo.json: delist.mark_sold: step 2 (click): selector: missing");
    snprintf(buf, sizeof(buf), "\"delist\":{%s,\"stpes\":[]}", GONE);
    expect_section_error(buf, "demo.json: delist: unknown field \"stpes\"");
    expect_section_error("\"delist\":{\"gone\":[],\"steps\":[]}",
                         "delist: gone: must be a non-empty array");
    expect_section_error("\"update\":{\"steps\":[{\"action\":\"find_existing\",\"url\":\"x\","
                         "\"item\":{\"css\":\"a\"},\"match\":\"x\"}]}",
                         "demo.json: update: step 1 (find_existing): action: find_existing is "
                         "not an action of the update section");
    expect_section_error("\"update\":{\"steps\":[{\"action\":\"goto\",\"url\":\"x\","
                         "\"when_changed\":\"colour\"}]}",
                         "update: step 1 (goto): when_changed: \"colour\" is not a listing field");
    expect_section_error("\"update\":{\"steps\":[{\"action\":\"upload\",\"selector\":{\"css\":"
                         "\"i\"},\"files\":\"{{listing.images}}\"}]}",
                         "update: step 1 (upload): when_changed: an upload of the update section "
                         "needs");
    expect_section_error("\"update\":{\"steps\":[{\"action\":\"goto\",\"url\":"
                         "\"{{delist.reason}}\"}]}",
                         "update: step 1 (goto): url: delist.reason is not known in this section");
    expect_section_error("\"update\":{\"steps\":[]}", "demo.json: update: steps: must be a "
                                                      "non-empty array");
    /* the posting steps know no posting yet */
    expect_error("[{\"action\":\"goto\",\"url\":\"{{posting.external_url}}\"}]",
                 "step 1 (goto): url: posting.external_url is not known in this section");
    expect_error("[{\"action\":\"goto\",\"url\":\"x\",\"when_changed\":\"price\"}]",
                 "when_changed: only steps of the update section");
}

/* The renew section: its not_yet selectors and message, posting.* known, listing.* not. */
static void test_renew_section(void **state)
{
    (void)state;
    char err[512];
    recipe_t *r = parse_sections(
        "\"renew\":{\"not_yet_message\":\"allowed every 7 days\",\"not_yet\":[{\"xpath\":"
        "\"//*[@role='menuitem'][@aria-disabled='true']\"}],\"steps\":[{\"action\":\"goto\","
        "\"url\":\"{{posting.external_url}}\"},{\"action\":\"click\",\"selector\":{\"role\":"
        "\"menuitem\",\"name\":\"Renew\"}}]}",
        err, sizeof(err));
    if (!r)
        fail_msg("%s", err);
    assert_non_null(r->renew);
    assert_int_equal(r->renew->nsteps, 2);
    assert_int_equal(r->renew->nnot_yet, 1);
    assert_string_equal(r->renew->not_yet_message, "allowed every 7 days");
    assert_null(r->delist);
    recipe_free(r);

    static const char *const NY = "\"not_yet\":[{\"text\":\"Renew (3 days)\"}]";
    char buf[1024];
    snprintf(buf, sizeof(buf), "\"renew\":{%s,\"steps\":[{\"action\":\"goto\",\"url\":\"x\"}]}",
             NY);
    expect_section_error(buf, "demo.json: renew: not_yet_message: missing");
    expect_section_error("\"renew\":{\"not_yet_message\":\"m\",\"steps\":[{\"action\":\"goto\","
                         "\"url\":\"x\"}]}",
                         "demo.json: renew: not_yet: missing");
    snprintf(buf, sizeof(buf),
             "\"renew\":{\"not_yet_message\":\"m\",%s,\"steps\":[{\"action\":\"goto\","
             "\"url\":\"{{listing.title}}\"}]}",
             NY);
    expect_section_error(buf, "renew: step 1 (goto): url: listing.title is not known in this "
                              "section");
    snprintf(buf, sizeof(buf),
             "\"renew\":{\"not_yet_message\":\"m\",%s,\"steps\":[{\"action\":\"read_url\"}]}", NY);
    expect_section_error(buf, "renew: step 1 (read_url): action: read_url is not an action of "
                              "the renew section");
    snprintf(buf, sizeof(buf), "\"renew\":{\"not_yet_message\":\"m\",%s,\"step\":[]}", NY);
    expect_section_error(buf, "demo.json: renew: unknown field \"step\"");
}

/* The recipes shipped in services/poster/recipes must load (run from the repository root). */
static void test_shipped_recipes(void **state)
{
    (void)state;
    recipe_set_t set;
    char err[512];
    const char *dir = getenv("RECIPES_DIR") ? getenv("RECIPES_DIR") : "services/poster/recipes";
    setenv("SANDBOX_URL", "http://127.0.0.1:9999/", 1);
    if (recipe_set_load(dir, &set, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    const recipe_t *sb = recipe_set_find(&set, "sandbox");
    const recipe_t *fb = recipe_set_find(&set, "facebook_marketplace");
    assert_non_null(sb);
    assert_non_null(fb);
    assert_null(recipe_set_find(&set, "ebay"));
    assert_string_equal(sb->base_url, "http://127.0.0.1:9999"); /* env override, no slash */
    assert_string_equal(fb->base_url, "https://www.facebook.com");
    assert_true(fb->price_whole);
    assert_int_equal(sb->steps[0].kind, STEP_FIND_EXISTING); /* redelivery guard comes first */
    assert_int_equal(fb->steps[0].kind, STEP_FIND_EXISTING);
    assert_true(fb->nlogin_url_contains >= 2);
    /* both delist (delete and mark sold) and update */
    assert_non_null(sb->delist);
    assert_non_null(sb->delist->mark_sold);
    assert_true(sb->delist->ngone >= 1 && sb->delist->nalready_sold >= 1);
    assert_non_null(sb->update);
    assert_non_null(fb->delist);
    assert_non_null(fb->update);
    recipe_set_free(&set);
    assert_int_equal(recipe_set_load("/nonexistent-recipes", &set, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "RECIPES_DIR /nonexistent-recipes"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_errors_name_step_and_field),
        cmocka_unit_test(test_parse_top_level_errors),
        cmocka_unit_test(test_templates),
        cmocka_unit_test(test_facebook_fields),
        cmocka_unit_test(test_xpath_literal),
        cmocka_unit_test(test_selectors),
        cmocka_unit_test(test_fuzzy),
        cmocka_unit_test(test_extract_after),
        cmocka_unit_test(test_sections_valid),
        cmocka_unit_test(test_renew_section),
        cmocka_unit_test(test_sections_errors_name_section_step_and_field),
        cmocka_unit_test(test_id_pattern),
        cmocka_unit_test(test_shipped_recipes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
