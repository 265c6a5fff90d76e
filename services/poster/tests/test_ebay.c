/* Unit tests of the eBay driver's pure parts: the token file and token answers, the pasted
 * consent code, eBay's error envelope and what it maps to, Retry-After within the driver's
 * bound, the listing's condition, SKU, inventory item and offer, and what the driver reads
 * back (offers, category suggestions, policies, locations), and the endpoints per EBAY_ENV. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/httpc.h"
#include "ebay_api.h"
#include "ebay_config.h"
#include "ebay_listing.h"
#include "ebay_oauth.h"
#include "ebay_token.h"

static void test_token_file_roundtrip(void **state)
{
    (void)state;
    char dir[] = "/tmp/bb-ebay-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], err[512];
    assert_int_equal(ebay_token_path(dir, 7, path, sizeof(path)), 0);
    assert_non_null(strstr(path, "/ebay-7/oauth.json"));
    ebay_token_t t;
    assert_int_equal(ebay_token_load(path, &t, err, sizeof(err)), EBAY_TOKEN_MISSING);

    ebay_token_t w = {.refresh_token = "r^1#x",
                      .refresh_expires_at = 2000000000,
                      .access_token = "a^1#y",
                      .access_expires_at = 1900000000,
                      .env = "sandbox"};
    assert_int_equal(ebay_token_save(path, &w, err, sizeof(err)), 0);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    char parent[256];
    snprintf(parent, sizeof(parent), "%s/ebay-7", dir);
    assert_int_equal(stat(parent, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(ebay_token_load(path, &t, err, sizeof(err)), EBAY_TOKEN_OK);
    assert_string_equal(t.refresh_token, "r^1#x");
    assert_string_equal(t.access_token, "a^1#y");
    assert_int_equal(t.access_expires_at, 1900000000);
    assert_int_equal(t.refresh_expires_at, 2000000000);
    assert_string_equal(t.env, "sandbox");
    ebay_token_free(&t);

    /* a file that is not ours */
    FILE *f = fopen(path, "w");
    fputs("{\"access_token\":\"x\"}", f);
    fclose(f);
    assert_int_equal(ebay_token_load(path, &t, err, sizeof(err)), EBAY_TOKEN_ERROR);
    assert_non_null(strstr(err, "refresh_token"));
    assert_null(t.refresh_token);
    unlink(path);
    rmdir(parent);
    rmdir(dir);
}

static void test_token_grant_and_freshness(void **state)
{
    (void)state;
    ebay_token_t t = {0};
    char err[256];
    const char *code = "{\"access_token\":\"A1\",\"expires_in\":7200,\"refresh_token\":\"R1\","
                       "\"refresh_token_expires_in\":47304000,\"token_type\":\"User Access "
                       "Token\"}";
    assert_int_equal(ebay_token_parse_grant(code, 1000, &t, err, sizeof(err)), 0);
    assert_string_equal(t.access_token, "A1");
    assert_int_equal(t.access_expires_at, 8200);
    assert_string_equal(t.refresh_token, "R1");
    assert_int_equal(t.refresh_expires_at, 47305000);
    /* a refresh answer has no refresh token: the old one stays */
    assert_int_equal(ebay_token_parse_grant("{\"access_token\":\"A2\",\"expires_in\":7200}", 5000,
                                            &t, err, sizeof(err)),
                     0);
    assert_string_equal(t.access_token, "A2");
    assert_string_equal(t.refresh_token, "R1");
    assert_int_equal(t.refresh_expires_at, 47305000);
    /* malformed answers leave t alone */
    assert_int_equal(ebay_token_parse_grant("{\"expires_in\":7200}", 0, &t, err, sizeof(err)), -1);
    assert_int_equal(ebay_token_parse_grant("<html>", 0, &t, err, sizeof(err)), -1);
    assert_int_equal(
        ebay_token_parse_grant("{\"access_token\":\"\",\"expires_in\":5}", 0, &t, err, sizeof(err)),
        -1);
    assert_string_equal(t.access_token, "A2");
    /* fresh until EBAY_TOKEN_MARGIN_S before expiry (12200) */
    assert_true(ebay_token_fresh(&t, 12200 - EBAY_TOKEN_MARGIN_S - 1));
    assert_false(ebay_token_fresh(&t, 12200 - EBAY_TOKEN_MARGIN_S));
    assert_false(ebay_token_refresh_expired(&t, 47304999));
    assert_true(ebay_token_refresh_expired(&t, 47305000));
    t.refresh_expires_at = 0; /* unknown: never expired */
    assert_false(ebay_token_refresh_expired(&t, INT64_MAX / 2));
    ebay_token_free(&t);
}

