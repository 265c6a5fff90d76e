/* The seller's pages of the sandbox beside the create form: "Your listings" with each item's
 * actions, and the edit form. They copy what public automations show of Facebook
 * Marketplace (/work/shared/reference/facebook-markup.md 2.2): per-card buttons named
 * "Mark as sold <title>" and "More options for <title>" (a menu with "Edit listing" and
 * "Delete listing"), the "Did you sell this item?" question with four answers and a Next
 * button disabled until one is picked, the "Delete listing" confirm dialog, and the edit
 * form at /marketplace/edit/?listing_id=<id>. Renewing [S4, S5]: a "Renew listing" button on
 * the card and the menu item "Renew", shown disabled as "Renew (N days)" (N: days until it may
 * be renewed again, 7 after a renew) and disabled after 5 renewals; a renew shows the toast
 * "Your listing has been renewed.". The dialogs are created by script. */
#include "sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/sbuf.h"
#include "common/xmalloc.h"

static const char *const SELLING_SCRIPT[] = {
    "(function(){\n",
    "'use strict';\n",
    "function closeAll(){\n",
    "  document.querySelectorAll('[data-popup]').forEach(function(e){ e.remove(); });\n",
    "  document.querySelectorAll('[aria-haspopup=menu]').forEach(function(b){\n",
    "    b.setAttribute('aria-expanded','false'); });\n",
    "}\n",
    "function act(el, fn){\n",
    "  el.addEventListener('click', function(ev){ ev.stopPropagation();\n",
    "    if(el.getAttribute('aria-disabled')==='true') return; fn(); });\n",
    "  el.addEventListener('keydown', function(ev){ if(ev.key==='Enter'||ev.key===' '){\n",
    "    ev.preventDefault(); if(el.getAttribute('aria-disabled')!=='true') fn(); } });\n",
    "}\n",
    "function button(label){\n",
    "  var b=document.createElement('div'); b.setAttribute('role','button');\n",
    "  b.setAttribute('aria-label',label); b.tabIndex=0;\n",
    "  var s=document.createElement('span'); s.textContent=label; b.appendChild(s); return b;\n",
    "}\n",
    "function post(id, what){\n",
    "  return fetch('/marketplace/item/'+id+'/'+what,{method:'POST',credentials:'same-origin'})\n",
    "    .then(function(r){ if(!r.ok) throw new Error('HTTP '+r.status); });\n",
    "}\n",
    "function fail(d, e){\n",
    "  var a=document.createElement('div'); a.setAttribute('role','alert');\n",
    "  a.textContent='Something went wrong. Try again. ('+e.message+')'; d.appendChild(a);\n",
    "}\n",
    "function dialog(label){\n",
    "  closeAll();\n",
    "  var d=document.createElement('div'); d.setAttribute('role','dialog');\n",
    "  d.setAttribute('aria-label',label); d.setAttribute('aria-modal','true');\n",
    "  d.setAttribute('data-popup','1');\n",
    "  var h=document.createElement('h2'); h.textContent=label; d.appendChild(h);\n",
    "  d.addEventListener('click', function(ev){ ev.stopPropagation(); });\n",
    "  document.querySelector('main').appendChild(d); return d;\n",
    "}\n",
    "var ANSWERS=['Yes, sold on Facebook','Yes, sold elsewhere',\"No, haven't sold\",\n",
    "  \"I'd rather not answer\"];\n",
    "function soldQuestion(d, onNext){\n",
    "  var q=document.createElement('p'); q.textContent='Did you sell this item?';\n",
    "  d.appendChild(q);\n",
    "  var g=document.createElement('div'); g.setAttribute('role','radiogroup');\n",
    "  g.setAttribute('aria-label','Did you sell this item?');\n",
    "  var picked=null, next=button('Next'); next.setAttribute('aria-disabled','true');\n",
    "  ANSWERS.forEach(function(t){\n",
    "    var r=document.createElement('div'); r.setAttribute('role','radio');\n",
    "    r.setAttribute('aria-checked','false'); r.tabIndex=0;\n",
    "    var s=document.createElement('span'); s.textContent=t; r.appendChild(s);\n",
    "    act(r, function(){\n",
    "      g.querySelectorAll('[role=radio]').forEach(function(o){\n",
    "        o.setAttribute('aria-checked','false'); });\n",
    "      r.setAttribute('aria-checked','true'); picked=t;\n",
    "      next.setAttribute('aria-disabled','false');\n",
    "    });\n",
    "    g.appendChild(r);\n",
    "  });\n",
    "  d.appendChild(g); d.appendChild(next);\n",
    "  act(next, function(){ next.setAttribute('aria-disabled','true'); onNext(picked); });\n",
    "}\n",
    "function done(){ location.reload(); }\n",
    "function toast(text){\n",
    "  var t=document.createElement('div'); t.setAttribute('role','alert');\n",
    "  t.setAttribute('data-toast','1'); t.textContent=text;\n",
    "  document.querySelector('main').appendChild(t);\n",
    "}\n",
    "function renewWait(card){ return parseInt(card.getAttribute('data-renew-wait'),10); }\n",
    "function renewLabel(card){ var w=renewWait(card);\n",
    "  return w===0 ? 'Renew' : w<0 ? 'Renew (limit reached)' : 'Renew ('+w+' days)'; }\n",
    "function renew(card, id){\n",
    "  closeAll();\n",
    "  post(id,'renew').then(function(){\n",
    "    card.setAttribute('data-renew-wait','7');\n",
    "    var b=card.querySelector('[data-action=renew]');\n",
    "    if(b) b.setAttribute('aria-disabled','true');\n",
    "    toast('Your listing has been renewed.');\n",
    "  }, function(e){ toast('Something went wrong. Try again. ('+e.message+')'); });\n",
    "}\n",
    "function markSold(id){\n",
    "  var d=dialog('Mark as sold');\n",
    "  soldQuestion(d, function(answer){\n",
    "    if(answer===\"No, haven't sold\"){ closeAll(); return; }\n",
    "    post(id,'sold').then(done, function(e){ fail(d,e); });\n",
    "  });\n",
    "}\n",
    "function del(id, title, price){\n",
    "  var d=dialog('Delete listing');\n",
    "  var p=document.createElement('p'); p.textContent=title+' \\u00b7 '+price; "
    "d.appendChild(p);\n",
    "  var w=document.createElement('p');\n",
    "  w.textContent='Are you sure you want to delete this listing?'; d.appendChild(w);\n",
    "  var cancel=button('Cancel'), ok=button('Delete');\n",
    "  d.appendChild(cancel); d.appendChild(ok);\n",
    "  act(cancel, closeAll);\n",
    "  act(ok, function(){\n",
    "    ok.remove(); cancel.remove(); w.remove();\n",
    "    soldQuestion(d, function(){ post(id,'delete').then(done, function(e){ fail(d,e); }); "
    "});\n",
    "  });\n",
    "}\n",
    "function menu(btn, card, id, title, price){\n",
    "  var open=btn.getAttribute('aria-expanded')==='true';\n",
    "  closeAll(); if(open) return;\n",
    "  var m=document.createElement('div'); m.setAttribute('role','menu');\n",
    "  m.setAttribute('aria-label','More options for listing'); "
    "m.setAttribute('data-popup','1');\n",
    "  var rn=document.createElement('div'); rn.setAttribute('role','menuitem'); rn.tabIndex=0;\n",
    "  rn.textContent=renewLabel(card);\n",
    "  rn.setAttribute('aria-disabled', renewWait(card)===0 ? 'false' : 'true');\n",
    "  act(rn, function(){ renew(card, id); }); m.appendChild(rn);\n",
    "  var e=document.createElement('a'); e.setAttribute('role','menuitem');\n",
    "  e.setAttribute('aria-label','Edit listing');\n",
    "  e.href='/marketplace/edit/?listing_id='+id; e.textContent='Edit listing'; "
    "m.appendChild(e);\n",
    "  var x=document.createElement('div'); x.setAttribute('role','menuitem'); x.tabIndex=0;\n",
    "  x.textContent='Delete listing'; act(x, function(){ del(id,title,price); });\n",
    "  m.appendChild(x);\n",
    "  btn.setAttribute('aria-expanded','true'); btn.insertAdjacentElement('afterend', m);\n",
    "}\n",
    "function panel(id, title){\n",
    "  var d=dialog(title); var a=document.createElement('a');\n",
    "  a.href='/marketplace/item/'+id+'/'; a.textContent='View listing'; d.appendChild(a);\n",
    "}\n",
    "document.querySelectorAll('[data-item-id]').forEach(function(card){\n",
    "  var id=card.getAttribute('data-item-id'), title=card.getAttribute('data-title'),\n",
    "      price=card.getAttribute('data-price');\n",
    "  card.querySelectorAll('[data-action]').forEach(function(b){\n",
    "    var a=b.getAttribute('data-action');\n",
    "    act(b, function(){\n",
    "      if(a==='mark-sold') markSold(id);\n",
    "      else if(a==='mark-available') post(id,'available').then(done);\n",
    "      else if(a==='menu') menu(b,card,id,title,price);\n",
    "      else if(a==='renew') renew(card,id);\n",
    "      else if(a==='open') panel(id,title);\n",
    "    });\n",
    "  });\n",
    "});\n",
    "document.addEventListener('click', closeAll);\n",
    "})();\n",
    NULL};

