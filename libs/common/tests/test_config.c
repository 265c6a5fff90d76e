/* Unit tests of the config table loader: environment, .env file, parsing and errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/config.h"

struct cfg {
    char *database_url;
    char *api_key;
    long long http_port;
    double ratio;
    bool debug;
    char *name;
};

static const config_entry_t table[] = {
    CONFIG_ENTRY("T_DATABASE_URL", CONFIG_STRING, NULL, 0, 0, true, struct cfg, database_url,
                 "PostgreSQL URL"),
    CONFIG_ENTRY("T_API_KEY", CONFIG_SECRET, NULL, 0, 0, false, struct cfg, api_key, "key"),
    CONFIG_ENTRY("T_HTTP_PORT", CONFIG_INT, "8080", 1, 65535, false, struct cfg, http_port, "port"),
    CONFIG_ENTRY("T_RATIO", CONFIG_DOUBLE, "0.5", 0, 1, false, struct cfg, ratio, "ratio"),
    CONFIG_ENTRY("T_DEBUG", CONFIG_BOOL, "false", 0, 0, false, struct cfg, debug, "debug"),
    CONFIG_ENTRY("T_NAME", CONFIG_STRING, "byebuy", 0, 0, false, struct cfg, name, "name"),
};
#define NTABLE (sizeof(table) / sizeof(table[0]))

static char dotenv_path[64];

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < NTABLE; i++)
        unsetenv(table[i].name);
    snprintf(dotenv_path, sizeof(dotenv_path), "/tmp/bb_test_config_%d.env", (int)getpid());
    unlink(dotenv_path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(dotenv_path);
    return 0;
}

static void write_dotenv(const char *text)
{
    FILE *f = fopen(dotenv_path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Loads the table; returns config_load's result, errstr holds the message. */
static int load(struct cfg *c, char *errstr, size_t size)
{
    memset(c, 0, sizeof(*c));
    errstr[0] = '\0';
    return config_load(table, NTABLE, c, dotenv_path, errstr, size);
}

static void test_defaults_and_env(void **state)
{
    (void)state;
    struct cfg c;
    char err[256];
    setenv("T_DATABASE_URL", "postgresql://x/y", 1);
    assert_int_equal(load(&c, err, sizeof(err)), 0);
    assert_string_equal(c.database_url, "postgresql://x/y");
    assert_null(c.api_key);
    assert_int_equal(c.http_port, 8080);
    assert_true(c.ratio == 0.5);
    assert_false(c.debug);
    assert_string_equal(c.name, "byebuy");
    config_log(table, NTABLE, &c);
    config_free(table, NTABLE, &c);
    assert_null(c.database_url);
    assert_null(c.name);

    setenv("T_HTTP_PORT", "9090", 1);
    setenv("T_RATIO", "0.25", 1);
    setenv("T_DEBUG", "YES", 1);
    assert_int_equal(load(&c, err, sizeof(err)), 0);
    assert_int_equal(c.http_port, 9090);
    assert_true(c.ratio == 0.25);
    assert_true(c.debug);
    config_free(table, NTABLE, &c);
}

static void test_required_missing(void **state)
{
    (void)state;
    struct cfg c;
    char err[256];
    assert_int_equal(load(&c, err, sizeof(err)), -1);
    assert_string_equal(err, "T_DATABASE_URL: required but not set");
    config_free(table, NTABLE, &c);
    /* an empty value is the same as unset */
    setenv("T_DATABASE_URL", "", 1);
    assert_int_equal(load(&c, err, sizeof(err)), -1);
    assert_string_equal(err, "T_DATABASE_URL: required but not set");
    config_free(table, NTABLE, &c);
}

static void expect_port_error(const char *value, const char *message)
{
    struct cfg c;
    char err[256];
    setenv("T_DATABASE_URL", "postgresql://x/y", 1);
    setenv("T_HTTP_PORT", value, 1);
    assert_int_equal(load(&c, err, sizeof(err)), -1);
    assert_string_equal(err, message);
    config_free(table, NTABLE, &c);
}

