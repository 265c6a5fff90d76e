/* The seller inbox's HTML, shaped like Facebook's Marketplace inbox as far as public evidence
 * shows it (README.md, "Seller inbox and buyer messages"): a "Chats" grid of thread rows
 * linking to /marketplace/t/<id>/, message rows labelled "Enter, Message sent <time> by
 * <Sender>: <text>", a Lexical-like contenteditable composer and a send button. */
#include "sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/xmalloc.h"

/* "4 minutes ago" / "4m" as Facebook's thread list shows the age of the last message. */
static void age_text(int64_t now_ms, int64_t at_ms, char *label, size_t lsize, char *abbrev,
                     size_t asize)
{
    int64_t s = (now_ms - at_ms) / 1000;
    if (s < 60) {
        snprintf(label, lsize, "a few seconds ago");
        snprintf(abbrev, asize, "1m");
        return;
    }
    static const struct {
        int64_t secs;
        const char *unit, *abbrev;
    } units[] = {{86400, "day", "d"}, {3600, "hour", "h"}, {60, "minute", "m"}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (s < units[i].secs)
            continue;
        long long n = (long long)(s / units[i].secs);
        snprintf(label, lsize, "%lld %s%s ago", n, units[i].unit, n == 1 ? "" : "s");
        snprintf(abbrev, asize, "%lld%s", n, units[i].abbrev);
        return;
    }
}

