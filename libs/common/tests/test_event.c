/* Unit tests of the events module: every build -> encode -> decode -> parse round trip, and the
 * errors a parser must name (missing field, wrong type, not JSON, wrong specversion). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/event.h"

/* Encodes data in an envelope and decodes it back, asserting the envelope survived. */
static void round_trip(const char *type, const char *subject, cJSON *data, event_t *ev)
{
    char errstr[256] = "";
    char *text = event_encode("test", type, subject, NULL, data);
    assert_non_null(text);
    int rc = event_decode(text, strlen(text), ev, errstr, sizeof(errstr));
    if (rc != 0)
        fail_msg("decode failed: %s", errstr);
    assert_string_equal(ev->type, type);
    assert_string_equal(ev->source, "byebuy/test");
    assert_string_equal(ev->subject, subject ? subject : "");
    assert_int_equal(strlen(ev->id), 36);
    assert_true(strlen(ev->time) >= 20);
    assert_non_null(ev->data);
    free(text);
}

/* Decodes a literal envelope; returns the parse function's rc through the callback. */
static cJSON *parse_json(const char *s)
{
    cJSON *root = cJSON_Parse(s);
    assert_non_null(root);
    return root;
}

/* ---- envelope ------------------------------------------------------------------------- */

static void test_envelope_errors(void **state)
{
    (void)state;
    event_t ev;
    char err[256];
    const char *notjson = "{not json";
    assert_int_equal(event_decode(notjson, strlen(notjson), &ev, err, sizeof(err)), -1);
    assert_string_equal(err, "not JSON");

    const char *v2 = "{\"specversion\":\"0.3\",\"id\":\"x\",\"source\":\"s\",\"type\":\"t\","
                     "\"data\":{}}";
    assert_int_equal(event_decode(v2, strlen(v2), &ev, err, sizeof(err)), -1);
    assert_string_equal(err, "specversion: expected \"1.0\"");

    const char *noid = "{\"specversion\":\"1.0\",\"source\":\"s\",\"type\":\"t\",\"data\":{}}";
    assert_int_equal(event_decode(noid, strlen(noid), &ev, err, sizeof(err)), -1);
    assert_string_equal(err, "id: missing");

    const char *badtype =
        "{\"specversion\":\"1.0\",\"id\":\"x\",\"source\":\"s\",\"type\":5,\"data\":{}}";
    assert_int_equal(event_decode(badtype, strlen(badtype), &ev, err, sizeof(err)), -1);
    assert_string_equal(err, "type: expected a string");

    const char *nodata = "{\"specversion\":\"1.0\",\"id\":\"x\",\"source\":\"s\",\"type\":\"t\"}";
    assert_int_equal(event_decode(nodata, strlen(nodata), &ev, err, sizeof(err)), -1);
    assert_string_equal(err, "data: missing");

    const char *arr = "[1,2]";
    assert_int_equal(event_decode(arr, strlen(arr), &ev, err, sizeof(err)), -1);
    assert_string_equal(err, "envelope: expected a JSON object");

    assert_int_equal(event_decode("", 0, &ev, err, sizeof(err)), -1);
    event_free(&ev); /* zeroed on failure: must be safe */
}

static void test_envelope_keeps_given_id(void **state)
{
    (void)state;
    event_t ev;
    char err[128];
    char *text = event_encode("api", EV_MONITOR_START, NULL, "11111111-2222-4333-8444-555555555555",
                              cJSON_CreateObject());
    assert_non_null(text);
    assert_int_equal(event_decode(text, strlen(text), &ev, err, sizeof(err)), 0);
    assert_string_equal(ev.id, "11111111-2222-4333-8444-555555555555");
    assert_string_equal(ev.source, "byebuy/api");
    assert_string_equal(ev.subject, "");
    assert_non_null(strstr(text, "\"datacontenttype\":\"application/json\""));
    event_free(&ev);
    free(text);
    /* data that is not an object is refused (and consumed) */
    assert_null(event_encode("api", "x", NULL, NULL, cJSON_CreateString("no")));
}

/* ---- field helpers ---------------------------------------------------------------------- */

