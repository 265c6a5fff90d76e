/* The api's OpenAPI document, embedded at build time from services/api/openapi.json. */
#ifndef API_OPENAPI_H
#define API_OPENAPI_H

#include <stddef.h>

/* The document's JSON text (NUL-terminated, static, never freed); *len is its length in
 * bytes without the NUL. Thread-safe: read-only data. */
const char *openapi_document(size_t *len);

#endif