static void test_consent_url_and_pasted_code(void **state)
{
    (void)state;
    char *url = ebay_oauth_consent_url("https://auth.sandbox.ebay.com/oauth2/authorize", "app-1",
                                       "My_Ru-Name", "s1");
    assert_string_equal(url, "https://auth.sandbox.ebay.com/oauth2/authorize?client_id=app-1&"
                             "redirect_uri=My_Ru-Name&response_type=code&scope=https%3A%2F%2Fapi."
                             "ebay.com%2Foauth%2Fapi_scope%2Fsell.inventory%20https%3A%2F%2Fapi."
                             "ebay.com%2Foauth%2Fapi_scope%2Fsell.account&state=s1");
    free(url);
    char err[256];
    /* the whole redirect URL: code URL-decoded */
    char *code = ebay_oauth_code_from_input(
        "  https://x.invalid/ok?state=s1&code=v%5E1.1%23i%5E1%3D%3D&expires_in=299\n", "s1", err,
        sizeof(err));
    assert_string_equal(code, "v^1.1#i^1==");
    free(code);
    /* the bare code */
    code = ebay_oauth_code_from_input(" v^1.1#abc== \r\n", "s1", err, sizeof(err));
    assert_string_equal(code, "v^1.1#abc==");
    free(code);
    /* the bare code copied out of the URL, still encoded */
    code = ebay_oauth_code_from_input("v%5E1.1%23abc%3D%3D", "s1", err, sizeof(err));
    assert_string_equal(code, "v^1.1#abc==");
    free(code);
    /* another login's URL, a declined consent, no code */
    assert_null(
        ebay_oauth_code_from_input("https://x.invalid/ok?state=s2&code=c", "s1", err, sizeof(err)));
    assert_non_null(strstr(err, "state"));
    assert_null(ebay_oauth_code_from_input("https://x.invalid/ok?error=access_denied&state=s1",
                                           "s1", err, sizeof(err)));
    assert_non_null(strstr(err, "access_denied"));
    assert_null(
        ebay_oauth_code_from_input("https://x.invalid/ok?state=s1", "s1", err, sizeof(err)));
    assert_null(ebay_oauth_code_from_input("   ", "s1", err, sizeof(err)));
}

static void test_error_envelope(void **state)
{
    (void)state;
    ebay_error_info_t info;
    const char *exists =
        "{\"errors\":[{\"errorId\":25002,\"domain\":\"API_INVENTORY\",\"category\":\"REQUEST\","
        "\"message\":\"Offer entity already exists.\",\"parameters\":[{\"name\":\"offerId\","
        "\"value\":\"9001\"}]}]}";
    assert_int_equal(ebay_error_parse(exists, &info), 0);
    assert_int_equal(info.error_id, 25002);
    assert_string_equal(info.message, "Offer entity already exists.");
    assert_string_equal(info.offer_id, "9001");
    assert_int_equal(ebay_error_parse("{\"warnings\":[]}", &info), -1);
    assert_int_equal(ebay_error_parse("", &info), -1);
    assert_int_equal(ebay_error_parse(NULL, &info), -1);
    assert_int_equal(info.error_id, 0);
}

static void test_error_mapping(void **state)
{
    (void)state;
    ebay_err_t e = {0};
    ebay_fail_reply(400,
                    "{\"errors\":[{\"errorId\":25007,\"message\":\"Please add a valid "
                    "fulfillment policy to your offer.\"}]}",
                    "publishing offer 5", 3, &e);
    assert_string_equal(e.code, "setup_required");
    assert_false(e.retryable);
    assert_non_null(strstr(e.message, "errorId 25007"));
    assert_non_null(strstr(e.message, "Business policies"));
    ebay_fail_reply(401, "{\"errors\":[{\"errorId\":1001,\"message\":\"Invalid access token\"}]}",
                    "the offer lookup", 3, &e);
    assert_string_equal(e.code, "auth_required");
    assert_non_null(strstr(e.message, "byebuy-login --platform ebay --account 3"));
    ebay_fail_reply(429, "{\"errors\":[{\"errorId\":2001,\"message\":\"Too many requests\"}]}", "x",
                    0, &e);
    assert_string_equal(e.code, "rate_limited");
    assert_true(e.retryable);
    ebay_fail_reply(500, "{\"errors\":[{\"errorId\":25001,\"message\":\"A system error\"}]}", "x",
                    0, &e);
    assert_string_equal(e.code, "marketplace_error");
    assert_true(e.retryable);
    ebay_fail_reply(400, "{\"errors\":[{\"errorId\":25021,\"message\":\"Invalid condition\"}]}",
                    "the inventory item bb-1", 0, &e);
    assert_string_equal(e.code, "marketplace_error");
    assert_false(e.retryable);
    assert_non_null(strstr(e.message, "HTTP 400, errorId 25021: Invalid condition"));
    ebay_fail_reply(502, "<html>bad gateway</html>", "x", 0, &e);
    assert_true(e.retryable);
    assert_null(strstr(e.message, "errorId"));
}

