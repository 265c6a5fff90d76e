/* The buyers table (see buyer_store.h). */
#include "store/buyer_store.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

void buyer_normalize_name(const char *name, char *out, size_t size)
{
    size_t k = 0;
    bool space = false;
    if (size == 0)
        return;
    for (const unsigned char *p = (const unsigned char *)(name ? name : ""); *p; p++) {
        if (isspace(*p)) {
            space = k > 0;
            continue;
        }
        if (space && k + 1 < size)
            out[k++] = ' ';
        space = false;
        if (k + 1 < size)
            out[k++] = (char)tolower(*p);
    }
    while (k > 0 && (out[k - 1] == '.' || out[k - 1] == ' '))
        k--;
    out[k] = '\0';
}

int buyer_store_upsert(PGconn *pg, const char *platform, const char *external_id,
                       const char *display_name, int64_t *id, store_err_t *err)
{
    char normalized[512];
    buyer_normalize_name(display_name, normalized, sizeof(normalized));
    const char *params[4] = {platform, external_id, display_name, normalized};
    /* DO UPDATE (not NOTHING) so RETURNING always has the row, and a renamed buyer shows
     * the new name. */
    PGresult *res = store_exec(pg,
                               "INSERT INTO buyers (platform, external_id, display_name,"
                               " normalized_name) VALUES ($1, $2, $3, $4)"
                               " ON CONFLICT (platform, external_id) DO UPDATE SET"
                               " display_name = EXCLUDED.display_name,"
                               " normalized_name = EXCLUDED.normalized_name RETURNING id",
                               4, params, err);
    if (!res)
        return -1;
    *id = row_i64(res, 0, "id");
    PQclear(res);
    return 0;
}