static void test_int_strict(void **state)
{
    (void)state;
    expect_port_error("abc", "T_HTTP_PORT: 'abc' is not a whole number");
    expect_port_error("80x", "T_HTTP_PORT: '80x' is not a whole number");
    expect_port_error(" 80", "T_HTTP_PORT: ' 80' is not a whole number");
    expect_port_error("80 ", "T_HTTP_PORT: '80 ' is not a whole number");
    expect_port_error("8.5", "T_HTTP_PORT: '8.5' is not a whole number");
    expect_port_error("+", "T_HTTP_PORT: '+' is not a whole number");
    expect_port_error("70000", "T_HTTP_PORT: 70000 is above the maximum 65535");
    expect_port_error("0", "T_HTTP_PORT: 0 is below the minimum 1");
    expect_port_error("-5", "T_HTTP_PORT: -5 is below the minimum 1");
    expect_port_error("99999999999999999999", "T_HTTP_PORT: 99999999999999999999 is out of range");
}

static void test_double_and_bool(void **state)
{
    (void)state;
    struct cfg c;
    char err[256];
    setenv("T_DATABASE_URL", "postgresql://x/y", 1);
    setenv("T_RATIO", "1.5", 1);
    assert_int_equal(load(&c, err, sizeof(err)), -1);
    assert_string_equal(err, "T_RATIO: 1.5 is above the maximum 1");
    config_free(table, NTABLE, &c);
    setenv("T_RATIO", "0.5x", 1);
    assert_int_equal(load(&c, err, sizeof(err)), -1);
    assert_string_equal(err, "T_RATIO: '0.5x' is not a number");
    config_free(table, NTABLE, &c);
    setenv("T_RATIO", "nan", 1);
    assert_int_equal(load(&c, err, sizeof(err)), -1);
    assert_string_equal(err, "T_RATIO: 'nan' is not a number");
    config_free(table, NTABLE, &c);
    setenv("T_RATIO", "1e-1", 1);
    assert_int_equal(load(&c, err, sizeof(err)), 0);
    assert_true(c.ratio == 0.1);
    config_free(table, NTABLE, &c);

    static const char *const trues[] = {"1", "true", "TRUE", "yes", "on", "On"};
    static const char *const falses[] = {"0", "false", "no", "off", "OFF"};
    for (size_t i = 0; i < sizeof(trues) / sizeof(trues[0]); i++) {
        setenv("T_DEBUG", trues[i], 1);
        assert_int_equal(load(&c, err, sizeof(err)), 0);
        assert_true(c.debug);
        config_free(table, NTABLE, &c);
    }
    for (size_t i = 0; i < sizeof(falses) / sizeof(falses[0]); i++) {
        setenv("T_DEBUG", falses[i], 1);
        assert_int_equal(load(&c, err, sizeof(err)), 0);
        assert_false(c.debug);
        config_free(table, NTABLE, &c);
    }
    setenv("T_DEBUG", "maybe", 1);
    assert_int_equal(load(&c, err, sizeof(err)), -1);
    assert_string_equal(
        err, "T_DEBUG: 'maybe' is not a boolean (use true/false, yes/no, on/off or 1/0)");
    config_free(table, NTABLE, &c);
}

static void test_dotenv_forms(void **state)
{
    (void)state;
    struct cfg c;
    char err[256];
    write_dotenv("# a comment\n"
                 "\n"
                 "export T_DATABASE_URL=postgresql://from-file/db\n"
                 "T_API_KEY='sk-$HOME # not a comment'\n"
                 "T_NAME=\"say \\\"hi\\\"\"   # trailing comment\n"
                 "T_HTTP_PORT = 7000 # inline comment\n"
                 "T_DEBUG=on\r\n");
    assert_int_equal(load(&c, err, sizeof(err)), 0);
    assert_string_equal(c.database_url, "postgresql://from-file/db");
    assert_string_equal(c.api_key, "sk-$HOME # not a comment"); /* no interpolation */
    assert_string_equal(c.name, "say \"hi\"");
    assert_int_equal(c.http_port, 7000);
    assert_true(c.debug);
    config_free(table, NTABLE, &c);
}

static void test_env_wins_over_dotenv(void **state)
{
    (void)state;
    struct cfg c;
    char err[256];
    write_dotenv("T_DATABASE_URL=postgresql://from-file/db\nT_HTTP_PORT=abc\n");
    setenv("T_HTTP_PORT", "8081", 1);
    assert_int_equal(load(&c, err, sizeof(err)), 0);
    assert_string_equal(c.database_url, "postgresql://from-file/db");
    assert_int_equal(c.http_port, 8081);
    config_free(table, NTABLE, &c);
    /* the file's bad value is used (and reported) when the environment does not set it */
    unsetenv("T_HTTP_PORT");
    assert_int_equal(load(&c, err, sizeof(err)), -1);
    assert_string_equal(err, "T_HTTP_PORT: 'abc' is not a whole number");
    config_free(table, NTABLE, &c);
}

