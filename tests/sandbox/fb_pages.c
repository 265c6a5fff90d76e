/* Facebook's create-item page as the public evidence shows it (facebook-markup.md; README
 * "Facebook variants" names the source of each piece), in the variants the evidence
 * disagrees on: the Category picker's three shapes, Description behind "More details",
 * the delivery and offer pages, the "Leave Page" dialog, the monthly limit and a temporary
 * block. The form posts the sandbox's multipart fields, so the server side is shared. */
#include "sandbox.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"
#include "common/xmalloc.h"

/* S3's field snapshot of 2026-09-26: the flat list of the picker. */
const char *const SB_FB_CATEGORIES[] = {"Tools",
                                        "Furniture",
                                        "Household",
                                        "Garden",
                                        "Appliances",
                                        "Video Games",
                                        "Books Movies & Music",
                                        "Bags & Luggage",
                                        "Women's clothing & shoes",
                                        "Men's clothing & shoes",
                                        "Jewelry & Accessories",
                                        "Health & beauty",
                                        "Pet Supplies",
                                        "Baby & kids",
                                        "Toys & Games",
                                        "Electronics & computers",
                                        "Mobile phones",
                                        "Bicycles",
                                        "Arts & Crafts",
                                        "Sports & Outdoors",
                                        "Auto parts",
                                        "Musical Instruments",
                                        "Antiques & Collectibles",
                                        "Garage Sale",
                                        "Miscellaneous",
                                        "Vehicles",
                                        NULL};

static const char *const FB_CONDITIONS[] = {"New", "Used - Like New", "Used - Good", "Used - Fair",
                                            NULL};

static void js_string(sbuf_t *b, const char *s)
{
    sbuf_add(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sbuf_printf(b, "\\%c", c);
        else if (c == '<' || c == '>' || c == '&' || c == '\'' || c < 0x20)
            sbuf_printf(b, "\\u%04x", c);
        else
            sbuf_addn(b, s, 1);
    }
    sbuf_add(b, "\"");
}

static void js_list(sbuf_t *b, const char *name, const char *const *list)
{
    sbuf_printf(b, "var %s=[", name);
    for (size_t i = 0; list[i]; i++) {
        if (i)
            sbuf_add(b, ",");
        js_string(b, list[i]);
    }
    sbuf_add(b, "];\n");
}

