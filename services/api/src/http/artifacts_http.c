/* PUT /api/jobs/{id}/artifacts/{name}: the poster delivers a job's screenshot here (the
 * claim check's way back, docs/architecture.md); the job log's artifact names the URL. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "domain/job_artifact.h"
#include "handlers.h"
#include "http/request.h"

/* Whether the request's Content-Type is type, parameters allowed ("image/png; q=1"). */
static bool content_type_is(http_request_t *req, const char *type)
{
    const char *ctype = mg_get_header(req->conn, "Content-Type");
    size_t tlen = strlen(type);
    return ctype && strncasecmp(ctype, type, tlen) == 0 &&
           (ctype[tlen] == '\0' || ctype[tlen] == ';' || ctype[tlen] == ' ');
}

int handle_job_artifact_put(http_request_t *req)
{
    struct app *app = req->app;
    int64_t job_id;
    if (request_path_id(req, 0, "Job not found", &job_id) != 0)
        return req->status;
    const char *name = req->nparams > 1 ? req->params[1] : "";
    const char *type = job_artifact_type(name, job_id);
    if (!type)
        return http_send_problem(req, 422, "name",
                                 "name: must be poster-%" PRId64 "-<tag>.png or .jpg (tag: "
                                 "letters, digits, - and _; at most %d characters in all)",
                                 job_id, JOB_ARTIFACT_NAME_MAX);
    if (!content_type_is(req, type))
        return http_send_problem(req, 415, NULL, "Content-Type must be %s for %s", type, name);
    char *body = NULL;
    size_t len = 0;
    int read_rc = http_read_body(req, (size_t)app->cfg.max_upload_bytes, &body, &len);
    if (read_rc != 0)
        return http_send_body_problem(req, read_rc, (size_t)app->cfg.max_upload_bytes);
    cmd_result_t r = {0};
    bool created = false;
    int rc = job_artifact_store(app, job_id, name, type, body, len, &created, &r);
    free(body);
    if (rc != 0)
        return request_fail(req, &r);
    char url[JOB_ARTIFACT_NAME_MAX + 16], location[JOB_ARTIFACT_NAME_MAX + 32];
    snprintf(url, sizeof(url), "/uploads/%s", name);
    snprintf(location, sizeof(location), "Location: %s\r\n", url);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "name", name);
    cJSON_AddStringToObject(out, "url", url);
    cJSON_AddNumberToObject(out, "bytes", (double)len);
    return http_send_json(req, created ? 201 : 200, out, location);
}
