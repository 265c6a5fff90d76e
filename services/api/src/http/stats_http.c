/* GET /api/stats: the original dashboard's numbers and ours, from the tables. */
#include "app.h"
#include "handlers.h"
#include "http/request.h"
#include "store/stats_store.h"

int handle_stats(http_request_t *req)
{
    store_json_t doc;
    store_err_t err;
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    int rc = stats_store_json(pg, &doc, &err);
    request_db_release(req, pg);
    if (rc != 0)
        return request_db_error(req, "counting the stats", err.msg);
    return request_send_doc(req, 200, &doc, NULL);
}