/* "4:37 AM" (UTC) for a message row's label. */
static void clock_text(int64_t at_ms, char *out, size_t size)
{
    time_t sec = (time_t)(at_ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    int h = tm.tm_hour % 12;
    snprintf(out, size, "%d:%02d %s", h ? h : 12, tm.tm_min, tm.tm_hour < 12 ? "AM" : "PM");
}

/* "<buyer> · <listing title>", as the row and the thread header name a Marketplace thread. */
static void thread_name(sbuf_t *b, const sb_thread_t *t)
{
    sb_html_esc(b, t->buyer);
    sbuf_add(b, " \xc2\xb7 ");
    sb_html_esc(b, t->item_title);
}

static void thread_row(sbuf_t *b, const sb_thread_t *t, bool current, int64_t now_ms)
{
    bool unread = sb_thread_unread(t);
    sbuf_printf(b,
                "<div role=\"row\" data-thread-id=\"%lld\" data-unread=\"%s\">"
                "<div role=\"gridcell\"><a role=\"link\" href=\"/marketplace/t/%lld/\"%s>",
                (long long)t->id, unread ? "true" : "false", (long long)t->id,
                current ? " aria-current=\"page\"" : "");
    sbuf_add(b, "<span dir=\"auto\" data-field=\"title\">");
    thread_name(b, t);
    sbuf_add(b, "</span><span dir=\"auto\" data-field=\"preview\">");
    if (t->nmessages > 0) {
        const sb_message_t *last = &t->messages[t->nmessages - 1];
        if (last->from_seller)
            sbuf_add(b, "You: ");
        sb_html_esc(b, last->text);
    }
    char label[48], abbrev[16];
    age_text(now_ms, sb_thread_last_ms(t), label, sizeof(label), abbrev, sizeof(abbrev));
    sbuf_printf(b, "</span><abbr aria-label=\"%s\">%s</abbr>", label, abbrev);
    if (unread)
        sbuf_add(b, "<div role=\"button\" aria-hidden=\"true\" tabindex=\"-1\">"
                    "<span data-visualcompletion=\"ignore\"></span></div>");
    sbuf_add(
        b, "</a></div><div role=\"gridcell\"><div role=\"button\" aria-label=\"More options for ");
    thread_name(b, t);
    sbuf_add(b, "\" aria-haspopup=\"menu\" tabindex=\"0\">&middot;&middot;&middot;</div></div>"
                "</div>\n");
}

/* Most recent activity first, like Facebook's list; ties by the newer thread. */
static int by_activity(const void *a, const void *b)
{
    const sb_thread_t *x = *(sb_thread_t *const *)a, *y = *(sb_thread_t *const *)b;
    int64_t lx = sb_thread_last_ms(x), ly = sb_thread_last_ms(y);
    if (lx != ly)
        return lx < ly ? 1 : -1;
    return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

static void thread_list(sbuf_t *b, sb_thread_t *const *threads, size_t n, const sb_thread_t *open,
                        int64_t now_ms)
{
    sb_thread_t **sorted = xcalloc(n ? n : 1, sizeof(*sorted));
    memcpy(sorted, threads, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), by_activity);
    sbuf_add(b, "<div role=\"navigation\" aria-label=\"Thread list\">\n<h1>Marketplace</h1>\n");
    if (n == 0)
        sbuf_add(b, "<p>No messages yet</p>\n");
    sbuf_add(b, "<div role=\"grid\" aria-label=\"Chats\">\n");
    for (size_t i = 0; i < n; i++)
        thread_row(b, sorted[i], open && open->id == sorted[i]->id, now_ms);
    sbuf_add(b, "</div>\n</div>\n");
    free(sorted);
}

char *sb_message_row_html(const char *buyer, const sb_message_t *m)
{
    sbuf_t b = {0};
    char clock[16];
    clock_text(m->at_ms, clock, sizeof(clock));
    sbuf_printf(&b, "<div role=\"row\" aria-label=\"Enter, Message sent %s by ", clock);
    sb_html_esc(&b, m->from_seller ? "You" : buyer);
    sbuf_add(&b, ": ");
    sb_html_esc(&b, m->text);
    sbuf_printf(&b, "\" data-message-id=\"%lld\" data-from=\"%s\" data-at=\"%s\">",
                (long long)m->id, m->from_seller ? "seller" : "buyer", m->at);
    if (m->from_seller)
        sbuf_add(&b, "<span class=\"sr\">You sent</span>");
    sbuf_add(&b, "<div class=\"bubble\"><div dir=\"auto\">");
    sb_html_esc(&b, m->text);
    sbuf_add(&b, "</div></div></div>\n");
    return sbuf_take(&b);
}

/* The composer's behaviour: Enter sends (Shift+Enter is a new line), the button reads
 * "Send a like" while the box is empty (and then sends a thumbs up, as Facebook's does) and
 * "Press enter to send" once there is text. A send POSTs the text; the server answers with
 * the new row's HTML, which is appended; an error shows in an alert and keeps the text. */
static const char *const THREAD_SCRIPT =
    "(function(){\n"
    "'use strict';\n"
    "var main=document.querySelector('[role=main][data-thread-id]');\n"
    "var id=main.getAttribute('data-thread-id');\n"
    "var box=main.querySelector('[role=textbox][contenteditable=true]');\n"
    "var btn=main.querySelector('[data-send]');\n"
    "var table=main.querySelector('[data-scope=messages_table]');\n"
    "var sending=false;\n"
    "function text(){ return box.innerText.replace(/^\\s+|\\s+$/g,''); }\n"
    "function update(){ btn.setAttribute('aria-label', text()===''?'Send a like':"
    "'Press enter to send'); }\n"
    "function fail(msg){\n"
    "  var a=main.querySelector('[role=alert]');\n"
    "  if(!a){ a=document.createElement('div'); a.setAttribute('role','alert');\n"
    "    box.insertAdjacentElement('beforebegin', a); }\n"
    "  a.textContent=msg;\n"
    "}\n"
    "function send(t){\n"
    "  if(sending) return; sending=true;\n"
    "  fetch('/marketplace/t/'+id+'/send', {method:'POST', credentials:'same-origin',\n"
    "    headers:{'Content-Type':'application/json'}, body:JSON.stringify({text:t})})\n"
    "  .then(function(r){ return r.json().then(function(j){ return {ok:r.ok, j:j}; },\n"
    "    function(){ return {ok:false, j:{error:'Message not sent: log in again'}}; }); })\n"
    "  .then(function(res){\n"
    "    sending=false;\n"
    "    if(!res.ok){ fail(res.j.error||'Message not sent'); return; }\n"
    "    var a=main.querySelector('[role=alert]'); if(a) a.remove();\n"
    "    table.insertAdjacentHTML('beforeend', res.j.row_html);\n"
    "    box.textContent=''; update();\n"
    "  }, function(e){ sending=false; fail('Message not sent: '+e); });\n"
    "}\n"
    "box.addEventListener('input', update);\n"
    "box.addEventListener('keydown', function(ev){\n"
    "  if(ev.key==='Enter' && !ev.shiftKey){ ev.preventDefault(); var t=text(); if(t!=='') "
    "send(t); }\n"
    "});\n"
    "btn.addEventListener('click', function(){ var t=text(); send(t===''?'\\ud83d\\udc4d':t); });\n"
    "btn.addEventListener('keydown', function(ev){ if(ev.key==='Enter'||ev.key===' '){\n"
    "  ev.preventDefault(); btn.click(); } });\n"
    "update();\n"
    "})();\n";

static void thread_view(sbuf_t *b, const sb_thread_t *t)
{
    sbuf_add(b, "<div role=\"main\" aria-label=\"Conversation with ");
    thread_name(b, t);
    sbuf_printf(b,
                "\" data-thread-id=\"%lld\">\n<div class=\"thread-header\"><h1><span dir=\"auto\">",
                (long long)t->id);
    thread_name(b, t);
    sbuf_printf(b, "</span></h1><a role=\"link\" href=\"/marketplace/item/%lld/\" aria-label=\"",
                (long long)t->item_id);
    sb_html_esc(b, t->item_title);
    sbuf_add(b, "\"><span dir=\"auto\">");
    sb_html_esc(b, t->item_title);
    sbuf_add(b, "</span></a></div>\n<div role=\"grid\" data-scope=\"messages_table\" "
                "aria-label=\"Messages in conversation with ");
    thread_name(b, t);
    sbuf_add(b, "\">\n<div role=\"row\" data-system=\"true\"><div dir=\"auto\">Beware of common "
                "scams: never share verification codes or pay before you see the item.</div>"
                "</div>\n");
    for (size_t i = 0; i < t->nmessages; i++) {
        char *row = sb_message_row_html(t->buyer, &t->messages[i]);
        sbuf_add(b, row);
        free(row);
    }
    sbuf_add(b, "</div>\n<div role=\"textbox\" contenteditable=\"true\" "
                "data-lexical-editor=\"true\" aria-multiline=\"true\" spellcheck=\"true\" "
                "aria-label=\"Write to ");
    thread_name(b, t);
    sbuf_add(b, "\"></div>\n<div><div role=\"button\" data-send aria-label=\"Send a like\" "
                "tabindex=\"0\">Send</div></div>\n</div>\n<script>\n");
    sbuf_add(b, THREAD_SCRIPT);
    sbuf_add(b, "</script>\n");
}

char *sb_page_inbox(sb_thread_t *const *threads, size_t n, const sb_thread_t *open, int64_t now_ms)
{
    sbuf_t b = {0};
    if (open) {
        char *plain = xasprintf("%s \xc2\xb7 %s | Marketplace", open->buyer, open->item_title);
        sb_page_head(&b, plain);
        free(plain);
    } else {
        sb_page_head(&b, "Marketplace inbox | Marketplace");
    }
    sbuf_add(&b, "<div class=\"inbox\">\n");
    thread_list(&b, threads, n, open, now_ms);
    if (open)
        thread_view(&b, open);
    else
        sbuf_add(&b, "<div role=\"main\" aria-label=\"Marketplace inbox\"><p>Select a "
                     "conversation</p></div>\n");
    sbuf_add(&b, "</div>\n");
    return sb_page_end(&b);
}
