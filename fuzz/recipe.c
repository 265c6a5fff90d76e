/* libFuzzer target: a recipe file as the poster and the monitor load it (recipe_parse for
 * posting recipes, recipe_parse_inbox for inbox ones). */
#include <stddef.h>
#include <stdint.h>

#include "browser/recipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    recipe_t *r = recipe_parse("fuzz", "fuzz.json", (const char *)data, size, err, sizeof(err));
    recipe_free(r);
    r = recipe_parse_inbox("fuzz", "fuzz.json", (const char *)data, size, err, sizeof(err));
    recipe_free(r);
    return 0;
}
