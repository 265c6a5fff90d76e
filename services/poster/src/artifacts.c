/* Screenshots to the api over HTTP (see artifacts.h). */
#include "artifacts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "api_auth.h"
#include "common/httpc.h"
#include "common/util.h"
#include "common/xmalloc.h"

void artifact_name(int64_t job_id, const char *tag, char *name, size_t size)
{
    char uuid[UUID_STR_LEN];
    util_uuid_v4(uuid);
    uuid[8] = '\0';
    snprintf(name, size, "poster-%lld-%s-%s.png", (long long)job_id, tag, uuid);
}

int artifact_deliver(const artifact_target_t *t, int64_t job_id, const char *name, const void *png,
                     size_t len, char *errstr, size_t errstr_size)
{
    if (!t->api_base || !*t->api_base) {
        snprintf(errstr, errstr_size, "API_PUBLIC_URL is not set");
        return -1;
    }
    size_t n = strlen(t->api_base);
    char *url =
        xasprintf("%.*s/api/jobs/%lld/artifacts/%s", (int)(t->api_base[n - 1] == '/' ? n - 1 : n),
                  t->api_base, (long long)job_id, name);
    struct curl_slist *headers =
        api_auth_header(curl_slist_append(NULL, "Content-Type: image/png"), url);
    httpc_policy_t pol;
    httpc_policy_default(&pol);
    pol.max_retries = t->retries;
    pol.timeout_ms = t->timeout_ms;
    pol.connect_timeout_ms = t->timeout_ms < 5000 ? t->timeout_ms : 5000;
    pol.max_response = 64 * 1024;
    httpc_response_t resp;
    int rc = -1;
    if (httpc_request("PUT", url, headers, png, len, &pol, &resp, errstr, errstr_size) != 0)
        goto cleanup;
    if (resp.status != 200 && resp.status != 201) {
        snprintf(errstr, errstr_size, "PUT %s answered %ld after %d tr%s", url, resp.status,
                 resp.attempts, resp.attempts == 1 ? "y" : "ies");
        goto cleanup;
    }
    rc = 0;
cleanup:
    httpc_response_free(&resp);
    curl_slist_free_all(headers);
    free(url);
    return rc;
}
