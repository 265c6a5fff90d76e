/* libFuzzer target: the model's answer as the responder reads it — the /chat/completions
 * body (llm_parse_completion, which validates the draft in message.content) and the draft
 * object on its own (llm_draft_validate). */
#include <stddef.h>
#include <stdint.h>

#include "llm_answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    llm_draft_t d;
    (void)llm_parse_completion((const char *)data, size, &d, err, sizeof(err));
    llm_draft_free(&d);
    llm_draft_t v = {0};
    if (llm_draft_validate((const char *)data, size, &v, err, sizeof(err)) == 0)
        llm_draft_free(&v);
    return 0;
}