/* Facebook's card [S9, S3, S4]: div[role=button][aria-label=<title>] with the title, the price
 * and "Listed on M/D", no item link; a click opens a panel with the link [S2, Puppeteer];
 * a "Promote now for <title>" link whose target_id is not the listing id [S5 against S3].
 * edit_link: the click opens nothing, and the card's row has S17's
 * a[aria-label='Edit Listing'][href^='/marketplace/edit/?listing_id='] (the edit URL's form:
 * [S16, S5]) - the only place the listing id shows. */
static void selling_card_fb(sbuf_t *b, const sb_item_t *it, const char *price, bool edit_link)
{
    sbuf_printf(b, "<div role=\"button\" tabindex=\"0\" data-action=\"%s\" aria-label=\"",
                edit_link ? "none" : "open");
    sb_html_esc(b, it->title);
    sbuf_add(b, "\"><span dir=\"auto\">");
    sb_html_esc(b, it->title);
    sbuf_add(b, "</span> <span dir=\"auto\">");
    sb_html_esc(b, price);
    int month = 0, day = 0;
    if (sscanf(it->created_at, "%*4d-%2d-%2d", &month, &day) != 2)
        month = day = 1;
    sbuf_printf(b, "</span> <span dir=\"auto\">Listed on %d/%d</span></div>\n", month, day);
    sbuf_printf(b, "<a aria-label=\"Promote now for ");
    sb_html_esc(b, it->title);
    sbuf_printf(b, "\" href=\"/ad_center/create/boost/?target_id=%lld\">Promote now</a>\n",
                (long long)(it->id + 1000000));
    if (edit_link)
        sbuf_printf(b,
                    "<a aria-label=\"Edit Listing\" href=\"/marketplace/edit/?listing_id=%lld\">"
                    "Edit</a>\n",
                    (long long)it->id);
}

