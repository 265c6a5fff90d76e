/* Logging: one line per event on stderr, "<time> <LEVEL> <service> <message>".
 * Never log secrets or full buyer PII. */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdbool.h>

typedef enum { LOG_LEVEL_DEBUG = 0, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR } log_level_t;

/* Sets the service name shown on every line and the minimum level ("debug", "info", "warn",
 * "error"; NULL or unknown keeps "info"). Call once at start, before threads. */
void log_init(const char *service, const char *level);

/* Writes one line if level >= the minimum. Thread-safe (one write(2) per line). */
void log_write(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like log_write, with "<context>: " before the message: what LOG_REQ (http.h) and LOG_MSG
 * (kafka.h) use so that every line about one request or one message names it the same way. */
void log_write_ctx(log_level_t level, const char *context, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A line with a context saved earlier: work that outlives its message or request (a job on
 * another thread) keeps kafka_message_context()'s string and logs with it. */
#define LOG_CTX(context, level, ...) log_write_ctx(LOG_LEVEL_##level, (context), __VA_ARGS__)

/* Whether a line at this level is written (to skip building a context nobody reads). */
bool log_enabled(log_level_t level);

#define LOG_DEBUG(...) log_write(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define LOG_INFO(...) log_write(LOG_LEVEL_INFO, __VA_ARGS__)
#define LOG_WARN(...) log_write(LOG_LEVEL_WARN, __VA_ARGS__)
#define LOG_ERROR(...) log_write(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
