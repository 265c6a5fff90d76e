/* Unit tests of convq.c: one running item per key, FIFO behind it, keys independent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "convq.h"

static void test_one_at_a_time_per_key(void **state)
{
    (void)state;
    convq_t *q = convq_new();
    int a1 = 1, a2 = 2, a3 = 3, b1 = 4;
    assert_true(convq_enter(q, "conv-a", &a1));  /* runs now */
    assert_false(convq_enter(q, "conv-a", &a2)); /* waits */
    assert_true(convq_enter(q, "conv-b", &b1));  /* another conversation is not held up */
    assert_false(convq_enter(q, "conv-a", &a3));
    assert_int_equal(convq_busy(q), 2);
    assert_ptr_equal(convq_leave(q, "conv-a"), &a2); /* FIFO */
    assert_ptr_equal(convq_leave(q, "conv-a"), &a3);
    assert_null(convq_leave(q, "conv-a")); /* idle again */
    assert_int_equal(convq_busy(q), 1);
    assert_true(convq_enter(q, "conv-a", &a1));
    assert_null(convq_leave(q, "conv-b"));
    assert_null(convq_leave(q, "conv-a"));
    assert_int_equal(convq_busy(q), 0);
    assert_null(convq_leave(q, "never-entered"));
    convq_free(q, NULL);
}

static int freed;
static void count_free(void *item)
{
    freed += *(int *)item;
}

static void test_free_hands_back_waiting_items(void **state)
{
    (void)state;
    convq_t *q = convq_new();
    int one = 1, ten = 10, hundred = 100;
    char key[32];
    for (int i = 0; i < 3000; i++) { /* more keys than buckets: chains work */
        snprintf(key, sizeof(key), "k%d", i);
        assert_true(convq_enter(q, key, &one));
    }
    assert_false(convq_enter(q, "k7", &ten));
    assert_false(convq_enter(q, "k2999", &hundred));
    assert_int_equal(convq_busy(q), 3000);
    freed = 0;
    convq_free(q, count_free);
    assert_int_equal(freed, 110); /* only the waiting ones belong to the queue */
    convq_free(NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_at_a_time_per_key),
        cmocka_unit_test(test_free_hands_back_waiting_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