/* One card of "Your listings" with its actions (data-*: sandbox only). */
static void selling_card(sbuf_t *b, const sb_item_t *it, const sb_fb_t *fb)
{
    char price[48];
    sb_price_format(it->price_cents, price, sizeof(price));
    bool sold = strcmp(it->status, SB_SOLD) == 0;
    int64_t wait = sb_item_renew_wait_s(it);
    long long wait_days = wait <= 0 ? wait : (wait + 86399) / 86400;
    sbuf_printf(b,
                "<div role=\"listitem\" data-item-id=\"%lld\" data-status=\"%s\" "
                "data-renew-wait=\"%lld\" data-title=\"",
                (long long)it->id, it->status, wait_days);
    sb_html_esc(b, it->title);
    sbuf_add(b, "\" data-price=\"");
    sb_html_esc(b, price);
    if (fb) {
        sbuf_add(b, "\">");
        selling_card_fb(b, it, price, fb->edit_link);
    } else {
        sbuf_printf(b, "\"><a href=\"/marketplace/item/%lld\" aria-label=\"", (long long)it->id);
        sb_html_esc(b, it->title);
        sbuf_add(b, "\"><span dir=\"auto\" data-field=\"title\">");
        sb_html_esc(b, it->title);
        /* the sandbox's own card: a link wraps the title and the price */
        sbuf_add(b, "</span> <span dir=\"auto\" data-field=\"price\">");
        sb_html_esc(b, price);
        sbuf_add(b, "</span></a>");
    }
    sbuf_printf(b, " <span data-field=\"status\">%s</span>\n", sold ? "Sold" : "Active");
    sbuf_printf(b, "<div role=\"button\" tabindex=\"0\" data-action=\"%s\" aria-label=\"%s ",
                sold ? "mark-available" : "mark-sold", sold ? "Mark as available" : "Mark as sold");
    sb_html_esc(b, it->title);
    sbuf_printf(b, "\"><span>%s</span></div>\n", sold ? "Mark as available" : "Mark as sold");
    if (!sold)
        sbuf_printf(b,
                    "<div role=\"button\" tabindex=\"0\" data-action=\"renew\" "
                    "aria-disabled=\"%s\"><span>Renew listing</span></div>\n",
                    wait == 0 ? "false" : "true");
    sbuf_add(b, "<div role=\"button\" tabindex=\"0\" data-action=\"menu\" aria-haspopup=\"menu\" "
                "aria-expanded=\"false\" aria-label=\"More options for ");
    sb_html_esc(b, it->title);
    sbuf_add(b, "\"><span>&middot;&middot;&middot;</span></div></div>\n");
}