static void test_int64_rules(void **state)
{
    (void)state;
    char err[128];
    int64_t v;
    cJSON *o = parse_json("{\"a\":12,\"b\":1.5,\"c\":\"12\",\"d\":9007199254740991,"
                          "\"e\":9007199254740993,\"f\":-3,\"g\":null,\"h\":1e300}");
    assert_int_equal(ev_get_int64(o, "a", true, &v, err, sizeof(err)), 0);
    assert_int_equal(v, 12);
    assert_int_equal(ev_get_int64(o, "b", true, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "b: expected an integer");
    assert_int_equal(ev_get_int64(o, "c", true, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "c: expected an integer");
    assert_int_equal(ev_get_int64(o, "d", true, &v, err, sizeof(err)), 0);
    assert_int_equal(v, 9007199254740991LL);
    assert_int_equal(ev_get_int64(o, "e", true, &v, err, sizeof(err)), -1);
    assert_int_equal(ev_get_int64(o, "h", true, &v, err, sizeof(err)), -1);
    assert_int_equal(ev_get_int64(o, "f", true, &v, err, sizeof(err)), 0);
    assert_int_equal(v, -3);
    assert_int_equal(ev_get_int64(o, "g", false, &v, err, sizeof(err)), 0);
    assert_int_equal(v, 0);
    assert_int_equal(ev_get_int64(o, "g", true, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "g: missing");
    assert_int_equal(ev_get_int64(o, "A", true, &v, err, sizeof(err)), -1); /* case-sensitive */
    cJSON_Delete(o);
}

static void test_other_getters(void **state)
{
    (void)state;
    char err[128];
    char *s = NULL;
    bool b;
    double d;
    const cJSON *x;
    cJSON *o = parse_json("{\"s\":\"hi\",\"n\":1,\"b\":true,\"d\":0.25,\"o\":{},\"a\":[]}");
    assert_int_equal(ev_get_string(o, "s", true, &s, err, sizeof(err)), 0);
    assert_string_equal(s, "hi");
    free(s);
    assert_int_equal(ev_get_string(o, "n", true, &s, err, sizeof(err)), -1);
    assert_string_equal(err, "n: expected a string");
    assert_int_equal(ev_get_string(o, "zz", false, &s, err, sizeof(err)), 0);
    assert_null(s);
    assert_int_equal(ev_get_bool(o, "b", true, &b, err, sizeof(err)), 0);
    assert_true(b);
    assert_int_equal(ev_get_bool(o, "n", true, &b, err, sizeof(err)), -1);
    assert_string_equal(err, "n: expected true or false");
    assert_int_equal(ev_get_double(o, "d", true, &d, err, sizeof(err)), 0);
    assert_true(d == 0.25);
    assert_int_equal(ev_get_double(o, "s", true, &d, err, sizeof(err)), -1);
    assert_string_equal(err, "s: expected a number");
    assert_int_equal(ev_get_object(o, "o", true, &x, err, sizeof(err)), 0);
    assert_int_equal(ev_get_object(o, "a", true, &x, err, sizeof(err)), -1);
    assert_string_equal(err, "a: expected an object");
    assert_int_equal(ev_get_array(o, "o", true, &x, err, sizeof(err)), -1);
    assert_string_equal(err, "o: expected an array");
    cJSON_Delete(o);
}

/* ---- posting ---------------------------------------------------------------------------- */

#define SHA_A "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_B "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void test_posting_requested_round_trip(void **state)
{
    (void)state;
    ev_image_t imgs[2] = {
        {"http://api.lan:8080/uploads/a.jpg", SHA_A, 123456, "image/jpeg", 800, 600},
        {"https://api.example/uploads/b.png", SHA_B, 9007199254740991LL, NULL, 10, 20},
    };
    posting_requested_t in = {
        .job_id = 42,
        .attempt = 2,
        .platform = "sandbox",
        .account_id = 7,
        .listing = {.id = 9007199254740991LL,
                    .title = "Oak desk",
                    .description = "Solid \"oak\", 120 cm\nline two",
                    .currency = "USD",
                    .condition = "good",
                    .category = "furniture",
                    .location = "Austin, TX",
                    .price_cents = 12500,
                    .images = imgs,
                    .nimages = 2},
    };
    /* ordinary integers stay number items in a built object; only >= 10^15 goes raw */
    cJSON *built = posting_requested_build(&in);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(built, F_JOB_ID)));
    const cJSON *bl = cJSON_GetObjectItemCaseSensitive(built, F_LISTING);
    assert_true(cJSON_IsRaw(cJSON_GetObjectItemCaseSensitive(bl, F_ID)));
    cJSON_Delete(built);
    event_t ev;
    round_trip(EV_POSTING_REQUESTED, "listing-1", posting_requested_build(&in), &ev);
    posting_requested_t out;
    char err[256];
    assert_int_equal(posting_requested_parse(ev.data, &out, err, sizeof(err)), 0);
    assert_int_equal(out.job_id, 42);
    assert_int_equal(out.attempt, 2);
    assert_string_equal(out.platform, "sandbox");
    assert_int_equal(out.account_id, 7);
    assert_int_equal(out.listing.id, 9007199254740991LL);
    assert_string_equal(out.listing.description, in.listing.description);
    assert_int_equal(out.listing.price_cents, 12500);
    assert_string_equal(out.listing.location, "Austin, TX");
    assert_int_equal(out.listing.nimages, 2);
    assert_string_equal(out.listing.images[0].url, "http://api.lan:8080/uploads/a.jpg");
    assert_string_equal(out.listing.images[0].sha256, SHA_A);
    assert_int_equal(out.listing.images[0].size, 123456);
    assert_string_equal(out.listing.images[0].content_type, "image/jpeg");
    assert_int_equal(out.listing.images[0].width, 800);
    assert_string_equal(out.listing.images[1].url, "https://api.example/uploads/b.png");
    assert_int_equal(out.listing.images[1].size, 9007199254740991LL);
    assert_null(out.listing.images[1].content_type);
    assert_int_equal(out.listing.images[1].height, 20);
    /* the claim check carries no file path: the poster shares no disk with the api */
    const cJSON *im0 =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                               cJSON_GetObjectItemCaseSensitive(ev.data, F_LISTING), F_IMAGES),
                           0);
    assert_null(cJSON_GetObjectItemCaseSensitive(im0, "path"));
    posting_requested_free(&out);
    event_free(&ev);
}

/* Parses a posting.requested data literal and returns the error. */
static int posting_err(const char *json, char *err, size_t err_size)
{
    cJSON *d = parse_json(json);
    posting_requested_t out;
    int rc = posting_requested_parse(d, &out, err, err_size);
    if (rc == 0)
        posting_requested_free(&out);
    cJSON_Delete(d);
    return rc;
}

