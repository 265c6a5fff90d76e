/* The identity of one marketplace message, stable across re-reads of its thread (DESIGN
 * section 2): sha256 of (thread, sender, text, occurrence), so a buyer who writes "ok" twice
 * is seen twice, and reading the thread again yields the same fingerprints. The monitor
 * computes it for what it reads and for the bubble a send verified; the api dedupes on it. */
#ifndef COMMON_FINGERPRINT_H
#define COMMON_FINGERPRINT_H

#include <stddef.h>

/* Writes the lowercase hex sha256 (64 characters and a NUL) of the length-prefixed encoding
 *   "bbfp1|" <len>":"thread_id "|" <len>":"from "|" <len>":"text "|" occurrence
 * into out. text is normalised first (leading and trailing whitespace dropped, inner runs of
 * whitespace made one space) so that the same bubble rendered with other line breaks keeps
 * its fingerprint. occurrence counts from 1: the n-th message of that sender with that
 * (normalised) text in the thread. from is "buyer" or "seller". */
void fingerprint_message(const char *thread_id, const char *from, const char *text, int occurrence,
                         char out[65]);

/* The normalisation fingerprint_message applies, into a new string the caller frees. */
char *fingerprint_normalize(const char *text);

#endif