/* Facebook's title_search: a case-insensitive part of the title. */
static bool title_matches(const char *title, const char *search)
{
    if (!search)
        return true;
    size_t n = strlen(search);
    for (const char *p = title; *p; p++)
        if (strncasecmp(p, search, n) == 0)
            return true;
    return n == 0;
}

char *sb_page_selling(sb_item_t *const *items, size_t n, const sb_fb_t *fb,
                      const char *title_search)
{
    sbuf_t b = {0};
    sb_page_head(&b, "Your listings | Marketplace");
    sbuf_add(&b, "<main role=\"main\" aria-label=\"Collection of your marketplace items\">\n"
                 "<h1>Your listings</h1>\n");
    size_t live = 0;
    for (size_t i = 0; i < n; i++)
        live += strcmp(items[i]->status, SB_DELETED) != 0 &&
                title_matches(items[i]->title, title_search);
    if (live == 0 && title_search)
        sbuf_add(&b, "<p>We didn't find anything</p>\n");
    else if (live == 0)
        sbuf_add(&b, "<p>When you start selling, your listings will appear here.</p>\n");
    sbuf_add(&b, "<div role=\"list\" aria-label=\"Your listings\">\n");
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i]->status, SB_DELETED) != 0 &&
            title_matches(items[i]->title, title_search))
            selling_card(&b, items[i], fb);
    sbuf_add(&b, "</div>\n</main>\n<script>\n");
    for (size_t i = 0; SELLING_SCRIPT[i]; i++)
        sbuf_add(&b, SELLING_SCRIPT[i]);
    sbuf_add(&b, "</script>\n");
    return sb_page_end(&b);
}

/* A labelled text input with a value. */
static void text_field(sbuf_t *b, const char *label, const char *name, const char *value,
                       const char *extra)
{
    sbuf_printf(b,
                "<label aria-label=\"%s\"><span>%s</span><input type=\"text\" name=\"%s\" %s "
                "autocomplete=\"off\" value=\"",
                label, label, name, extra);
    sb_html_esc(b, value);
    sbuf_add(b, "\"></label>\n");
}

