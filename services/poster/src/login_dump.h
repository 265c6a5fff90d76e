/* byebuy-login --dump DIR: the first-real-run kit (issue 13). The Facebook recipe is written
 * from public evidence (shared/reference/facebook-markup.md), not from the user's account;
 * these three pages let anyone check it against a real account in minutes: the create form,
 * "Your listings" and one inbox thread, each as HTML and a PNG screenshot, taken with the
 * account's own browser profile. Personal text is masked in the page before anything is
 * saved (names, titles, message texts, input values, scripts' inline data): text nodes and
 * attributes become same-length placeholders ("Oak table" -> "xxx xxxxx"), while the
 * structure, roles and the marketplace's own UI words ("Next", "Publish", "Mark as sold
 * <title>" keeps its "Mark as sold " prefix) stay, which is what a recipe selects on. */
#ifndef POSTER_LOGIN_DUMP_H
#define POSTER_LOGIN_DUMP_H

#include <stdio.h>

#include "browser/recipe.h"
#include "common/webdriver.h"

/* The masking script (returns {"texts": n, "attributes": n, "scripts": n}). Exposed for the
 * tests. */
extern const char login_dump_mask_js[];

/* Opens base_url's three pages in s, masks them and writes DIR/create.html|png,
 * DIR/selling.html|png and DIR/inbox-thread.html|png (DIR is created 0700; files 0600).
 * A login wall (r's detector) stops it with the byebuy-login remedy. Progress on out.
 * Returns 0 when all three were written. */
int login_dump(wd_session_t *s, const recipe_t *r, const char *base_url, const char *dir,
               FILE *out);

#endif