/* The page's behaviour; VARIANT holds the switches. */
static const char *const FB_SCRIPT[] = {
    "(function(){\n'use strict';\n", "var form=document.getElementById('create-item');\n",
    "var title=form.elements.title, price=form.elements.price, photos=form.elements.photos;\n",
    "var cat=form.elements.category, cond=form.elements.condition, loc=form.elements.location;\n",
    "var PRICE=/^\\s*\\$?\\s*\\d[\\d,]*(\\.\\d{1,2})?\\s*$/;\n",
    "function ready(){ if(VARIANT.monthly_limit) return false;\n",
    "  return title.value.trim()!=='' && PRICE.test(price.value) && cat.value!=='' &&\n",
    "    (cond.value!=='' || cat.value==='Garage Sale') && photos.files.length>0 &&\n",
    "    photos.files.length<=10; }\n",
    "var next=document.querySelector('#step-details [data-form-next]');\n",
    "function update(){ var ok=ready(); next.setAttribute('aria-disabled', ok?'false':'true');\n",
    "  next.setAttribute('tabindex', ok?'0':'-1');\n",
    "  var d=document.querySelector('[aria-label=\"Save draft\"]');\n",
    "  d.setAttribute('aria-disabled', photos.files.length>0?'false':'true'); }\n",
    "function act(el, fn){ el.addEventListener('click', function(ev){ ev.stopPropagation();\n",
    "    ev.preventDefault(); if(el.getAttribute('aria-disabled')==='true') return; fn(ev); });\n",
    "  el.addEventListener('keydown', function(ev){ if(ev.key==='Enter'||ev.key===' '){\n",
    "    ev.preventDefault(); if(el.getAttribute('aria-disabled')!=='true') fn(ev); } }); }\n",
    "function button(text){ var b=document.createElement('div'); "
    "b.setAttribute('role','button');\n",
    "  b.tabIndex=0; var s=document.createElement('span'); s.setAttribute('dir','auto');\n",
    "  s.textContent=text; b.appendChild(s); return b; }\n",
    "function closePopups(){ document.querySelectorAll('[data-popup]').forEach(function(p){\n",
    "  p.remove(); }); document.querySelectorAll('label[role=combobox]').forEach(function(l){\n",
    "  l.setAttribute('aria-expanded','false'); }); }\n",
    "function setValue(label, hidden, text){ hidden.value=text;\n",
    "  label.querySelector('.value').textContent=text; closePopups(); update(); }\n",
    /* Category: three shapes [S3 dialog, S4 chips, S8/S5 drill-down] */
    "var catLabel=document.getElementById('category');\n",
    "function dialog(){ var d=document.createElement('div'); d.setAttribute('role','dialog');\n",
    "  d.setAttribute('aria-label','Dropdown menu'); d.setAttribute('data-popup','1');\n",
    "  d.addEventListener('click', function(ev){ ev.stopPropagation(); });\n",
    "  document.body.appendChild(d); return d; }\n",
    "function fill(d, names, pick){ d.textContent='';\n",
    "  names.forEach(function(n){ var b=button(n); act(b, function(){ pick(n); });\n",
    "    d.appendChild(b); }); }\n",
    "var HINTS={desk:'Furniture',table:'Furniture',chair:'Furniture',bench:'Furniture',\n",
    "  stool:'Furniture',sofa:'Furniture',phone:'Mobile phones',laptop:'Electronics & "
    "computers',\n",
    "  bike:'Bicycles',guitar:'Musical Instruments',lamp:'Household',drill:'Tools'};\n",
    "function suggestions(){ var out=[];\n",
    "  title.value.toLowerCase().split(/[^a-z]+/).forEach(function(w){\n",
    "    if(HINTS[w]&&out.indexOf(HINTS[w])<0) out.push(HINTS[w]); });\n",
    "  ['Household','Tools','Garden','Appliances'].forEach(function(c){\n",
    "    if(out.length<4&&out.indexOf(c)<0) out.push(c); });\n", "  return out; }\n",
    "function openCategory(){\n",
    "  closePopups(); catLabel.setAttribute('aria-expanded','true');\n",
    "  var pick=function(n){ setValue(catLabel, cat, n); };\n",
    "  if(VARIANT.category==='chips'){\n",
    "    var c=document.createElement('div'); c.setAttribute('data-popup','1');\n",
    "    c.addEventListener('click', function(ev){ ev.stopPropagation(); });\n",
    "    fill(c, suggestions(), pick); catLabel.insertAdjacentElement('afterend', c); return; }\n",
    "  var d=dialog();\n", "  if(VARIANT.category==='drilldown'){\n",
    "    fill(d, CATEGORIES, function(top){\n",
    "      fill(d, [top+' (all)', 'Other '+top.toLowerCase()], function(){ pick(top); }); });\n",
    "    return; }\n", "  fill(d, CATEGORIES, pick); }\n",
    "act(catLabel, function(){ if(catLabel.getAttribute('aria-expanded')==='true') "
    "closePopups();\n",
    "  else openCategory(); });\n",
    /* Condition: a listbox of role=option [S3, S4, S7] */
    "var condLabel=document.getElementById('condition');\n",
    "act(condLabel, function(){ var open=condLabel.getAttribute('aria-expanded')==='true';\n",
    "  closePopups(); if(open) return;\n",
    "  var lb=document.createElement('div'); lb.setAttribute('role','listbox');\n",
    "  lb.setAttribute('data-popup','1');\n",
    "  CONDITIONS.forEach(function(t){ var o=document.createElement('div');\n",
    "    o.setAttribute('role','option'); o.setAttribute('aria-selected','false'); "
    "o.tabIndex=-1;\n",
    "    var s=document.createElement('span'); s.setAttribute('dir','auto'); s.textContent=t;\n",
    "    o.appendChild(s); act(o, function(){ setValue(condLabel, cond, t); }); lb.appendChild(o); "
    "});\n",
    "  condLabel.setAttribute('aria-expanded','true'); document.body.appendChild(lb); });\n",
    /* More details: a toggle [S3, S7] */
    "var more=document.getElementById('more-details');\n",
    "if(more) act(more, function(){ var x=more.getAttribute('aria-expanded')==='true';\n",
    "  more.setAttribute('aria-expanded', x?'false':'true');\n",
    "  document.getElementById('more-body').hidden=x; });\n",
    /* Location: suggestions outside the accessibility tree; ArrowDown + Enter [S5] */
    "var sugg=null, hi=-1;\n",
    "function suggest(){ if(sugg) sugg.remove(); hi=-1; var q=loc.value.trim().toLowerCase();\n",
    "  var hits=PLACES.filter(function(p){ return q && p.toLowerCase().indexOf(q)>=0; "
    "}).slice(0,5);\n",
    "  if(!hits.length){ sugg=null; return; }\n",
    "  sugg=document.createElement('ul'); sugg.className='suggestions';\n",
    "  hits.forEach(function(p){ var li=document.createElement('li'); li.textContent=p;\n",
    "    sugg.appendChild(li); });\n",
    "  loc.closest('label').insertAdjacentElement('afterend', sugg); }\n", "var locTimer=null;\n",
    "loc.addEventListener('input', function(){ clearTimeout(locTimer); "
    "locTimer=setTimeout(suggest,150); });\n",
    "loc.addEventListener('keydown', function(ev){\n",
    "  if(ev.key==='ArrowDown'){ ev.preventDefault(); if(!sugg) suggest(); if(!sugg) return;\n",
    "    hi=Math.min(hi+1, sugg.children.length-1);\n",
    "    Array.prototype.forEach.call(sugg.children, function(li,i){\n",
    "      li.style.background=i===hi?'#e7f3ff':''; }); }\n",
    "  else if(ev.key==='Enter'){ ev.preventDefault(); if(sugg&&hi>=0){\n",
    "    loc.value=sugg.children[hi].textContent; sugg.remove(); sugg=null; "
    "loc.setAttribute('data-picked','1'); } } });\n",
    /* Photos [S3: status text, Save draft] */
    "document.getElementById('add-photos').addEventListener('click', function(){ photos.click(); "
    "});\n",
    "photos.addEventListener('change', function(){ var n=photos.files.length;\n",
    "  document.getElementById('photo-status').textContent=n+(n===1?' photo':' photos')+' "
    "attached';\n",
    "  update(); });\n",
    "[title, price].forEach(function(el){ el.addEventListener('input', update); });\n",
    /* The steps: ?step= in the URL [S3, S4] */
    "var "
    "steps=['details'].concat(VARIANT.extra_steps?['delivery','offer']:[]).concat(['audience']);\n",
    "var at=0;\n", "function show(i){ at=i; steps.forEach(function(s,j){\n",
    "  document.getElementById('step-'+s).hidden=j!==i; });\n",
    "  history.pushState(null,'', i===0?location.pathname:location.pathname+'?step='+steps[i]); "
    "}\n",
    "document.querySelectorAll('[data-form-next]').forEach(function(b){\n",
    "  act(b, function(){ if(at===0&&!ready()) return; show(at+1); }); });\n",
    "var publish=document.querySelector('[aria-label=\"Publish\"][role=button]');\n",
    "function submit(){ publish.setAttribute('aria-disabled','true'); form.submit(); }\n",
    "act(publish, function(){\n", "  if(!VARIANT.leave_page){ submit(); return; }\n",
    /* [S1, S17] a "Leave Page" dialog that must be answered */
    "  var d=document.createElement('div'); d.setAttribute('role','dialog');\n",
    "  d.setAttribute('aria-label','Leave page?'); d.setAttribute('data-popup','1');\n",
    "  var p=document.createElement('p'); p.textContent='Changes you made may not be saved.';\n",
    "  d.appendChild(p); var stay=button('Stay on Page'), leave=button('Leave Page');\n",
    "  stay.setAttribute('aria-label','Stay on Page'); leave.setAttribute('aria-label','Leave "
    "Page');\n",
    "  d.appendChild(stay); d.appendChild(leave); act(stay, closePopups); act(leave, submit);\n",
    "  d.addEventListener('click', function(ev){ ev.stopPropagation(); });\n",
    "  setTimeout(function(){ document.body.appendChild(d); }, 300); });\n",
    "document.addEventListener('click', closePopups);\n", "update();\n", "})();\n", NULL};

