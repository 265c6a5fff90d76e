/* /api/openapi.json (the API description, services/api/openapi.json, kept by hand beside the
 * handlers: change it with them); /docs, the page that renders it, is part of the dashboard's
 * build (http/spa.c handle_docs). The file is embedded at build time (mk/build.mk, mk/embed.S), so
 * the binary needs no file at run time and a change of the file rebuilds it. */
#include <stdint.h>

#include "handlers.h"
#include "openapi.h"

/* The embedded bytes (mk/embed.S): embed_openapi_json_len of them, then a NUL. */
extern const char embed_openapi_json[];
extern const uint64_t embed_openapi_json_len;

const char *openapi_document(size_t *len)
{
    *len = (size_t)embed_openapi_json_len;
    return embed_openapi_json;
}

int openapi_json(http_request_t *req)
{
    size_t len;
    const char *doc = openapi_document(&len);
    return http_send_body(req, 200, "application/json", doc, len,
                          "Cache-Control: public, max-age=300\r\n");
}
