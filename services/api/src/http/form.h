/* Form bodies (multipart/form-data and application/x-www-form-urlencoded) read with
 * mg_handle_form_request: text fields into bounded memory, files streamed to temporary files
 * with a per-file size cap, so an upload is never whole in memory. */
#ifndef API_FORM_H
#define API_FORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/http.h"

typedef struct {
    const char *tmp_dir;    /* where uploads are streamed (same filesystem as the store) */
    const char *file_field; /* the one field name that may carry files ("images") */
    size_t max_fields;      /* text fields */
    size_t max_field_bytes; /* one text field */
    size_t max_files;
    int64_t max_file_bytes; /* one file */
    int64_t max_body_bytes; /* a declared Content-Length above this is refused upfront */
} form_limits_t;

typedef struct {
    char *name;
    char *value; /* NUL-terminated */
    size_t len;
} form_field_t;

typedef struct {
    char path[4096]; /* temporary file; removed by form_free */
    int64_t bytes;
} form_file_t;

typedef struct {
    form_field_t *fields;
    size_t nfields;
    form_file_t *files;
    size_t nfiles;
    /* When form_read fails: the status to answer, the field at fault ("" for the body),
     * and what is wrong. */
    int status;
    char field[64];
    char detail[300];
    /* internal */
    const form_limits_t *lim;
    const http_request_t *req; /* for its body deadline */
    int fd;                    /* the file being written, -1 when none */
    bool in_file;
    bool in_empty_file; /* the file field without a file name: only an empty one is fine */
    form_field_t *cur;  /* the text field being read */
} form_t;

/* Whether the request carries a form body (by Content-Type). */
bool form_is_form_request(const http_request_t *req);

/* Reads the whole form. Returns 0, or -1 with form->status/field/detail set (the caller sends
 * the problem; the connection is marked to close when the body was left unread). Always
 * call form_free afterwards. Thread-safe per request. */
int form_read(http_request_t *req, const form_limits_t *lim, form_t *form)
    __attribute__((warn_unused_result));

/* Parses an application/x-www-form-urlencoded body (body[len] must be writable; it is
 * cut up in place) into form, whose lim, fields and files are set up as form_read does.
 * Returns 0 or -1 with form->status/field/detail. Exposed for the fuzz target. */
int form_parse_urlencoded(form_t *form, char *body, size_t len) __attribute__((warn_unused_result));

/* The value of a text field, or NULL when absent. */
const form_field_t *form_get(const form_t *form, const char *name);

/* Frees the fields and removes every temporary file. Accepts a zeroed form. */
void form_free(form_t *form);

#endif
