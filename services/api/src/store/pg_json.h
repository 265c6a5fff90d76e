/* JSON values written from typed (binary) PostgreSQL columns exactly as PostgreSQL's own
 * JSON functions (json_build_object, to_char) wrote them before the store built its answers
 * in C: the same escapes, the same shortest float8 digits, the same timestamp text. Clients
 * see the same bytes; PostgreSQL only reads rows. Pure functions, unit-tested against
 * PostgreSQL's output (tests/test_pg_json.c). */
#ifndef API_PG_JSON_H
#define API_PG_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "common/sbuf.h"

/* A JSON string of s[0..len) with PostgreSQL's escape_json: \" \\ \b \f \n \r \t, other
 * bytes below 0x20 as \u00xx, everything else (UTF-8 included) as is. */
void pg_json_string(sbuf_t *b, const char *s, size_t len);

/* The JSON string of prefix followed by s[0..len): what PostgreSQL made of prefix || s.
 * prefix is plain text that needs no escape (a literal such as "uploads/"). */
void pg_json_string_after(sbuf_t *b, const char *prefix, const char *s, size_t len);

/* A float8 as float8out writes it (extra_float_digits 1): the shortest digits that read
 * back to d, fixed notation for decimal exponents -4 to 14, else 1.5e+20 / 1e-05;
 * non-finite values as the strings json_build_object makes of them. */
void pg_json_float8(sbuf_t *b, double d);

/* cents / 100 as pg_json_float8(cents::float8 / 100) writes it (69.5, 20, 0.05), without
 * floating point for |cents| < 10^15, where the decimal is the shortest form. */
void pg_json_cents(sbuf_t *b, int64_t cents);

/* A 64-bit integer. */
void pg_json_i64(sbuf_t *b, int64_t v);

/* A timestamptz given as PostgreSQL's binary value (microseconds since 2000-01-01 UTC) as
 * DB_TS wrote it: "2026-12-07T01:45:00.123456Z" (years 1 to 9999). */
void pg_json_timestamp(sbuf_t *b, int64_t pg_usec);

#endif
