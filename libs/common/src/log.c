/* One-line logging to stderr (see log.h). */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static char log_service[32] = "byebuy";
static log_level_t log_min = LOG_LEVEL_INFO;
static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void log_init(const char *service, const char *level)
{
    if (service)
        snprintf(log_service, sizeof(log_service), "%s", service);
    if (!level)
        return;
    for (int i = LOG_LEVEL_DEBUG; i <= LOG_LEVEL_ERROR; i++)
        if (strcasecmp(level, level_names[i]) == 0 ||
            (i == LOG_LEVEL_WARN && strcasecmp(level, "warning") == 0))
            log_min = (log_level_t)i;
}

bool log_enabled(log_level_t level)
{
    return level >= log_min;
}

/* "<time> <LEVEL> <service> [<context>: ]<message>\n" in one write(2), so that concurrent
 * threads never interleave within a line; newlines inside become spaces. */
static void log_vwrite(log_level_t level, const char *context, const char *fmt, va_list ap)
{
    char line[4096];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, level_names[level], log_service);
    size_t head = (size_t)n;
    if (context && *context) {
        int c = snprintf(line + n, sizeof(line) / 2, "%s: ", context);
        n += c < (int)sizeof(line) / 2 ? c : (int)sizeof(line) / 2 - 1;
    }
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2; /* truncated: keep the newline */
    for (size_t i = head; i < len; i++)
        if (line[i] == '\n')
            line[i] = ' ';
    line[len++] = '\n';
    (void)!write(STDERR_FILENO, line, len);
}

void log_write(log_level_t level, const char *fmt, ...)
{
    if (level < log_min)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(level, NULL, fmt, ap);
    va_end(ap);
}

void log_write_ctx(log_level_t level, const char *context, const char *fmt, ...)
{
    if (level < log_min)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(level, context, fmt, ap);
    va_end(ap);
}
