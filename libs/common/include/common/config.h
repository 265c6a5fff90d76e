/* Configuration from one declarative table per service, read from the environment once at
 * start (a `.env` file fills variables the environment does not set). A bad value names the
 * variable; the service then exits 1 before any thread starts. */
#ifndef COMMON_CONFIG_H
#define COMMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
    CONFIG_STRING, /* char *, owned by the struct; NULL when unset and no default */
    CONFIG_SECRET, /* like STRING, never printed */
    CONFIG_INT,    /* long long, within [min, max] */
    CONFIG_BOOL,   /* bool: 1/0, true/false, yes/no, on/off */
    CONFIG_DOUBLE, /* double, within [min, max] */
} config_type_t;

typedef struct {
    const char *name; /* environment variable */
    config_type_t type;
    const char *default_value; /* NULL: no default */
    double min, max;           /* bounds for INT and DOUBLE (ignored when min == max == 0) */
    bool required;             /* missing and no default -> error */
    size_t offset;             /* offsetof(struct, field) */
    const char *help;          /* one line, for config/byebuy.env.example and --help */
} config_entry_t;

#define CONFIG_ENTRY(name, type, def, min, max, req, st, field, help)                              \
    {                                                                                              \
        name, type, def, min, max, req, offsetof(st, field), help                                  \
    }

/* Fills `out` from the environment and then `dotenv_path` (NULL: ".env" if present; a missing
 * file is fine). Returns 0, or -1 with "<VARIABLE>: <what is wrong>" in errstr.
 * An empty variable counts as unset. The .env file holds KEY=VALUE lines, `# comments`, an
 * optional `export ` prefix, 'literal' or "double-quoted" values (" \
 escapes), no
 * interpolation; a malformed line fails with "<path>:<line>: ...". Values: INT and DOUBLE are
 * the whole string (no blanks or trailing junk) within [min, max]; BOOL is
 * 1/0, true/false, yes/no, on/off (any case). `out` should start zeroed. Not thread-safe
 * (getenv): call once at start. */
int config_load(const config_entry_t *table, size_t n, void *out, const char *dotenv_path,
                char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

/* Frees the strings config_load allocated in `out`. Accepts a zeroed struct. */
void config_free(const config_entry_t *table, size_t n, void *out);

/* Prints "NAME=value" lines at INFO level: secrets as "***", and the password of a URL
 * ("scheme://user:password@host") masked in plain strings too. */
void config_log(const config_entry_t *table, size_t n, const void *out);

/* Writes the table as a documented env file section (help line, range, "#NAME=default",
 * every key commented out): what config/byebuy.env.example is made of. Every service prints
 * it with --config-example. */
void config_write_example(const char *service, const config_entry_t *table, size_t n, FILE *out);

#endif