static void test_posting_requested_errors(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(
        posting_err("{\"attempt\":1,\"platform\":\"x\",\"listing\":{}}", err, sizeof(err)), -1);
    assert_string_equal(err, "job_id: missing");
    assert_int_equal(
        posting_err("{\"job_id\":1,\"attempt\":1,\"platform\":\"x\",\"listing\":{"
                    "\"id\":1,\"title\":\"t\",\"price_cents\":1.5,\"currency\":\"USD\"}}",
                    err, sizeof(err)),
        -1);
    assert_string_equal(err, "listing.price_cents: expected an integer");
    assert_int_equal(
        posting_err("{\"job_id\":1,\"attempt\":1,\"platform\":\"x\",\"listing\":{"
                    "\"id\":1,\"title\":\"t\",\"price_cents\":-1,\"currency\":\"USD\"}}",
                    err, sizeof(err)),
        -1);
    assert_string_equal(err, "listing.price_cents: must not be negative");
    assert_int_equal(posting_err("{\"job_id\":1,\"attempt\":1,\"platform\":\"x\",\"listing\":{"
                                 "\"id\":1,\"title\":\"t\",\"price_cents\":1,\"currency\":\"USD\","
                                 "\"images\":[{\"url\":\"http://a/u/a\",\"sha256\":\"" SHA_A
                                 "\",\"size\":1},{\"url\":3}]}}",
                                 err, sizeof(err)),
                     -1);
    assert_string_equal(err, "listing.images[1].url: expected a string");
    assert_int_equal(posting_err("{\"job_id\":1,\"attempt\":1,\"platform\":\"x\",\"listing\":{"
                                 "\"id\":1,\"title\":\"t\",\"price_cents\":1,\"currency\":\"USD\","
                                 "\"images\":[7]}}",
                                 err, sizeof(err)),
                     -1);
    assert_string_equal(err, "listing.images[0]: expected an object");
    /* the claim check: absolute url, sha256 and size are required and checked */
    static const struct {
        const char *image, *error;
    } bad_images[] = {
        {"{\"url\":\"/uploads/a.jpg\",\"sha256\":\"" SHA_A "\",\"size\":1}",
         "listing.images[0].url: must be an absolute http(s) URL"},
        {"{\"url\":\"file:///srv/a.jpg\",\"sha256\":\"" SHA_A "\",\"size\":1}",
         "listing.images[0].url: must be an absolute http(s) URL"},
        {"{\"url\":\"http://a/u/a.jpg\",\"size\":1}", "listing.images[0].sha256: missing"},
        {"{\"url\":\"http://a/u/a.jpg\",\"sha256\":\"ABC\",\"size\":1}",
         "listing.images[0].sha256: must be 64 lowercase hex digits"},
        {"{\"url\":\"http://a/u/a.jpg\",\"sha256\":\"" SHA_A "\"}",
         "listing.images[0].size: missing"},
        {"{\"url\":\"http://a/u/a.jpg\",\"sha256\":\"" SHA_A "\",\"size\":0}",
         "listing.images[0].size: must be positive"},
    };
    for (size_t i = 0; i < sizeof(bad_images) / sizeof(bad_images[0]); i++) {
        char json[512];
        snprintf(json, sizeof(json),
                 "{\"job_id\":1,\"attempt\":1,\"platform\":\"x\",\"listing\":{\"id\":1,"
                 "\"title\":\"t\",\"price_cents\":1,\"currency\":\"USD\",\"images\":[%s]}}",
                 bad_images[i].image);
        assert_int_equal(posting_err(json, err, sizeof(err)), -1);
        assert_string_equal(err, bad_images[i].error);
    }
    assert_int_equal(posting_err("{\"job_id\":1,\"attempt\":1,\"platform\":\"x\",\"listing\":[]}",
                                 err, sizeof(err)),
                     -1);
    assert_string_equal(err, "listing: expected an object");
    assert_int_equal(posting_err("{\"job_id\":1,\"attempt\":99999999999,\"platform\":\"x\","
                                 "\"listing\":{}}",
                                 err, sizeof(err)),
                     -1);
    assert_string_equal(err, "attempt: out of range");
}

static void test_delisting_round_trip_and_errors(void **state)
{
    (void)state;
    delisting_requested_t in = {.job_id = 5,
                                .listing_id = 6,
                                .platform = "facebook",
                                .external_id = "fb-123",
                                .external_url = NULL};
    event_t ev;
    round_trip(EV_DELISTING_REQUESTED, "6", delisting_requested_build(&in), &ev);
    delisting_requested_t out;
    char err[256];
    assert_int_equal(delisting_requested_parse(ev.data, &out, err, sizeof(err)), 0);
    assert_int_equal(out.job_id, 5);
    assert_int_equal(out.listing_id, 6);
    assert_string_equal(out.external_id, "fb-123");
    assert_null(out.external_url);
    delisting_requested_free(&out);
    event_free(&ev);

    cJSON *d = parse_json("{\"job_id\":5,\"listing_id\":6,\"platform\":\"fb\"}");
    assert_int_equal(delisting_requested_parse(d, &out, err, sizeof(err)), -1);
    assert_string_equal(err, "external_id: missing (or external_url)");
    cJSON_Delete(d);

    /* published before attempt, account_id and reason existed: attempt 1, deleted */
    d = parse_json("{\"job_id\":5,\"listing_id\":6,\"platform\":\"fb\",\"external_id\":\"9\"}");
    assert_int_equal(delisting_requested_parse(d, &out, err, sizeof(err)), 0);
    assert_int_equal(out.attempt, 1);
    assert_int_equal(out.account_id, 0);
    assert_string_equal(out.reason, DELIST_DELETED);
    delisting_requested_free(&out);
    cJSON_Delete(d);

    in.attempt = 2;
    in.account_id = 4;
    in.reason = DELIST_SOLD;
    round_trip(EV_DELISTING_REQUESTED, "6", delisting_requested_build(&in), &ev);
    assert_int_equal(delisting_requested_parse(ev.data, &out, err, sizeof(err)), 0);
    assert_int_equal(out.attempt, 2);
    assert_int_equal(out.account_id, 4);
    assert_string_equal(out.reason, DELIST_SOLD);
    delisting_requested_free(&out);
    event_free(&ev);

    d = parse_json("{\"job_id\":5,\"listing_id\":6,\"platform\":\"fb\",\"external_id\":\"9\","
                   "\"reason\":\"expired\"}");
    assert_int_equal(delisting_requested_parse(d, &out, err, sizeof(err)), -1);
    assert_string_equal(err, "reason: expected sold or deleted");
    cJSON_Delete(d);
    d = parse_json("{\"job_id\":5,\"attempt\":0,\"listing_id\":6,\"platform\":\"fb\","
                   "\"external_id\":\"9\"}");
    assert_int_equal(delisting_requested_parse(d, &out, err, sizeof(err)), -1);
    assert_string_equal(err, "attempt: must be at least 1");
    cJSON_Delete(d);
}

