/* Embeds one file in an object at build time (mk/build.mk assembles this once per embedded
 * file): EMBED_FILE is its path, EMBED_NAME the symbol of its first byte. EMBED_NAME_end
 * marks the end of the bytes; a NUL follows them so text may be used as a C string. Read-only
 * data, so the bytes are shared and never copied at run time. */
#define EMBED_CAT_(a, b) a##b
#define EMBED_CAT(a, b) EMBED_CAT_(a, b)

    .section .rodata
    .balign 16
    .global EMBED_NAME
    .type EMBED_NAME, %object
EMBED_NAME:
    .incbin EMBED_FILE
    .global EMBED_CAT(EMBED_NAME, _end)
    .type EMBED_CAT(EMBED_NAME, _end), %object
EMBED_CAT(EMBED_NAME, _end):
    .byte 0
    .size EMBED_NAME, . - EMBED_NAME

/* No executable stack needed (without this note the linker assumes one and warns). */
    .section .note.GNU-stack, "", %progbits
