/* Request bodies and the answer of the listing endpoints: a form (multipart with "images" files, or
 * urlencoded) or a JSON object, parsed into validated listing fields plus the temporary
 * paths of the uploaded files. */
#ifndef API_LISTING_BODY_H
#define API_LISTING_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/http.h"
#include "domain/listing_input.h"
#include "http/form.h"

typedef struct {
    listing_input_t in;
    form_t form;
    const char **paths; /* the uploads' temporary files, nfiles of them */
    size_t nfiles;
} listing_body_t;

/* Reads the fields and files of a listing (create: title and price required). Returns 0,
 * or -1 after answering (400, 413, 415, 422). Always call listing_body_free. */
int listing_body_read(http_request_t *req, bool create, listing_body_t *body)
    __attribute__((warn_unused_result));

/* Reads a multipart body of "images" files only (at least one). Returns 0, or -1 after
 * answering. Always call listing_body_free. */
int listing_body_read_images(http_request_t *req, listing_body_t *body)
    __attribute__((warn_unused_result));

void listing_body_free(listing_body_t *body);

/* Sends listing id as JSON (read on a pooled connection of its own) with status and extra
 * headers (may be NULL), or 404. Returns the status sent. */
int listing_send(http_request_t *req, int64_t id, int status, const char *extra_headers);

#endif