static void test_update_round_trip_and_errors(void **state)
{
    (void)state;
    char *changed[] = {"price", "images"};
    ev_image_t img = {.url = "http://api/uploads/a.jpg", .sha256 = SHA_A, .size = 10};
    update_requested_t in = {.job_id = 12,
                             .attempt = 1,
                             .posting_job_id = 7,
                             .platform = "ebay",
                             .account_id = 3,
                             .external_id = "110",
                             .changed = changed,
                             .nchanged = 2,
                             .listing = {.id = 6,
                                         .title = "Lamp",
                                         .price_cents = 6500,
                                         .currency = "USD",
                                         .images = &img,
                                         .nimages = 1}};
    event_t ev;
    round_trip(EV_UPDATE_REQUESTED, "6", update_requested_build(&in), &ev);
    update_requested_t out;
    char err[256];
    assert_int_equal(update_requested_parse(ev.data, &out, err, sizeof(err)), 0);
    assert_int_equal(out.job_id, 12);
    assert_int_equal(out.posting_job_id, 7);
    assert_int_equal(out.account_id, 3);
    assert_string_equal(out.external_id, "110");
    assert_null(out.external_url);
    assert_int_equal(out.nchanged, 2);
    assert_true(update_changes(&out, "price"));
    assert_true(update_changes(&out, "images"));
    assert_false(update_changes(&out, "title"));
    assert_int_equal(out.listing.price_cents, 6500);
    assert_int_equal(out.listing.nimages, 1);
    assert_string_equal(out.listing.images[0].sha256, SHA_A);
    update_requested_free(&out);
    event_free(&ev);

    static const struct {
        const char *json, *error;
    } bad[] = {
        {"{\"job_id\":1,\"posting_job_id\":2,\"platform\":\"x\",\"changed\":[],"
         "\"listing\":{\"id\":1,\"title\":\"t\",\"price_cents\":1,\"currency\":\"USD\"}}",
         "external_id: missing (or external_url)"},
        {"{\"job_id\":1,\"posting_job_id\":2,\"platform\":\"x\",\"external_id\":\"e\","
         "\"listing\":{\"id\":1,\"title\":\"t\",\"price_cents\":1,\"currency\":\"USD\"}}",
         "changed: missing"},
        {"{\"job_id\":1,\"posting_job_id\":2,\"platform\":\"x\",\"external_id\":\"e\","
         "\"changed\":[\"price\",3],"
         "\"listing\":{\"id\":1,\"title\":\"t\",\"price_cents\":1,\"currency\":\"USD\"}}",
         "changed[1]: expected a field name"},
        {"{\"job_id\":1,\"platform\":\"x\",\"external_id\":\"e\",\"changed\":[],"
         "\"listing\":{\"id\":1,\"title\":\"t\",\"price_cents\":1,\"currency\":\"USD\"}}",
         "posting_job_id: missing"},
        {"{\"job_id\":1,\"posting_job_id\":2,\"platform\":\"x\",\"external_id\":\"e\","
         "\"changed\":[],\"listing\":{\"id\":1,\"title\":\"t\",\"price_cents\":-5,"
         "\"currency\":\"USD\"}}",
         "listing.price_cents: must not be negative"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cJSON *d = parse_json(bad[i].json);
        assert_int_equal(update_requested_parse(d, &out, err, sizeof(err)), -1);
        assert_string_equal(err, bad[i].error);
        cJSON_Delete(d);
    }
}

static void test_renew_round_trip_and_errors(void **state)
{
    (void)state;
    renew_requested_t in = {.job_id = 21,
                            .attempt = 2,
                            .posting_job_id = 20,
                            .listing_id = 7,
                            .platform = "facebook_marketplace",
                            .account_id = 3,
                            .external_url = "https://fb.test/marketplace/item/99/",
                            .external_id = "99"};
    event_t ev;
    round_trip(EV_RENEW_REQUESTED, "7", renew_requested_build(&in), &ev);
    renew_requested_t out;
    char err[256];
    assert_int_equal(renew_requested_parse(ev.data, &out, err, sizeof(err)), 0);
    assert_int_equal(out.job_id, 21);
    assert_int_equal(out.attempt, 2);
    assert_int_equal(out.posting_job_id, 20);
    assert_int_equal(out.listing_id, 7);
    assert_int_equal(out.account_id, 3);
    assert_string_equal(out.platform, "facebook_marketplace");
    assert_string_equal(out.external_id, "99");
    assert_string_equal(out.external_url, "https://fb.test/marketplace/item/99/");
    renew_requested_free(&out);
    event_free(&ev);

    static const struct {
        const char *json, *error;
    } bad[] = {
        {"{\"job_id\":1,\"posting_job_id\":2,\"listing_id\":3,\"platform\":\"x\"}",
         "external_id: missing (or external_url)"},
        {"{\"job_id\":1,\"listing_id\":3,\"platform\":\"x\",\"external_id\":\"e\"}",
         "posting_job_id: missing"},
        {"{\"job_id\":1,\"posting_job_id\":2,\"listing_id\":3,\"external_id\":\"e\"}",
         "platform: missing"},
        {"{\"job_id\":1,\"attempt\":0,\"posting_job_id\":2,\"listing_id\":3,"
         "\"platform\":\"x\",\"external_id\":\"e\"}",
         "attempt: must be at least 1"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cJSON *d = parse_json(bad[i].json);
        assert_int_equal(renew_requested_parse(d, &out, err, sizeof(err)), -1);
        assert_string_equal(err, bad[i].error);
        cJSON_Delete(d);
    }
}

static void test_posting_event_round_trip(void **state)
{
    (void)state;
    posting_event_t in = {.job_id = 3,
                          .attempt = 1,
                          .level = "error",
                          .message = "step 4 failed",
                          .artifact = "shot.png",
                          .error_code = "login_required",
                          .error_message = "log in again",
                          .retryable = true};
    event_t ev;
    round_trip(EV_POSTING_FAILED, "3", posting_event_build(&in), &ev);
    posting_event_t out;
    char err[256];
    assert_int_equal(posting_event_parse(ev.data, &out, err, sizeof(err)), 0);
    assert_string_equal(out.level, "error");
    assert_string_equal(out.artifact, "shot.png");
    assert_string_equal(out.error_code, "login_required");
    assert_string_equal(out.error_message, "log in again");
    assert_true(out.retryable);
    assert_null(out.external_id);
    posting_event_free(&out);
    event_free(&ev);

    /* a success event carries no error object */
    posting_event_t ok = {
        .job_id = 3, .attempt = 1, .external_id = "x1", .external_url = "https://m/x1"};
    cJSON *d = posting_event_build(&ok);
    assert_null(cJSON_GetObjectItemCaseSensitive(d, F_ERROR));
    assert_int_equal(posting_event_parse(d, &out, err, sizeof(err)), 0);
    assert_string_equal(out.external_url, "https://m/x1");
    assert_null(out.error_code);
    posting_event_free(&out);
    cJSON_Delete(d);

    d = parse_json("{\"job_id\":3,\"attempt\":1,\"error\":{\"code\":\"x\",\"retryable\":\"yes\"}}");
    assert_int_equal(posting_event_parse(d, &out, err, sizeof(err)), -1);
    assert_string_equal(err, "error.retryable: expected true or false");
    cJSON_Delete(d);
}

/* ---- reply ------------------------------------------------------------------------------ */

static void test_reply_requested_round_trip(void **state)
{
    (void)state;
    ev_history_t hist[2] = {{"buyer", "Is it available?", "2026-11-27T10:00:00Z"},
                            {"agent", "Yes it is!", "2026-11-27T10:01:00Z"}};
    ev_new_message_t nm[1] = {{"fp1", "Would you take $80?", "2026-11-27T10:02:00Z"}};
    reply_requested_t in = {
        .request_id = "req-1",
        .conversation_id = "17",
        .listing = {.id = 4,
                    .title = "Bike",
                    .description = "Blue bike",
                    .currency = "USD",
                    .condition = "good",
                    .location = "Austin",
                    .status = "active",
                    .seller_notes = "firm-ish",
                    .price_cents = 10000,
                    .floor_cents = 7500,
                    .flexibility = 0.3},
        .buyer = {.name = "Sam"},
        .state = {.status = "active", .current_offer_cents = 8000},
        .history = hist,
        .nhistory = 2,
        .new_messages = nm,
        .nnew_messages = 1,
        .policy = {.tone = "friendly",
                   .persona = NULL,
                   .auto_send = true,
                   .has_use_model = true,
                   .use_model = false,
                   .model = "llama3"},
    };
    event_t ev;
    round_trip(EV_REPLY_REQUESTED, "17", reply_requested_build(&in), &ev);
    /* "0 = none" travels as null */
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(ev.data, F_STATE);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(st, F_AGREED_PRICE_CENTS)));
    reply_requested_t out;
    char err[256];
    assert_int_equal(reply_requested_parse(ev.data, &out, err, sizeof(err)), 0);
    assert_string_equal(out.request_id, "req-1");
    assert_string_equal(out.conversation_id, "17");
    assert_int_equal(out.listing.floor_cents, 7500);
    assert_true(out.listing.flexibility == 0.3);
    assert_string_equal(out.listing.seller_notes, "firm-ish");
    assert_string_equal(out.buyer.name, "Sam");
    assert_int_equal(out.state.current_offer_cents, 8000);
    assert_int_equal(out.state.agreed_price_cents, 0);
    assert_int_equal(out.nhistory, 2);
    assert_string_equal(out.history[1].role, "agent");
    assert_int_equal(out.nnew_messages, 1);
    assert_string_equal(out.new_messages[0].fingerprint, "fp1");
    assert_string_equal(out.policy.tone, "friendly");
    assert_null(out.policy.persona);
    assert_true(out.policy.auto_send);
    assert_true(out.policy.has_use_model);
    assert_false(out.policy.use_model);
    assert_string_equal(out.policy.model, "llama3");
    reply_requested_free(&out);
    event_free(&ev);

    /* The seller never set the switch: absent, and parsed as "not set". */
    in.policy.has_use_model = false;
    in.policy.model = NULL;
    round_trip(EV_REPLY_REQUESTED, "17", reply_requested_build(&in), &ev);
    const cJSON *pol = cJSON_GetObjectItemCaseSensitive(ev.data, F_POLICY);
    assert_null(cJSON_GetObjectItemCaseSensitive(pol, F_USE_MODEL));
    assert_int_equal(reply_requested_parse(ev.data, &out, err, sizeof(err)), 0);
    assert_false(out.policy.has_use_model);
    assert_null(out.policy.model);
    reply_requested_free(&out);
    event_free(&ev);
}

