/* Unit tests of store_json_compact (store/store.c): PostgreSQL's JSON text without the
 * blanks outside strings, strings (escapes included) untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/store.h"

static void compact(const char *in, const char *want)
{
    char out[256];
    size_t n = store_json_compact(in, strlen(in), out);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void test_blanks_go(void **state)
{
    (void)state;
    compact("[{\"a\" : 1, \"b\" : [1, 2]}, \n {\"c\" : null}]",
            "[{\"a\":1,\"b\":[1,2]},{\"c\":null}]");
    compact("", "");
}

static void test_strings_stay(void **state)
{
    (void)state;
    compact("{\"t\" : \"a , b : c\"}", "{\"t\":\"a , b : c\"}");
    compact("{\"t\" : \"say \\\"hi , there\\\" \\\\\", \"u\" : 1}",
            "{\"t\":\"say \\\"hi , there\\\" \\\\\",\"u\":1}");
    compact("{\"t\" : \"tab\\t and \\n\"}", "{\"t\":\"tab\\t and \\n\"}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blanks_go),
        cmocka_unit_test(test_strings_stay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
