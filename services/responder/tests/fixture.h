/* Test helper shared by the responder unit tests: builds a reply_requested_t in heap memory
 * (freed with reply_requested_free) from a few literals. */
#ifndef RESPONDER_TEST_FIXTURE_H
#define RESPONDER_TEST_FIXTURE_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/event.h"
#include "common/xmalloc.h"

/* The dresser of scenarios.json: $120, floor $80, flexibility 0.5 -> visible lowest $100,
 * accept >= $108, ladder $110, $105, $100. */
static inline void fixture_request(reply_requested_t *req, const char *request_id,
                                   const char *buyer_text)
{
    memset(req, 0, sizeof(*req));
    req->request_id = xstrdup(request_id);
    req->conversation_id = xstrdup("conv-test");
    req->listing.id = 101;
    req->listing.title = xstrdup("IKEA Hemnes dresser");
    req->listing.description =
        xstrdup("Solid wood, 6 drawers. Dimensions: 63 x 51 x 19 inches. A few light scratches on "
                "top, otherwise great. Comes with the original assembly instructions. Pickup only, "
                "no delivery.");
    req->listing.price_cents = 12000;
    req->listing.floor_cents = 8000;
    req->listing.currency = xstrdup("USD");
    req->listing.flexibility = 0.5;
    req->listing.condition = xstrdup("good");
    req->listing.location = xstrdup("Oakland");
    req->listing.status = xstrdup("active");
    req->state.status = xstrdup("active");
    req->policy.tone = xstrdup("friendly");
    if (buyer_text != NULL) {
        req->new_messages = xcalloc(1, sizeof(*req->new_messages));
        req->nnew_messages = 1;
        req->new_messages[0].fingerprint = xstrdup("fp-1");
        req->new_messages[0].text = xstrdup(buyer_text);
    }
}

/* Appends a history message (role "buyer", "seller" or "agent"). */
static inline void fixture_history(reply_requested_t *req, const char *role, const char *text)
{
    req->history = xrealloc(req->history, (req->nhistory + 1) * sizeof(*req->history));
    memset(&req->history[req->nhistory], 0, sizeof(req->history[0]));
    req->history[req->nhistory].role = xstrdup(role);
    req->history[req->nhistory].text = xstrdup(text);
    req->nhistory++;
}

/* Appends a new buyer message. */
static inline void fixture_new_message(reply_requested_t *req, const char *text)
{
    req->new_messages =
        xrealloc(req->new_messages, (req->nnew_messages + 1) * sizeof(*req->new_messages));
    memset(&req->new_messages[req->nnew_messages], 0, sizeof(req->new_messages[0]));
    req->new_messages[req->nnew_messages].text = xstrdup(text);
    req->nnew_messages++;
}

/* Replaces a heap string field. */
static inline void fixture_set(char **field, const char *value)
{
    free(*field);
    *field = value != NULL ? xstrdup(value) : NULL;
}

#endif
