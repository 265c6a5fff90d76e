/* libFuzzer target: a JSON request body as the api reads it — json_check (depth, UTF-8,
 * \u0000) and then cJSON, which must never be reached with nesting it cannot survive. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/json_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t at = 0;
    char why[64];
    if (json_check((const char *)data, size, JSON_MAX_DEPTH, &at, why, sizeof(why)) != 0) {
        if (at > size)
            abort(); /* the offset names a byte of the input */
        return 0;
    }
    cJSON *root = cJSON_ParseWithLength((const char *)data, size);
    if (root) {
        char *text = cJSON_PrintUnformatted(root);
        cJSON_free(text);
        cJSON_Delete(root);
    }
    return 0;
}