static int reply_err(const char *json, char *err, size_t err_size)
{
    cJSON *d = parse_json(json);
    reply_requested_t out;
    int rc = reply_requested_parse(d, &out, err, err_size);
    if (rc == 0)
        reply_requested_free(&out);
    cJSON_Delete(d);
    return rc;
}

static void test_reply_requested_errors(void **state)
{
    (void)state;
    char err[256];
#define LISTING                                                                                    \
    "\"listing\":{\"id\":1,\"title\":\"t\",\"price_cents\":100,\"floor_cents\":50,"                \
    "\"currency\":\"USD\"}"
    assert_int_equal(
        reply_err("{\"request_id\":\"r\",\"conversation_id\":\"c\"," LISTING "}", err, sizeof(err)),
        0);
    assert_int_equal(reply_err("{\"conversation_id\":\"c\"," LISTING "}", err, sizeof(err)), -1);
    assert_string_equal(err, "request_id: missing");
    assert_int_equal(
        reply_err("{\"request_id\":\"r\",\"conversation_id\":\"c\",\"listing\":{"
                  "\"id\":1,\"title\":\"t\",\"price_cents\":100,\"currency\":\"USD\"}}",
                  err, sizeof(err)),
        -1);
    assert_string_equal(err, "listing.floor_cents: missing");
    assert_int_equal(reply_err("{\"request_id\":\"r\",\"conversation_id\":\"c\",\"listing\":{"
                               "\"id\":1,\"title\":\"t\",\"price_cents\":100,\"floor_cents\":5,"
                               "\"currency\":\"USD\",\"flexibility\":2}}",
                               err, sizeof(err)),
                     -1);
    assert_string_equal(err, "listing.flexibility: expected a number from 0 to 1");
    assert_int_equal(reply_err("{\"request_id\":\"r\",\"conversation_id\":\"c\"," LISTING
                               ",\"history\":[{\"role\":\"buyer\",\"text\":\"a\"},"
                               "{\"role\":\"robot\",\"text\":\"b\"}]}",
                               err, sizeof(err)),
                     -1);
    assert_string_equal(err, "history[1].role: expected one of buyer, seller, agent");
    assert_int_equal(reply_err("{\"request_id\":\"r\",\"conversation_id\":\"c\"," LISTING
                               ",\"new_messages\":[{\"fingerprint\":\"f\"}]}",
                               err, sizeof(err)),
                     -1);
    assert_string_equal(err, "new_messages[0].text: missing");
    assert_int_equal(reply_err("{\"request_id\":\"r\",\"conversation_id\":\"c\"," LISTING
                               ",\"state\":{\"current_offer_cents\":\"80\"}}",
                               err, sizeof(err)),
                     -1);
    assert_string_equal(err, "state.current_offer_cents: expected an integer");
    assert_int_equal(reply_err("{\"request_id\":\"r\",\"conversation_id\":\"c\"," LISTING
                               ",\"policy\":{\"auto_send\":1}}",
                               err, sizeof(err)),
                     -1);
    assert_string_equal(err, "policy.auto_send: expected true or false");
    assert_int_equal(reply_err("{\"request_id\":\"r\",\"conversation_id\":\"c\"," LISTING
                               ",\"policy\":{\"use_model\":\"yes\"}}",
                               err, sizeof(err)),
                     -1);
    assert_string_equal(err, "policy.use_model: expected true or false");
#undef LISTING
}

