/* libFuzzer target: a buyer's message as the responder reads offers from it. The input is
 * "<title>\n<message>" (no newline: no title); the listing price is fixed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *nl = strchr(buf, '\n');
    const char *title = NULL, *text = buf;
    if (nl) {
        *nl = '\0';
        title = buf;
        text = nl + 1;
    }
    int64_t cents = 0;
    offer_amount_t out[8];
    (void)offer_parse(text, 12000, &cents);
    (void)offer_parse_titled(text, title, 12000, &cents);
    (void)offer_scan_titled(text, title, 12000, OFFER_SCAN_ALL, out, 8);
    (void)offer_scan(text, 12000, OFFER_SCAN_BUYER, out, 8);
    free(offer_mask_title(text, title));
    free(buf);
    return 0;
}