static void test_dotenv_exports_kafka_passthrough(void **state)
{
    (void)state;
    struct cfg c;
    char err[256];
    unsetenv("KAFKA_T_LINGER_MS");
    setenv("KAFKA_T_ACKS", "1", 1);
    write_dotenv("T_DATABASE_URL=x\nKAFKA_T_LINGER_MS=7\nKAFKA_T_ACKS=all\nOTHER_T=1\n");
    assert_int_equal(load(&c, err, sizeof(err)), 0);
    assert_string_equal(getenv("KAFKA_T_LINGER_MS"), "7");
    assert_string_equal(getenv("KAFKA_T_ACKS"), "1"); /* the environment wins */
    assert_null(getenv("OTHER_T"));                   /* only KAFKA_* is exported */
    config_free(table, NTABLE, &c);
    unsetenv("KAFKA_T_LINGER_MS");
    unsetenv("KAFKA_T_ACKS");
}

static void test_dotenv_errors(void **state)
{
    (void)state;
    struct cfg c;
    char err[256], want[256];
    write_dotenv("T_DATABASE_URL=x\nthis line is wrong\n");
    assert_int_equal(load(&c, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:2: expected KEY=VALUE", dotenv_path);
    assert_string_equal(err, want);
    config_free(table, NTABLE, &c);

    write_dotenv("T_NAME='open\n");
    assert_int_equal(load(&c, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:1: unterminated ' quote", dotenv_path);
    assert_string_equal(err, want);
    config_free(table, NTABLE, &c);

    write_dotenv("T_NAME=\"a\" b\n");
    assert_int_equal(load(&c, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:1: unexpected text after the closing quote", dotenv_path);
    assert_string_equal(err, want);
    config_free(table, NTABLE, &c);
}

/* config_log must not print secrets, nor the password inside a URL. */
static void test_log_masks_secrets(void **state)
{
    (void)state;
    struct cfg c;
    char err[256], logged[4096] = {0};
    setenv("T_DATABASE_URL", "postgresql://app:hunter2@db:5432/bb", 1);
    setenv("T_API_KEY", "sk-verysecret", 1);
    assert_int_equal(load(&c, err, sizeof(err)), 0);
    char path[64];
    snprintf(path, sizeof(path), "/tmp/bb_test_config_log_%d", (int)getpid());
    FILE *f = fopen(path, "w+");
    assert_non_null(f);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(f), STDERR_FILENO);
    config_log(table, NTABLE, &c);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(f);
    size_t n = fread(logged, 1, sizeof(logged) - 1, f);
    fclose(f);
    unlink(path);
    assert_true(n > 0);
    assert_non_null(strstr(logged, "T_DATABASE_URL=postgresql://app:***@db:5432/bb"));
    assert_non_null(strstr(logged, "T_API_KEY=***"));
    assert_null(strstr(logged, "hunter2"));
    assert_null(strstr(logged, "verysecret"));
    config_free(table, NTABLE, &c);
}

static void test_missing_dotenv_is_fine(void **state)
{
    (void)state;
    struct cfg c;
    char err[256];
    setenv("T_DATABASE_URL", "u", 1);
    memset(&c, 0, sizeof(c));
    assert_int_equal(config_load(table, NTABLE, &c, "/nonexistent/dir/.env", err, sizeof(err)), 0);
    assert_string_equal(c.database_url, "u");
    config_free(table, NTABLE, &c);
}

static void test_write_example(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    config_write_example("test", table, sizeof(table) / sizeof(table[0]), f);
    fclose(f);
    assert_non_null(strstr(text, "# ---- test ----\n"));
    /* every key is shown commented out, with its default when it has one */
    assert_non_null(strstr(text, "\n#T_HTTP_PORT=8080\n"));
    assert_non_null(strstr(text, "\n#T_DATABASE_URL=\n"));
    assert_non_null(strstr(text, "(required)"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults_and_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_required_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_int_strict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_double_and_bool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dotenv_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_wins_over_dotenv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dotenv_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dotenv_exports_kafka_passthrough, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_masks_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_dotenv_is_fine, setup, teardown),
        cmocka_unit_test(test_write_example),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