static void test_retry_after_bound(void **state)
{
    (void)state;
    int64_t ra = httpc_parse_retry_after(NULL, "1", 0);
    assert_int_equal(ra, 1000);
    assert_int_equal(httpc_retry_delay_ms(0, ra, EBAY_MAX_RETRY_AFTER_S), 1000);
    /* longer than the driver waits: no retry */
    ra = httpc_parse_retry_after(NULL, "600", 0);
    assert_int_equal(httpc_retry_delay_ms(0, ra, EBAY_MAX_RETRY_AFTER_S), -1);
    /* none: capped backoff */
    int64_t d = httpc_retry_delay_ms(10, -1, EBAY_MAX_RETRY_AFTER_S);
    assert_true(d > 0 && d <= 8000);
}

static void test_condition_sku_and_item(void **state)
{
    (void)state;
    assert_string_equal(ebay_condition("new"), "NEW");
    assert_string_equal(ebay_condition("like_new"), "USED_EXCELLENT");
    assert_string_equal(ebay_condition("good"), "USED_GOOD");
    assert_string_equal(ebay_condition("fair"), "USED_ACCEPTABLE");
    assert_string_equal(ebay_condition(NULL), "USED_GOOD");
    assert_string_equal(ebay_condition("mint"), "USED_GOOD");
    char sku[32];
    ebay_sku(42, sku, sizeof(sku));
    assert_string_equal(sku, "bb-42");

    /* 79 ASCII characters then "é" then more: cut at 80 characters, not inside the é */
    char title[128];
    memset(title, 'a', 79);
    memcpy(title + 79, "\xc3\xa9xyz", 6); /* with its NUL */
    ev_listing_t l = {.id = 42,
                      .title = title,
                      .description = "Solid oak.",
                      .condition = "fair",
                      .price_cents = 129950,
                      .currency = "USD"};
    const char *urls[] = {"https://i.ebayimg.com/1.jpg", "https://i.ebayimg.com/2.jpg"};
    cJSON *item = ebay_inventory_item_build(&l, urls, 2);
    const cJSON *product = cJSON_GetObjectItem(item, "product");
    const char *t = cJSON_GetObjectItem(product, "title")->valuestring;
    assert_int_equal(strlen(t), 81);
    assert_memory_equal(t + 79, "\xc3\xa9", 2);
    assert_string_equal(cJSON_GetObjectItem(item, "condition")->valuestring, "USED_ACCEPTABLE");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(product, "imageUrls")), 2);
    const cJSON *qty =
        cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(item, "availability"),
                                                "shipToLocationAvailability"),
                            "quantity");
    assert_int_equal(qty->valueint, 1);
    cJSON_Delete(item);

    ebay_setup_t setup = {"F1", "P1", "R1", "home"};
    cJSON *offer = ebay_offer_build(&l, "bb-42", "EBAY_US", "11828", &setup);
    char *json = cJSON_PrintUnformatted(offer);
    assert_non_null(strstr(json, "\"pricingSummary\":{\"price\":{\"value\":\"1299.50\","
                                 "\"currency\":\"USD\"}}"));
    assert_non_null(strstr(json, "\"format\":\"FIXED_PRICE\""));
    assert_non_null(strstr(json, "\"listingDuration\":\"GTC\""));
    assert_non_null(strstr(json, "\"categoryId\":\"11828\""));
    assert_non_null(strstr(json, "\"merchantLocationKey\":\"home\""));
    assert_non_null(strstr(json, "\"fulfillmentPolicyId\":\"F1\",\"paymentPolicyId\":\"P1\","
                                 "\"returnPolicyId\":\"R1\""));
    cJSON_free(json);
    ebay_offer_set_price(offer, 99900, NULL);
    json = cJSON_PrintUnformatted(offer);
    assert_non_null(strstr(json, "{\"value\":\"999.00\",\"currency\":\"USD\"}"));
    cJSON_free(json);
    cJSON_Delete(offer);
}