static void fb_label(sbuf_t *b, const char *id, const char *text, const char *control)
{
    sbuf_printf(b, "<label><span dir=\"auto\" id=\"%s\">%s</span>%s</label>\n", id, text, control);
}

static void fb_form_fields(sbuf_t *b, const sb_fb_t *fb)
{
    sbuf_add(
        b, "<div role=\"button\" id=\"add-photos\" aria-label=\"Add photos\" tabindex=\"0\">"
           "<span>Add photos</span></div>\n"
           "<input type=\"file\" name=\"photos\" multiple accept=\"image/*,image/heif,image/heic\" "
           "style=\"display:none\">\n"
           /* a second image input [S3, S7]: the recipe must take the one with multiple */
           "<input type=\"file\" accept=\"image/*,image/heif,image/heic\" style=\"display:none\">\n"
           "<div role=\"status\" id=\"photo-status\"></div>\n"
           "<div role=\"button\" aria-label=\"Save draft\" aria-disabled=\"true\" tabindex=\"0\">"
           "<span>Save draft</span></div>\n");
    fb_label(
        b, "fl-title", "Title",
        "<input type=\"text\" name=\"title\" aria-labelledby=\"fl-title\" autocomplete=\"off\">");
    fb_label(
        b, "fl-price", "Price",
        "<input type=\"text\" name=\"price\" aria-labelledby=\"fl-price\" inputmode=\"numeric\">");
    sbuf_add(b,
             "<label id=\"category\" role=\"combobox\" tabindex=\"0\" aria-expanded=\"false\" "
             "aria-haspopup=\"dialog\" aria-labelledby=\"fl-cat\"><span dir=\"auto\" id=\"fl-cat\">"
             "Category</span><span class=\"value\"></span></label>\n"
             "<label id=\"condition\" role=\"combobox\" tabindex=\"0\" aria-expanded=\"false\" "
             "aria-haspopup=\"listbox\" aria-labelledby=\"fl-cond\"><span dir=\"auto\" "
             "id=\"fl-cond\">Condition</span><span class=\"value\"></span></label>\n");
    if (fb->more_details)
        sbuf_add(b,
                 "<div role=\"button\" id=\"more-details\" aria-expanded=\"false\" tabindex=\"0\">"
                 "<span>More details</span> <span>Attract more interest by including more "
                 "details.</span></div>\n<div id=\"more-body\" hidden>\n");
    fb_label(b, "fl-desc", "Description",
             "<textarea name=\"description\" aria-labelledby=\"fl-desc\" rows=\"5\"></textarea>");
    fb_label(b, "fl-tags", "Product tags",
             "<input type=\"text\" aria-labelledby=\"fl-tags\" autocomplete=\"off\">");
    if (fb->more_details)
        sbuf_add(b, "</div>\n");
    fb_label(b, "fl-loc", "Location",
             "<input type=\"text\" name=\"location\" role=\"combobox\" aria-labelledby=\"fl-loc\" "
             "aria-autocomplete=\"list\" value=\"Austin, Texas\" autocomplete=\"off\">");
    sbuf_add(b, "<input type=\"hidden\" name=\"category\" value=\"\">\n"
                "<input type=\"hidden\" name=\"condition\" value=\"\">\n");
}

