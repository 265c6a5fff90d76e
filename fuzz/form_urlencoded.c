/* libFuzzer target: an application/x-www-form-urlencoded body as the api parses it
 * (form_parse_urlencoded, with the listing form's limits). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "http/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const form_limits_t lim = {.tmp_dir = "/tmp",
                                      .file_field = "images",
                                      .max_fields = 32,
                                      .max_field_bytes = 1024,
                                      .max_files = 10,
                                      .max_file_bytes = 1 << 20,
                                      .max_body_bytes = 1 << 20};
    form_t form;
    memset(&form, 0, sizeof(form));
    form.lim = &lim;
    form.fd = -1;
    form.fields = xcalloc(lim.max_fields + 1, sizeof(*form.fields));
    form.files = xcalloc(lim.max_files + 1, sizeof(*form.files));
    char *body = xmalloc(size + 1); /* as http_read_body leaves it: NUL-terminated */
    memcpy(body, data, size);
    body[size] = '\0';
    if (form_parse_urlencoded(&form, body, size) == 0) {
        for (size_t i = 0; i < form.nfields; i++)
            if (strlen(form.fields[i].name) > 127 || form.fields[i].len > lim.max_field_bytes)
                abort();
    }
    free(body);
    form_free(&form);
    return 0;
}