static void test_read_backs(void **state)
{
    (void)state;
    cJSON *offers = cJSON_Parse(
        "{\"offers\":[{\"offerId\":\"1\",\"marketplaceId\":\"EBAY_GB\",\"status\":\"PUBLISHED\"},"
        "{\"offerId\":\"2\",\"marketplaceId\":\"EBAY_US\",\"status\":\"PUBLISHED\","
        "\"listing\":{\"listingId\":\"1105\"}}]}");
    ebay_offer_ref_t ref;
    assert_int_equal(ebay_offer_pick(offers, "EBAY_US", &ref), 0);
    assert_string_equal(ref.offer_id, "2");
    assert_string_equal(ref.status, "PUBLISHED");
    assert_string_equal(ref.listing_id, "1105");
    assert_int_equal(ebay_offer_pick(offers, "EBAY_DE", &ref), -1);
    cJSON_Delete(offers);

    cJSON *sug = cJSON_Parse("{\"categorySuggestions\":[{\"category\":{\"categoryId\":\"9355\","
                             "\"categoryName\":\"Cell Phones\"}},{\"category\":{\"categoryId\":"
                             "\"1\"}}]}");
    char id[16], name[64];
    assert_int_equal(ebay_category_pick(sug, id, sizeof(id), name, sizeof(name)), 0);
    assert_string_equal(id, "9355");
    assert_string_equal(name, "Cell Phones");
    cJSON_Delete(sug);
    sug = cJSON_Parse("{\"categorySuggestions\":[]}");
    assert_int_equal(ebay_category_pick(sug, id, sizeof(id), name, sizeof(name)), -1);
    cJSON_Delete(sug);

    cJSON *pol = cJSON_Parse("{\"total\":1,\"returnPolicies\":[{\"returnPolicyId\":\"R9\"}]}");
    char out[64];
    assert_int_equal(ebay_policy_pick(pol, "returnPolicies", "returnPolicyId", out, sizeof(out)),
                     0);
    assert_string_equal(out, "R9");
    assert_int_equal(ebay_policy_pick(pol, "paymentPolicies", "paymentPolicyId", out, sizeof(out)),
                     -1);
    assert_int_equal(ebay_policy_pick(NULL, "paymentPolicies", "paymentPolicyId", out, sizeof(out)),
                     -1);
    cJSON_Delete(pol);

    cJSON *locs = cJSON_Parse("{\"locations\":[{\"merchantLocationKey\":\"old\","
                              "\"merchantLocationStatus\":\"DISABLED\"},{\"merchantLocationKey\":"
                              "\"home\",\"merchantLocationStatus\":\"ENABLED\"}]}");
    assert_int_equal(ebay_location_pick(locs, out, sizeof(out)), 0);
    assert_string_equal(out, "home");
    cJSON_Delete(locs);
    locs = cJSON_Parse("{\"total\":0,\"locations\":[]}");
    assert_int_equal(ebay_location_pick(locs, out, sizeof(out)), -1);
    cJSON_Delete(locs);
}

static void test_endpoints(void **state)
{
    (void)state;
    char err[128];
    ebay_config_t c = {.env = "production"};
    assert_int_equal(ebay_config_check(&c, err, sizeof(err)), 0);
    ebay_endpoints_t ep;
    ebay_endpoints_init(&c, &ep);
    assert_string_equal(ep.api, "https://api.ebay.com");
    assert_string_equal(ep.token, "https://api.ebay.com/identity/v1/oauth2/token");
    assert_string_equal(ep.consent, "https://auth.ebay.com/oauth2/authorize");
    assert_string_equal(ep.media, "https://apim.ebay.com/commerce/media/v1_beta");
    assert_string_equal(ep.item, "https://www.ebay.com/itm/");
    ebay_endpoints_free(&ep);
    c.env = "sandbox";
    ebay_endpoints_init(&c, &ep);
    assert_string_equal(ep.api, "https://api.sandbox.ebay.com");
    assert_string_equal(ep.consent, "https://auth.sandbox.ebay.com/oauth2/authorize");
    assert_string_equal(ep.media, "https://apim.sandbox.ebay.com/commerce/media/v1_beta");
    ebay_endpoints_free(&ep);
    /* the tests' fake: one host for everything */
    c.api_url = "http://127.0.0.1:9/";
    c.auth_url = "http://127.0.0.1:9";
    ebay_endpoints_init(&c, &ep);
    assert_string_equal(ep.token, "http://127.0.0.1:9/identity/v1/oauth2/token");
    assert_string_equal(ep.media, "http://127.0.0.1:9/commerce/media/v1_beta");
    assert_string_equal(ep.consent, "http://127.0.0.1:9/oauth2/authorize");
    ebay_endpoints_free(&ep);
    c.env = "live";
    assert_int_equal(ebay_config_check(&c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "EBAY_ENV"));
    assert_false(ebay_config_has_keys(&c));
    c.client_id = "a";
    c.client_secret = "b";
    c.ru_name = "c";
    assert_true(ebay_config_has_keys(&c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_file_roundtrip),
        cmocka_unit_test(test_token_grant_and_freshness),
        cmocka_unit_test(test_consent_url_and_pasted_code),
        cmocka_unit_test(test_error_envelope),
        cmocka_unit_test(test_error_mapping),
        cmocka_unit_test(test_retry_after_bound),
        cmocka_unit_test(test_condition_sku_and_item),
        cmocka_unit_test(test_read_backs),
        cmocka_unit_test(test_endpoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