static void next_button(sbuf_t *b)
{
    sbuf_add(b, "<div role=\"button\" aria-label=\"Next\" data-form-next=\"1\" tabindex=\"0\">"
                "<span>Next</span></div>\n");
}

char *sb_page_fb_create(const sb_fb_t *fb)
{
    sbuf_t b = {0};
    sb_page_head(&b, "Marketplace | Facebook");
    sbuf_add(&b, "<main role=\"main\" aria-label=\"Marketplace\">\n"
                 "<form id=\"create-item\" method=\"post\" action=\"/marketplace/create/item\" "
                 "enctype=\"multipart/form-data\" novalidate>\n<h1>Item for sale</h1>\n");
    if (fb->monthly_limit) /* [S3, 2026-09-26] */
        sbuf_add(&b,
                 "<div role=\"alert\" id=\"limit\"><h2 dir=\"auto\">You've reached your monthly "
                 "limit</h2><span>You can create more listings next month.</span></div>\n");
    sbuf_add(&b, "<section id=\"step-details\">\n");
    fb_form_fields(&b, fb);
    sbuf_add(&b,
             "<div role=\"button\" aria-label=\"Next\" data-form-next=\"1\" aria-disabled=\"true\" "
             "tabindex=\"-1\"><span>Next</span></div>\n"
             /* the preview carousel's arrow, a second "Next" [S3] */
             "<div class=\"preview\"><div role=\"button\" aria-label=\"Next\" tabindex=\"0\">"
             "<span>&rsaquo;</span></div></div>\n</section>\n");
    if (fb->extra_steps) { /* [S4, US account with shipping, 2026-07] */
        sbuf_add(&b,
                 "<section id=\"step-delivery\" hidden>\n<h2>Delivery method</h2>\n"
                 "<div role=\"radiogroup\" aria-label=\"Delivery method\">"
                 "<div role=\"radio\" aria-checked=\"true\" tabindex=\"0\">Local pickup only</div>"
                 "<div role=\"radio\" aria-checked=\"false\" tabindex=\"0\">Shipping and local "
                 "pickup</div></div>\n");
        next_button(&b);
        sbuf_add(&b, "</section>\n<section id=\"step-offer\" hidden>\n<h2>Offers</h2>\n"
                     "<div role=\"switch\" aria-checked=\"false\" aria-label=\"Accept offers\" "
                     "tabindex=\"0\">Accept offers</div>\n");
        next_button(&b);
        sbuf_add(&b, "</section>\n");
    }
    sbuf_add(&b,
             "<section id=\"step-audience\" hidden>\n<h2>Where to list</h2>\n"
             "<div role=\"checkbox\" aria-checked=\"false\" tabindex=\"0\">Austin Buy &amp; Sell"
             "</div>\n<div role=\"button\" aria-label=\"Publish\" tabindex=\"0\">"
             "<span>Publish</span></div>\n</section>\n</form>\n</main>\n<script>\n");
    cJSON *v = sb_fb_json(fb);
    char *vj = cJSON_PrintUnformatted(v);
    cJSON_Delete(v);
    sbuf_printf(&b, "var VARIANT=%s;\n", vj);
    free(vj);
    js_list(&b, "CATEGORIES", SB_FB_CATEGORIES);
    js_list(&b, "CONDITIONS", FB_CONDITIONS);
    static const char *const places[] = {"Austin, Texas",       "Boston, Massachusetts",
                                         "Chicago, Illinois",   "Denver, Colorado",
                                         "Seattle, Washington", NULL};
    js_list(&b, "PLACES", places);
    for (size_t i = 0; FB_SCRIPT[i]; i++)
        sbuf_add(&b, FB_SCRIPT[i]);
    sbuf_add(&b, "</script>\n");
    return sb_page_end(&b);
}

