/* Outcomes of domain commands (see result.h). */
#include "domain/result.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cmd_fail(cmd_result_t *r, cmd_status_t status, const char *field, const char *fmt, ...)
{
    r->status = status;
    snprintf(r->field, sizeof(r->field), "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
    va_end(ap);
    return -1;
}

int cmd_db_fail(cmd_result_t *r, const char *what, const store_err_t *err)
{
    r->cause = *err;
    return cmd_fail(r, CMD_FAILED, NULL, "%s", what);
}

int cmd_found(cmd_result_t *r, int found, const char *what, const store_err_t *err,
              const char *not_found)
{
    if (found > 0)
        return 0;
    if (found < 0)
        return cmd_db_fail(r, what, err);
    return cmd_fail(r, CMD_NOT_FOUND, NULL, "%s", not_found);
}