static void test_reply_drafted_round_trip(void **state)
{
    (void)state;
    char *viol[] = {"phone_number", "below_floor"};
    reply_drafted_t in = {
        .request_id = "req-1",
        .conversation_id = "17",
        .action = "send",
        .text = "I can do $90.",
        .intent = "offer",
        .deal = {.status = "negotiating", .buyer_offer_cents = 8000, .counter_cents = 9000},
        .guard = {.violations = viol, .nviolations = 2, .handoff_reason = NULL},
        .source = "llm",
        .model = {.name = "gpt-4o-mini",
                  .latency_ms = 812,
                  .prompt_tokens = 900,
                  .completion_tokens = 40},
    };
    event_t ev;
    round_trip(EV_REPLY_DRAFTED, "17", reply_drafted_build(&in), &ev);
    reply_drafted_t out;
    char err[256];
    assert_int_equal(reply_drafted_parse(ev.data, &out, err, sizeof(err)), 0);
    assert_string_equal(out.action, "send");
    assert_string_equal(out.text, "I can do $90.");
    assert_string_equal(out.deal.status, "negotiating");
    assert_int_equal(out.deal.counter_cents, 9000);
    assert_int_equal(out.deal.agreed_price_cents, 0);
    assert_int_equal(out.guard.nviolations, 2);
    assert_string_equal(out.guard.violations[1], "below_floor");
    assert_null(out.guard.handoff_reason);
    assert_string_equal(out.model.name, "gpt-4o-mini");
    assert_int_equal(out.model.latency_ms, 812);
    reply_drafted_free(&out);
    event_free(&ev);

    /* rules drafts have no model: null, parsed back as no name */
    reply_drafted_t rules = {.request_id = "r2",
                             .conversation_id = "c",
                             .action = "handoff",
                             .guard = {.handoff_reason = "scam: verification code"},
                             .source = "rules"};
    cJSON *d = reply_drafted_build(&rules);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(d, F_MODEL)));
    assert_int_equal(reply_drafted_parse(d, &out, err, sizeof(err)), 0);
    assert_null(out.model.name);
    assert_null(out.text);
    assert_string_equal(out.deal.status, "none");
    assert_string_equal(out.guard.handoff_reason, "scam: verification code");
    reply_drafted_free(&out);
    cJSON_Delete(d);
}

static int draft_err(const char *json, char *err, size_t err_size)
{
    cJSON *d = parse_json(json);
    reply_drafted_t out;
    int rc = reply_drafted_parse(d, &out, err, err_size);
    if (rc == 0)
        reply_drafted_free(&out);
    cJSON_Delete(d);
    return rc;
}

static void test_reply_drafted_errors(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(
        draft_err("{\"request_id\":\"r\",\"conversation_id\":\"c\",\"action\":\"yell\","
                  "\"source\":\"rules\"}",
                  err, sizeof(err)),
        -1);
    assert_string_equal(err, "action: expected one of send, handoff, none");
    assert_int_equal(
        draft_err("{\"request_id\":\"r\",\"conversation_id\":\"c\",\"action\":\"send\","
                  "\"source\":\"rules\"}",
                  err, sizeof(err)),
        -1);
    assert_string_equal(err, "text: missing (action is send)");
    assert_int_equal(
        draft_err("{\"request_id\":\"r\",\"conversation_id\":\"c\",\"action\":\"none\","
                  "\"source\":\"rules\",\"deal\":{\"status\":\"agreed\","
                  "\"agreed_price_cents\":12.5}}",
                  err, sizeof(err)),
        -1);
    assert_string_equal(err, "deal.agreed_price_cents: expected an integer");
    assert_int_equal(
        draft_err("{\"request_id\":\"r\",\"conversation_id\":\"c\",\"action\":\"none\","
                  "\"source\":\"rules\",\"guard\":{\"violations\":[\"a\",1]}}",
                  err, sizeof(err)),
        -1);
    assert_string_equal(err, "guard.violations[1]: expected a string");
    assert_int_equal(
        draft_err("{\"request_id\":\"r\",\"conversation_id\":\"c\",\"action\":\"none\"}", err,
                  sizeof(err)),
        -1);
    assert_string_equal(err, "source: missing");
}

