/* The listing_images table (see image_store.h). */
#include "store/image_store.h"

#include <stdio.h>

int image_store_insert(PGconn *pg, int64_t listing_id, int first_position,
                       const image_stored_t *stored, size_t n, store_err_t *err)
{
    store_num_t lid, bytes;
    char pos[16], w[16], h[16];
    store_i64(&lid, listing_id);
    for (size_t i = 0; i < n; i++) {
        const image_stored_t *s = &stored[i];
        snprintf(pos, sizeof(pos), "%d", first_position + (int)i);
        snprintf(w, sizeof(w), "%d", s->width);
        snprintf(h, sizeof(h), "%d", s->height);
        const char *params[9] = {lid.s,           pos, s->name, s->thumb_name,
                                 s->content_type, w,   h,       store_i64(&bytes, s->bytes),
                                 s->sha256};
        if (store_run(pg,
                      "INSERT INTO listing_images (listing_id, position, stored_name, thumb_name,"
                      " content_type, width, height, bytes, sha256)"
                      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                      9, params, err) != 0)
            return -1;
    }
    return 0;
}

int image_store_delete(PGconn *pg, int64_t listing_id, int64_t image_id, char name[64],
                       store_err_t *err)
{
    store_num_t a, b;
    const char *params[2] = {store_i64(&a, listing_id), store_i64(&b, image_id)};
    PGresult *res = store_exec(pg,
                               "DELETE FROM listing_images WHERE listing_id = $1 AND id = $2"
                               " RETURNING stored_name",
                               2, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found)
        snprintf(name, 64, "%s", row_text(res, 0, "stored_name"));
    PQclear(res);
    return found;
}

int image_store_order_check(PGconn *pg, int64_t listing_id, const char *ids, bool *matches,
                            store_err_t *err)
{
    store_num_t lid;
    const char *params[2] = {store_i64(&lid, listing_id), ids};
    PGresult *res = store_exec(
        pg,
        "SELECT (SELECT count(*) FROM (SELECT 1 FROM listings WHERE id = $1 FOR UPDATE) x)"
        " AS found, (SELECT array_agg(id ORDER BY id) FROM listing_images WHERE listing_id = $1)"
        " IS NOT DISTINCT FROM (SELECT array_agg(x ORDER BY x) FROM unnest($2::bigint[]) x)"
        " AS matches",
        2, params, err);
    if (!res)
        return -1;
    int found = row_i64(res, 0, "found") == 1;
    *matches = row_bool(res, 0, "matches");
    PQclear(res);
    return found;
}

int image_store_reorder(PGconn *pg, int64_t listing_id, const char *ids, store_err_t *err)
{
    store_num_t lid;
    const char *params[2] = {store_i64(&lid, listing_id), ids};
    return store_run(pg,
                     "UPDATE listing_images i SET position = o.ord - 1 FROM"
                     " unnest($2::bigint[]) WITH ORDINALITY AS o(id, ord)"
                     " WHERE i.id = o.id AND i.listing_id = $1",
                     2, params, err);
}

PGresult *image_store_refs(PGconn *pg, int64_t listing_id, store_err_t *err)
{
    store_num_t lid;
    const char *params[1] = {store_i64(&lid, listing_id)};
    return store_exec(
        pg,
        "SELECT stored_name, sha256, content_type, width, height, bytes FROM listing_images"
        " WHERE listing_id = $1 ORDER BY position, id",
        1, params, err);
}
