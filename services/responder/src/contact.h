/* The one contact-info detector of the responder: what in a text reveals a way to reach
 * someone outside the marketplace, or asks to move there. Both guards use it, the pre-guard
 * over the buyer's text (plan.c) and the post-guard over our draft (guard.c), so whatever
 * one of them sees the other sees too. Pure, no I/O. */
#ifndef RESPONDER_CONTACT_H
#define RESPONDER_CONTACT_H

/* Kinds found, as bits of contact_scan's result. */
#define CONTACT_OFF_PLATFORM 0x1u /* "whatsapp", "text me at", "email me", "my number is" */
#define CONTACT_PHONE                                                                              \
    0x2u                   /* 7 or more digits in phone shape: "555-0199",                         \
                            * "(415) 555 0199", "+1 415.555.0199" */
#define CONTACT_EMAIL 0x4u /* "name@host.tld" */
#define CONTACT_LINK                                                                               \
    0x8u /* "http://", "https://", "www.", or a bare domain with a                                 \
          * common TLD: "example.com", "bit.ly/x", "t.co" */

/* Every kind of contact info in text (NULL = none), OR-ed. Amounts, sizes and times are not
 * contact info: "$80.50", "$1,200", "5.5 inches", "63 x 51 x 19", "100.50-120.75", "5:30".
 * Pure and thread-safe. */
unsigned contact_scan(const char *text);

#endif
