/* Contact-info detection (see contact.h): a phrase table for requests to move off the
 * marketplace, and three scanners for phone numbers, e-mail addresses and links. */
#include "contact.h"

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "phrase.h"

/* Phrase patterns (phrase.h syntax). */
static const char *const OFF_PLATFORM[] = {
    "whatsapp",    "whats app",       "telegram",      "text me at",
    "text me on",  "text me instead", "email me",      "e mail me",
    "my email",    "email address",   "my number is",  "call me at",
    "call me on",  "signal me",       "kik",           "wechat",
    "viber",       "hit me up on",    "message me on", "contact me at",
    "reach me at", "dm me on",        "snapchat",      NULL,
};

/* Digits in the longest phone-shaped run: digit groups joined by one or two of " -.()+".
 * A group of one or two digits after a '.' is a decimal fraction ("$80.50", "5.5") and ends
 * the run, unless the group before it was as short too: dotted pairs are a phone number
 * ("06.12.34.56.78"). So price ranges ("100.50-120.75") are not phone numbers. */
static int longest_phone_run(const char *text)
{
    int best = 0;
    int digits = 0;
    int seps = 0;
    bool after_dot = false;
    size_t prev_group = 0;
    const char *p = text;
    while (*p != '\0') {
        if (isdigit((unsigned char)*p)) {
            size_t group = strspn(p, "0123456789");
            if (after_dot && group <= 2 && prev_group > 2) {
                digits = 0; /* a decimal: the amount before it was no phone number */
            } else {
                digits += (int)group;
            }
            if (digits > best) {
                best = digits;
            }
            prev_group = group;
            seps = 0;
            after_dot = false;
            p += group;
            continue;
        }
        if (strchr(" -.()+", *p) != NULL && seps < 2) {
            seps++;
            after_dot = after_dot || *p == '.';
        } else {
            digits = 0;
            seps = 0;
            after_dot = false;
            prev_group = 0;
        }
        p++;
    }
    return best;
}

/* "name@host.tld": a letter or digit before the '@', then host characters (letters, digits,
 * '.', '-') with a '.' followed by a letter among them. */
static bool has_email(const char *text)
{
    for (const char *at = strchr(text, '@'); at != NULL; at = strchr(at + 1, '@')) {
        if (at == text || !isalnum((unsigned char)at[-1])) {
            continue;
        }
        for (const char *p = at + 1; isalnum((unsigned char)*p) || *p == '.' || *p == '-'; p++) {
            if (*p == '.' && isalpha((unsigned char)p[1])) {
                return true;
            }
        }
    }
    return false;
}

/* True when the n letters at s are all lower case or all upper case: "com", "COM", but not
 * "Me" in "thanks.Me too" (a sentence after a missing space, not a domain). */
static bool same_case(const char *s, size_t n)
{
    bool lower = true;
    bool upper = true;
    for (size_t i = 0; i < n; i++) {
        lower = lower && islower((unsigned char)s[i]);
        upper = upper && isupper((unsigned char)s[i]);
    }
    return lower || upper;
}

/* URLs and bare domains ("bit.ly/x", "example.com"). */
static bool has_link(const char *text)
{
    static const char *const TLDS[] = {"com",  "net",  "org",  "io",  "co",  "me", "ly", "app",
                                       "link", "shop", "info", "biz", "xyz", "us", "uk", NULL};
    if (strcasestr(text, "http://") != NULL || strcasestr(text, "https://") != NULL ||
        strcasestr(text, "www.") != NULL) {
        return true;
    }
    for (const char *p = text; *p != '\0'; p++) {
        if (*p != '.' || p == text || !isalnum((unsigned char)p[-1])) {
            continue;
        }
        for (size_t i = 0; TLDS[i] != NULL; i++) {
            size_t n = strlen(TLDS[i]);
            if (strncasecmp(p + 1, TLDS[i], n) == 0 && !isalnum((unsigned char)p[1 + n]) &&
                same_case(p + 1, n)) {
                return true;
            }
        }
    }
    return false;
}

unsigned contact_scan(const char *text)
{
    if (text == NULL) {
        return 0;
    }
    unsigned found = 0;
    phrase_text_t t;
    phrase_text_init(&t, text);
    if (phrase_match_any(&t, OFF_PLATFORM) != NULL) {
        found |= CONTACT_OFF_PLATFORM;
    }
    phrase_text_free(&t);
    if (longest_phone_run(text) >= 7) {
        found |= CONTACT_PHONE;
    }
    if (has_email(text)) {
        found |= CONTACT_EMAIL;
    }
    if (has_link(text)) {
        found |= CONTACT_LINK;
    }
    return found;
}