/* ---- monitor ---------------------------------------------------------------------------- */

static void test_monitor_command_round_trip(void **state)
{
    (void)state;
    monitor_command_t in = {
        .account_id = 3, .message_id = 99, .thread_id = "t-1", .text = "Sure, pickup works"};
    event_t ev;
    round_trip(EV_MESSAGE_SEND, "3", monitor_command_build(&in), &ev);
    monitor_command_t out;
    char err[256];
    assert_int_equal(monitor_command_parse(ev.type, ev.data, &out, err, sizeof(err)), 0);
    assert_int_equal(out.account_id, 3);
    assert_int_equal(out.message_id, 99);
    assert_string_equal(out.thread_id, "t-1");
    assert_string_equal(out.text, "Sure, pickup works");
    assert_false(out.has_occurrence); /* absent: unknown (commands from before the field) */
    monitor_command_free(&out);
    event_free(&ev);

    /* occurrence round-trips, 0 included */
    for (int64_t occ = 0; occ <= 2; occ += 2) {
        in.has_occurrence = true;
        in.occurrence = occ;
        round_trip(EV_MESSAGE_SEND, "3", monitor_command_build(&in), &ev);
        assert_int_equal(monitor_command_parse(ev.type, ev.data, &out, err, sizeof(err)), 0);
        assert_true(out.has_occurrence);
        assert_int_equal(out.occurrence, occ);
        monitor_command_free(&out);
        event_free(&ev);
    }
    cJSON *bad = monitor_command_build(&in);
    cJSON_ReplaceItemInObject(bad, "occurrence", cJSON_CreateNumber(-1));
    assert_int_equal(monitor_command_parse(EV_MESSAGE_SEND, bad, &out, err, sizeof(err)), -1);
    assert_string_equal(err, "occurrence: must be >= 0");
    cJSON_ReplaceItemInObject(bad, "occurrence", cJSON_CreateString("1"));
    assert_int_equal(monitor_command_parse(EV_MESSAGE_SEND, bad, &out, err, sizeof(err)), -1);
    assert_string_equal(err, "occurrence: expected an integer");
    cJSON_ReplaceItemInObject(bad, "occurrence", cJSON_CreateNull());
    assert_int_equal(monitor_command_parse(EV_MESSAGE_SEND, bad, &out, err, sizeof(err)), 0);
    assert_false(out.has_occurrence);
    monitor_command_free(&out);
    cJSON_Delete(bad);

    monitor_command_t start = {.account_id = 3};
    round_trip(EV_MONITOR_START, "3", monitor_command_build(&start), &ev);
    assert_int_equal(monitor_command_parse(ev.type, ev.data, &out, err, sizeof(err)), 0);
    assert_int_equal(out.account_id, 3);
    assert_null(out.text);
    monitor_command_free(&out);
    /* the same data is not a valid message.send */
    assert_int_equal(monitor_command_parse(EV_MESSAGE_SEND, ev.data, &out, err, sizeof(err)), -1);
    assert_string_equal(err, "message_id: missing");
    assert_int_equal(monitor_command_parse("monitor.explode", ev.data, &out, err, sizeof(err)), -1);
    assert_string_equal(err, "type: unknown monitor command \"monitor.explode\"");
    event_free(&ev);

    cJSON *d = parse_json("{\"account_id\":\"3\"}");
    assert_int_equal(monitor_command_parse(EV_MONITOR_STOP, d, &out, err, sizeof(err)), -1);
    assert_string_equal(err, "account_id: expected an integer");
    cJSON_Delete(d);
    d = parse_json("{\"account_id\":0}");
    assert_int_equal(monitor_command_parse(EV_MONITOR_STOP, d, &out, err, sizeof(err)), -1);
    assert_string_equal(err, "account_id: must be a positive integer");
    cJSON_Delete(d);
}

static void test_monitor_event_round_trip(void **state)
{
    (void)state;
    monitor_event_t in = {
        .account_id = 2,
        .has_thread = true,
        .thread = {.id = "th-9", .url = "https://m/t/9", .listing_hint = "Oak desk"},
        .has_buyer = true,
        .buyer = {.id = "b-1", .name = "Sam"},
        .has_message = true,
        .message = {.fingerprint = "f00d",
                    .text = "Still available?",
                    .sent_at = NULL,
                    .from = "buyer"},
    };
    event_t ev;
    round_trip(EV_MESSAGE_RECEIVED, "th-9", monitor_event_build(&in), &ev);
    monitor_event_t out;
    char err[256];
    assert_int_equal(monitor_event_parse(ev.type, ev.data, &out, err, sizeof(err)), 0);
    assert_true(out.has_thread && out.has_buyer && out.has_message && !out.has_status);
    assert_string_equal(out.thread.listing_hint, "Oak desk");
    assert_string_equal(out.buyer.name, "Sam");
    assert_string_equal(out.message.fingerprint, "f00d");
    assert_string_equal(out.message.from, "buyer");
    assert_null(out.message.sent_at);
    monitor_event_free(&out);
    event_free(&ev);

    monitor_event_t st = {.account_id = 2,
                          .has_status = true,
                          .status = {.running = true,
                                     .cycle = 0,
                                     .last_poll_at = NULL,
                                     .last_error = NULL,
                                     .login_required = false}};
    round_trip(EV_MONITOR_STATUS, "2", monitor_event_build(&st), &ev);
    /* last_error is present as null, so the api can clear a previous error */
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(ev.data, F_STATUS);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(s, F_LAST_ERROR)));
    assert_int_equal(monitor_event_parse(ev.type, ev.data, &out, err, sizeof(err)), 0);
    assert_true(out.has_status && out.status.running && !out.status.login_required);
    assert_null(out.status.last_error);
    monitor_event_free(&out);
    /* a status event is not a message.received */
    assert_int_equal(monitor_event_parse(EV_MESSAGE_RECEIVED, ev.data, &out, err, sizeof(err)), -1);
    assert_string_equal(err, "thread: missing");
    event_free(&ev);

    monitor_event_t failed = {.account_id = 2,
                              .message_id = 55,
                              .has_status = true,
                              .status = {.last_error = "inbox driver not configured"}};
    round_trip(EV_MESSAGE_SEND_FAILED, "2", monitor_event_build(&failed), &ev);
    assert_int_equal(monitor_event_parse(ev.type, ev.data, &out, err, sizeof(err)), 0);
    assert_int_equal(out.message_id, 55);
    assert_string_equal(out.status.last_error, "inbox driver not configured");
    monitor_event_free(&out);
    event_free(&ev);
}

