/* Unit tests of the per-job posting records (post_record.h): absent, submitting, posted; the
 * URLs of the account's other jobs; a damaged record is an error, not "never posted". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "post_record.h"

static void test_records(void **state)
{
    (void)state;
    char dir[] = "/tmp/post-record-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char err[512];
    post_record_key_t a = {.work_dir = dir, .platform = "fb", .account_id = 3, .job_id = 11};
    post_record_key_t b = {.work_dir = dir, .platform = "fb", .account_id = 3, .job_id = 12};
    post_record_key_t other = {.work_dir = dir, .platform = "fb", .account_id = 4, .job_id = 13};
    post_record_t r;

    assert_int_equal(post_record_read(&a, &r, err, sizeof(err)), 0);
    assert_false(r.found);

    assert_int_equal(post_record_write(&a, false, NULL, NULL, err, sizeof(err)), 0);
    assert_int_equal(post_record_read(&a, &r, err, sizeof(err)), 0);
    assert_true(r.found);
    assert_false(r.posted);
    post_record_free(&r);

    assert_int_equal(post_record_write(&a, true, "http://m/item/1/", "1", err, sizeof(err)), 0);
    assert_int_equal(post_record_write(&b, true, "http://m/item/2/", "2", err, sizeof(err)), 0);
    assert_int_equal(post_record_write(&other, true, "http://m/item/3/", "3", err, sizeof(err)), 0);
    assert_int_equal(post_record_read(&a, &r, err, sizeof(err)), 0);
    assert_true(r.found && r.posted);
    assert_string_equal(r.external_url, "http://m/item/1/");
    assert_string_equal(r.external_id, "1");
    post_record_free(&r);

    /* job 11 knows job 12's listing (same account), not its own nor another account's */
    char **urls = NULL;
    size_t n = 0;
    post_record_known_urls(&a, &urls, &n);
    assert_int_equal(n, 1);
    assert_string_equal(urls[0], "http://m/item/2/");
    free(urls[0]);
    free(urls);

    /* a damaged record says so */
    char path[512];
    snprintf(path, sizeof(path), "%s/posted/fb-3/job-12.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{not json", f);
    fclose(f);
    assert_int_equal(post_record_read(&b, &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "job-12.json"));

    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
