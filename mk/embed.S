/* Embeds one file in an object at build time (mk/build.mk assembles this once per embedded
 * file): EMBED_FILE is its path, EMBED_NAME the symbol of its first byte, EMBED_NAME_len a
 * uint64_t holding its length in bytes. A NUL follows the bytes, so text may be used as a C
 * string. Read-only data: shared, never copied at run time. */
#define EMBED_CAT_(a, b) a##b
#define EMBED_CAT(a, b) EMBED_CAT_(a, b)

    .section .rodata
    .balign 16
    .global EMBED_NAME
    .type EMBED_NAME, %object
EMBED_NAME:
    .incbin EMBED_FILE
.Lembed_end:
    .byte 0
    .size EMBED_NAME, . - EMBED_NAME

    .balign 8
    .global EMBED_CAT(EMBED_NAME, _len)
    .type EMBED_CAT(EMBED_NAME, _len), %object
EMBED_CAT(EMBED_NAME, _len):
    .8byte .Lembed_end - EMBED_NAME
    .size EMBED_CAT(EMBED_NAME, _len), 8

/* No executable stack needed (without this note the linker assumes one and warns). */
    .section .note.GNU-stack, "", %progbits