static void test_monitor_event_errors(void **state)
{
    (void)state;
    monitor_event_t out;
    char err[256];
    cJSON *d = parse_json("{\"account_id\":1,\"status\":{\"running\":\"yes\",\"cycle\":0,"
                          "\"login_required\":false}}");
    assert_int_equal(monitor_event_parse(EV_MONITOR_STATUS, d, &out, err, sizeof(err)), -1);
    assert_string_equal(err, "status.running: expected true or false");
    cJSON_Delete(d);
    d = parse_json("{\"account_id\":1,\"thread\":{\"id\":\"t\"},\"message\":{\"text\":\"x\"}}");
    assert_int_equal(monitor_event_parse(EV_MESSAGE_RECEIVED, d, &out, err, sizeof(err)), -1);
    assert_string_equal(err, "message.fingerprint: missing");
    cJSON_Delete(d);
    d = parse_json("{\"account_id\":1,\"thread\":{\"id\":\"t\"},\"message\":{\"fingerprint\":\"f\","
                   "\"text\":\"x\",\"from\":\"bot\"}}");
    assert_int_equal(monitor_event_parse(EV_MESSAGE_RECEIVED, d, &out, err, sizeof(err)), -1);
    assert_string_equal(err, "message.from: expected buyer or seller");
    cJSON_Delete(d);
    d = parse_json("{\"account_id\":1,\"message_id\":5,\"status\":{}}");
    assert_int_equal(monitor_event_parse(EV_MESSAGE_SEND_FAILED, d, &out, err, sizeof(err)), -1);
    assert_string_equal(err, "status.last_error: missing");
    cJSON_Delete(d);
}

/* ---- dlq -------------------------------------------------------------------------------- */

static void test_dlq_round_trip(void **state)
{
    (void)state;
    const unsigned char raw[] = {'o',  'k',  0xff, 0x00,
                                 0xc3, 0xa9, 0xe2, 0x82}; /* bad, NUL, é, cut */
    event_t ev;
    round_trip(EV_DLQ_MESSAGE, "key-1",
               dlq_message_build("bb.monitor.commands", 3, 1234567, "not JSON", raw, sizeof(raw)),
               &ev);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(ev.data, F_PAYLOAD);
    assert_true(cJSON_IsString(p));
    assert_string_equal(p->valuestring,
                        "ok\xEF\xBF\xBD\xEF\xBF\xBD\xC3\xA9\xEF\xBF\xBD\xEF\xBF\xBD");
    dlq_message_t out;
    char err[256];
    assert_int_equal(dlq_message_parse(ev.data, &out, err, sizeof(err)), 0);
    assert_string_equal(out.topic, "bb.monitor.commands");
    assert_int_equal(out.partition, 3);
    assert_int_equal(out.offset, 1234567);
    assert_string_equal(out.reason, "not JSON");
    assert_int_equal(out.len, sizeof(raw));
    assert_memory_equal(out.payload, raw, sizeof(raw));
    dlq_message_free(&out);
    event_free(&ev);

    /* every padding length survives */
    for (size_t n = 0; n < 5; n++) {
        cJSON *d = dlq_message_build("t", 0, 0, "r", "abcd", n);
        assert_int_equal(dlq_message_parse(d, &out, err, sizeof(err)), 0);
        assert_int_equal(out.len, n);
        assert_memory_equal(out.payload, "abcd", n);
        dlq_message_free(&out);
        cJSON_Delete(d);
    }
    cJSON *d = parse_json("{\"topic\":\"t\",\"partition\":0,\"offset\":1,\"reason\":\"r\","
                          "\"payload_base64\":\"a=b=\"}");
    assert_int_equal(dlq_message_parse(d, &out, err, sizeof(err)), -1);
    assert_string_equal(err, "payload_base64: not valid base64");
    cJSON_Delete(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope_errors),
        cmocka_unit_test(test_envelope_keeps_given_id),
        cmocka_unit_test(test_int64_rules),
        cmocka_unit_test(test_other_getters),
        cmocka_unit_test(test_posting_requested_round_trip),
        cmocka_unit_test(test_posting_requested_errors),
        cmocka_unit_test(test_delisting_round_trip_and_errors),
        cmocka_unit_test(test_update_round_trip_and_errors),
        cmocka_unit_test(test_renew_round_trip_and_errors),
        cmocka_unit_test(test_posting_event_round_trip),
        cmocka_unit_test(test_reply_requested_round_trip),
        cmocka_unit_test(test_reply_requested_errors),
        cmocka_unit_test(test_reply_drafted_round_trip),
        cmocka_unit_test(test_reply_drafted_errors),
        cmocka_unit_test(test_monitor_command_round_trip),
        cmocka_unit_test(test_monitor_event_round_trip),
        cmocka_unit_test(test_monitor_event_errors),
        cmocka_unit_test(test_dlq_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