/* [S5: "You're temporarily blocked from listing", "posting too fast"; wording unverified] */
char *sb_page_fb_blocked(void)
{
    sbuf_t b = {0};
    sb_page_head(&b, "Marketplace | Facebook");
    sbuf_add(&b, "<main role=\"main\" aria-label=\"Marketplace\">\n"
                 "<div role=\"dialog\" aria-label=\"You're Temporarily Blocked\">\n"
                 "<h2 dir=\"auto\">You're temporarily blocked from listing</h2>\n"
                 "<span dir=\"auto\">It looks like you were posting too fast. You've been "
                 "temporarily blocked from using this feature.</span>\n"
                 "<div role=\"button\" aria-label=\"OK\" tabindex=\"0\"><span>OK</span></div>\n"
                 "</div>\n</main>\n");
    return sb_page_end(&b);
}

cJSON *sb_fb_json(const sb_fb_t *fb)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "on", fb->on);
    cJSON_AddStringToObject(o, "category", fb->category[0] ? fb->category : "dialog");
    cJSON_AddBoolToObject(o, "more_details", fb->more_details);
    cJSON_AddBoolToObject(o, "extra_steps", fb->extra_steps);
    cJSON_AddBoolToObject(o, "leave_page", fb->leave_page);
    cJSON_AddBoolToObject(o, "land_on_item", fb->land_on_item);
    cJSON_AddBoolToObject(o, "monthly_limit", fb->monthly_limit);
    cJSON_AddBoolToObject(o, "blocked", fb->blocked);
    cJSON_AddBoolToObject(o, "edit_link", fb->edit_link);
    return o;
}

