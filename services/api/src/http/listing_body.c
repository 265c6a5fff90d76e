/* Listing request bodies (see listing_body.h). */
#include "http/listing_body.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/xmalloc.h"
#include "http/request.h"
#include "store/listing_store.h"

/* Limits of a listing form (text fields and images) from the config. */
static void listing_form_limits(const struct app *app, form_limits_t *lim)
{
    lim->tmp_dir = app->upload_tmp;
    lim->file_field = "images";
    lim->max_fields = 32;
    lim->max_field_bytes = 64 * 1024;
    lim->max_files = (size_t)app->cfg.max_images;
    lim->max_file_bytes = app->cfg.max_upload_bytes;
    lim->max_body_bytes = app->cfg.max_upload_bytes * app->cfg.max_images + 1024 * 1024;
}

static void body_init(listing_body_t *body)
{
    memset(body, 0, sizeof(*body));
    body->form.fd = -1;
}

/* Reads the form and lists its files' paths. Returns 0 or -1 after answering. */
static int body_read_form(http_request_t *req, listing_body_t *body)
{
    form_limits_t lim;
    listing_form_limits(req->app, &lim);
    form_t *form = &body->form;
    if (form_read(req, &lim, form) != 0) {
        http_send_problem(req, form->status, form->field[0] ? form->field : NULL, "%s",
                          form->detail);
        return -1;
    }
    body->nfiles = form->nfiles;
    body->paths = xcalloc(form->nfiles + 1, sizeof(*body->paths));
    for (size_t i = 0; i < form->nfiles; i++)
        body->paths[i] = form->files[i].path;
    return 0;
}

static int body_fields_parse(http_request_t *req, bool create, listing_body_t *body)
{
    listing_error_t err;
    raw_field_t *fields = xcalloc(body->form.nfields + 1, sizeof(*fields));
    for (size_t i = 0; i < body->form.nfields; i++) {
        fields[i].name = body->form.fields[i].name;
        fields[i].kind = RAW_STRING;
        fields[i].s = body->form.fields[i].value;
        fields[i].len = body->form.fields[i].len;
    }
    int rc = listing_input_parse(fields, body->form.nfields, create, &body->in, &err);
    free(fields);
    if (rc != 0)
        http_send_problem(req, 422, err.field, "%s", err.detail);
    return rc;
}

int listing_body_read(http_request_t *req, bool create, listing_body_t *body)
{
    struct app *app = req->app;
    listing_error_t err;
    body_init(body);
    if (form_is_form_request(req))
        return body_read_form(req, body) != 0 ? -1 : body_fields_parse(req, create, body);
    cJSON *root = http_read_json(req, (size_t)app->cfg.max_body_bytes);
    if (!root)
        return -1; /* answered: 400, 413 or 415 */
    int rc = listing_input_from_json(root, create, &body->in, &err);
    cJSON_Delete(root);
    if (rc != 0)
        http_send_problem(req, 422, err.field, "%s", err.detail);
    return rc;
}

int listing_body_read_images(http_request_t *req, listing_body_t *body)
{
    body_init(body);
    if (!form_is_form_request(req)) {
        http_send_problem(req, 415, NULL, "send the images as multipart/form-data in \"images\"");
        return -1;
    }
    if (body_read_form(req, body) != 0)
        return -1;
    if (body->form.nfields > 0) {
        const char *name = body->form.fields[0].name;
        http_send_problem(req, 422, name, "%s: unknown field (only \"images\" files are accepted)",
                          name);
        return -1;
    }
    if (body->nfiles == 0) {
        http_send_problem(req, 422, "images", "images: no file was sent");
        return -1;
    }
    return 0;
}

void listing_body_free(listing_body_t *body)
{
    listing_input_free(&body->in);
    form_free(&body->form);
    free(body->paths);
    body->paths = NULL;
}

int listing_send(http_request_t *req, int64_t id, int status, const char *headers)
{
    store_json_t doc;
    store_err_t err;
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    int found = listing_store_json(pg, id, &doc, &err);
    request_db_release(req, pg);
    if (found < 0)
        return request_db_error(req, "reading the listing", err.msg);
    if (!found)
        return http_send_problem(req, 404, NULL, "Listing not found");
    return request_send_doc(req, status, &doc, headers);
}
