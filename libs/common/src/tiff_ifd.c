/* IFD0 of a TIFF block (see tiff_ifd.h). */
#include "tiff_ifd.h"

#include <string.h>

#include "byteorder.h"

const unsigned char *tiff_ifd0_entry(const unsigned char *tiff, size_t len, uint16_t tag,
                                     bool *little)
{
    if (tiff == NULL || len < 8)
        return NULL;
    if (memcmp(tiff, "II*\0", 4) == 0)
        *little = true;
    else if (memcmp(tiff, "MM\0*", 4) == 0)
        *little = false;
    else
        return NULL;
    uint32_t (*u16)(const unsigned char *) = *little ? le16 : be16;
    uint32_t (*u32)(const unsigned char *) = *little ? le32 : be32;
    uint32_t ifd = u32(tiff + 4);
    if (ifd < 8 || (size_t)ifd + 2 > len)
        return NULL;
    uint32_t count = u16(tiff + ifd);
    for (uint32_t i = 0; i < count; i++) {
        size_t entry = (size_t)ifd + 2 + (size_t)i * 12;
        if (entry + 12 > len)
            return NULL; /* truncated IFD: what was not seen is not there */
        if (u16(tiff + entry) == tag)
            return tiff + entry;
    }
    return NULL;
}