int sb_fb_parse(const char *body, size_t len, sb_fb_t *fb, char *error, size_t error_size)
{
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        snprintf(error, error_size, "the body must be a JSON object");
        return -1;
    }
    static const struct {
        const char *name;
        size_t off;
    } flags[] = {
        {"on", offsetof(sb_fb_t, on)},
        {"more_details", offsetof(sb_fb_t, more_details)},
        {"extra_steps", offsetof(sb_fb_t, extra_steps)},
        {"leave_page", offsetof(sb_fb_t, leave_page)},
        {"land_on_item", offsetof(sb_fb_t, land_on_item)},
        {"monthly_limit", offsetof(sb_fb_t, monthly_limit)},
        {"blocked", offsetof(sb_fb_t, blocked)},
        {"edit_link", offsetof(sb_fb_t, edit_link)},
    };
    sb_fb_t out = *fb;
    for (const cJSON *it = root->child; it; it = it->next) {
        bool known = false;
        for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
            if (strcmp(it->string, flags[i].name) != 0)
                continue;
            known = true;
            if (!cJSON_IsBool(it)) {
                snprintf(error, error_size, "%s: must be true or false", it->string);
                cJSON_Delete(root);
                return -1;
            }
            *(bool *)((char *)&out + flags[i].off) = cJSON_IsTrue(it);
        }
        if (strcmp(it->string, "category") == 0) {
            known = true;
            if (!cJSON_IsString(it) ||
                (strcmp(it->valuestring, "dialog") != 0 && strcmp(it->valuestring, "chips") != 0 &&
                 strcmp(it->valuestring, "drilldown") != 0)) {
                snprintf(error, error_size,
                         "category: must be \"dialog\", \"chips\" or "
                         "\"drilldown\"");
                cJSON_Delete(root);
                return -1;
            }
            snprintf(out.category, sizeof(out.category), "%s", it->valuestring);
        }
        if (!known) {
            snprintf(error, error_size,
                     "unknown field \"%.40s\" (on, category, more_details, extra_steps, "
                     "leave_page, land_on_item, monthly_limit, blocked, edit_link)",
                     it->string);
            cJSON_Delete(root);
            return -1;
        }
    }
    cJSON_Delete(root);
    *fb = out;
    return 0;
}
