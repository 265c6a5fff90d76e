/* Unit tests of util.c and xmalloc.c: ids, clocks, hashing, sleeping with a stop flag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common/util.h"
#include "common/xmalloc.h"

static void test_uuid_v4_format_and_uniqueness(void **state)
{
    (void)state;
    char a[UUID_STR_LEN], b[UUID_STR_LEN];
    util_uuid_v4(a);
    util_uuid_v4(b);
    assert_int_equal(strlen(a), 36);
    assert_int_equal(a[8], '-');
    assert_int_equal(a[13], '-');
    assert_int_equal(a[14], '4');               /* version nibble */
    assert_true(strchr("89ab", a[19]) != NULL); /* RFC 4122 variant */
    assert_string_not_equal(a, b);
}

static void test_rfc3339_shape(void **state)
{
    (void)state;
    char t[32];
    util_time_rfc3339(t);
    assert_int_equal(strlen(t), 24); /* 2026-11-27T15:20:22.123Z */
    assert_int_equal(t[10], 'T');
    assert_int_equal(t[23], 'Z');
}

static void test_sha256_known_vector(void **state)
{
    (void)state;
    char hex[65];
    util_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    util_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_sleep_stops_early(void **state)
{
    (void)state;
    volatile sig_atomic_t stop = 0;
    int64_t t0 = util_now_ms();
    assert_int_equal(util_sleep_ms(30, &stop), 0);
    assert_true(util_now_ms() - t0 >= 30);
    stop = 1;
    t0 = util_now_ms();
    assert_int_equal(util_sleep_ms(10000, &stop), 1);
    assert_true(util_now_ms() - t0 < 100);
}

static void test_rand01_range(void **state)
{
    (void)state;
    for (int i = 0; i < 1000; i++) {
        double r = util_rand01();
        assert_true(r >= 0.0 && r < 1.0);
    }
}

/* A deadline ms from now on the monotonic clock, nanoseconds normalised; ms <= 0 is now. */
static void test_monotonic_deadline(void **state)
{
    (void)state;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    static const int64_t offsets[] = {0, -5, 1, 999, 1000, 1500, 86400000};
    for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
        struct timespec d = util_monotonic_deadline(offsets[i]);
        assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
        int64_t d_ms = (int64_t)d.tv_sec * 1000 + d.tv_nsec / 1000000;
        int64_t want = now_ms + (offsets[i] > 0 ? offsets[i] : 0);
        assert_true(d_ms >= want && d_ms <= want + 1000); /* the clock moved on a little */
    }
}

static void test_xasprintf_and_xstrndup(void **state)
{
    (void)state;
    char *s = xasprintf("%s-%d", "job", 42);
    assert_string_equal(s, "job-42");
    free(s);
    s = xstrndup("abcdef", 3);
    assert_string_equal(s, "abc");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uuid_v4_format_and_uniqueness),
        cmocka_unit_test(test_rfc3339_shape),
        cmocka_unit_test(test_sha256_known_vector),
        cmocka_unit_test(test_sleep_stops_early),
        cmocka_unit_test(test_rand01_range),
        cmocka_unit_test(test_monotonic_deadline),
        cmocka_unit_test(test_xasprintf_and_xstrndup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