/* A combobox (the create form's widget) showing its current value. */
static void combo_field(sbuf_t *b, const char *id, const char *label, const char *value)
{
    sbuf_printf(b,
                "<label id=\"%s\" aria-label=\"%s\" role=\"combobox\" tabindex=\"0\" "
                "aria-haspopup=\"listbox\" aria-expanded=\"false\"><span>%s</span>"
                "<span class=\"value\">",
                id, label, label);
    sb_html_esc(b, value);
    sbuf_printf(b, "</span></label>\n<input type=\"hidden\" name=\"%s\" value=\"", id);
    sb_html_esc(b, value);
    sbuf_add(b, "\">\n");
}

static void edit_photos(sbuf_t *b, const sb_item_t *item)
{
    sbuf_add(b, "<div class=\"photos\">\n<div role=\"button\" id=\"add-photos\" "
                "aria-label=\"Add photos\" tabindex=\"0\"><span>Add photos</span></div>\n"
                "<input type=\"file\" name=\"photos\" multiple "
                "accept=\"image/*,image/heif,image/heic\" style=\"display:none\">\n");
    sbuf_printf(b, "<div id=\"photo-count\" aria-live=\"polite\">Photos &middot; %zu / %d</div>\n",
                item->nphotos, SB_MAX_PHOTOS);
    sbuf_add(b, "<ul id=\"kept-photos\" class=\"photo-list\" aria-label=\"Photos\">\n");
    for (size_t i = 0; i < item->nphotos; i++) {
        sbuf_add(b, "<li data-photo=\"");
        sb_html_esc(b, item->photos[i].name);
        sbuf_add(b, "\"><img src=\"/_sandbox/photos/");
        sb_html_esc(b, item->photos[i].name);
        sbuf_printf(b, "\" alt=\"Photo %zu of %zu\" width=\"80\">", i + 1, item->nphotos);
        sbuf_add(b, "<input type=\"hidden\" name=\"keep_photos\" value=\"");
        sb_html_esc(b, item->photos[i].name);
        sbuf_add(b, "\"><div role=\"button\" aria-label=\"Remove photo\" tabindex=\"0\">"
                    "<span>Remove</span></div></li>\n");
    }
    sbuf_add(b, "</ul>\n<ul id=\"photo-list\" class=\"photo-list\"></ul>\n</div>\n");
}

char *sb_page_edit(const sb_item_t *item)
{
    sbuf_t b = {0};
    sb_page_head(&b, "Edit listing | Marketplace");
    sbuf_printf(&b,
                "<main role=\"main\">\n<form id=\"edit-item\" method=\"post\" "
                "action=\"/marketplace/edit/?listing_id=%lld\" enctype=\"multipart/form-data\" "
                "novalidate data-item-id=\"%lld\">\n<h1>Edit listing</h1>\n",
                (long long)item->id, (long long)item->id);
    edit_photos(&b, item);
    char price[32];
    if (item->price_cents % 100 == 0)
        snprintf(price, sizeof(price), "%lld", (long long)(item->price_cents / 100));
    else
        snprintf(price, sizeof(price), "%lld.%02lld", (long long)(item->price_cents / 100),
                 (long long)(item->price_cents % 100));
    text_field(&b, "Title", "title", item->title, "");
    text_field(&b, "Price", "price", price, "inputmode=\"decimal\"");
    combo_field(&b, "category", "Category", item->category);
    combo_field(&b, "condition", "Condition", item->condition);
    sbuf_add(&b, "<label aria-label=\"Description\"><span>Description</span>"
                 "<textarea name=\"description\" rows=\"5\">");
    sb_html_esc(&b, item->description);
    sbuf_add(&b, "</textarea></label>\n");
    text_field(&b, "Location", "location", item->location,
               "role=\"combobox\" aria-autocomplete=\"list\" aria-expanded=\"false\"");
    sbuf_add(&b, "<div role=\"button\" aria-label=\"Update\" aria-disabled=\"false\" "
                 "tabindex=\"0\"><span>Update</span></div>\n</form>\n</main>\n<script>\n");
    sb_form_script(&b);
    sbuf_add(&b, "</script>\n");
    return sb_page_end(&b);
}
