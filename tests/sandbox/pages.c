/* The sandbox's HTML pages. The create-item form copies the semantics Facebook Marketplace's
 * form is known by (aria-labels, role=combobox/listbox/option rendered by script, div buttons
 * with aria-disabled, a hidden multiple photo input); markup is deterministic. */
#include "sandbox.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/money.h"
#include "common/sbuf.h"
#include "common/xmalloc.h"

const sb_category_group_t SB_CATEGORIES[] = {
    {"Home & garden", {"Tools", "Furniture", "Household", "Garden", "Appliances", NULL}},
    {"Entertainment", {"Video games", "Books, movies & music", NULL}},
    {"Clothing & accessories",
     {"Bags & luggage", "Women's clothing & shoes", "Men's clothing & shoes",
      "Jewelry & accessories", NULL}},
    {"Family", {"Health & beauty", "Pet supplies", "Baby & kids", "Toys & games", NULL}},
    {"Electronics", {"Electronics & computers", "Mobile phones", NULL}},
    {"Hobbies",
     {"Bicycles", "Arts & crafts", "Sports & outdoors", "Auto parts", "Musical instruments",
      "Antiques & collectibles", NULL}},
    {"Classifieds", {"Garage sale", "Miscellaneous", NULL}},
};
const size_t SB_NCATEGORY_GROUPS = sizeof(SB_CATEGORIES) / sizeof(SB_CATEGORIES[0]);

const char *const SB_CONDITIONS[] = {"New", "Used - like new", "Used - good", "Used - fair"};
const size_t SB_NCONDITIONS = sizeof(SB_CONDITIONS) / sizeof(SB_CONDITIONS[0]);

/* Places offered by the Location field's suggestion list. */
static const char *const LOCATIONS[] = {
    "Austin, Texas",          "Berlin, Germany",
    "Boston, Massachusetts",  "Chicago, Illinois",
    "Denver, Colorado",       "Houston, Texas",
    "London, United Kingdom", "Los Angeles, California",
    "Miami, Florida",         "New York, New York",
    "Paris, France",          "Portland, Oregon",
    "San Diego, California",  "San Francisco, California",
    "Seattle, Washington",    "Toronto, Ontario",
    "Vienna, Austria",        "Zurich, Switzerland",
};

/* HTML-escapes text (element content and double-quoted attribute values). */
void sb_html_esc(sbuf_t *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            sbuf_add(b, "&amp;");
            break;
        case '<':
            sbuf_add(b, "&lt;");
            break;
        case '>':
            sbuf_add(b, "&gt;");
            break;
        case '"':
            sbuf_add(b, "&quot;");
            break;
        case '\'':
            sbuf_add(b, "&#39;");
            break;
        default:
            sbuf_addn(b, s, 1);
        }
    }
}

/* JSON-escapes text into a double-quoted JS string literal; "</" is broken up so that the
 * literal cannot close the surrounding <script>. */
static void buf_js_string(sbuf_t *b, const char *s)
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

static const char *const STYLE =
    "<style>\n"
    "body{font-family:Helvetica,Arial,sans-serif;margin:0;background:#f0f2f5;color:#050505}\n"
    "header{background:#fff;padding:8px 16px;border-bottom:1px solid #ddd}\n"
    "header a{margin-right:16px;color:#1877f2;text-decoration:none}\n"
    "main{max-width:640px;margin:16px auto;background:#fff;padding:16px;border-radius:8px}\n"
    "label{display:block;border:1px solid #ccd0d5;border-radius:6px;padding:6px 10px;"
    "margin:10px 0;cursor:text}\n"
    "label>span:first-child{display:block;font-size:12px;color:#65676b}\n"
    "label input,label textarea{border:0;outline:0;width:100%;font-size:16px}\n"
    "label[role=combobox]{cursor:pointer}\n"
    "[role=listbox]{border:1px solid #ccd0d5;border-radius:6px;background:#fff;"
    "max-height:320px;overflow:auto;margin:0;padding:4px 0;list-style:none}\n"
    "[role=option]{padding:6px 12px;cursor:pointer}\n"
    "[role=option]:hover,[role=option][aria-selected=true]{background:#e7f3ff}\n"
    "[role=group]>strong{display:block;padding:6px 12px;font-size:12px;color:#65676b}\n"
    "[role=button]{display:inline-block;padding:8px 16px;border-radius:6px;background:#1877f2;"
    "color:#fff;cursor:pointer;margin:8px 8px 0 0;user-select:none}\n"
    "[role=button][aria-disabled=true]{background:#e4e6eb;color:#bcc0c4;cursor:not-allowed}\n"
    "[role=alert]{background:#ffebe9;border:1px solid #f02849;padding:8px;border-radius:6px}\n"
    ".photo-list{list-style:none;padding:0}\n"
    ".inbox{display:flex;max-width:1100px;margin:16px auto;gap:12px}\n"
    ".inbox [aria-label='Thread list']{width:340px;background:#fff;border-radius:8px;padding:8px}\n"
    ".inbox [role=main]{flex:1;margin:0;max-width:none;display:flex;flex-direction:column}\n"
    "[aria-label=Chats] [role=row]{display:flex;align-items:center;border-radius:8px}\n"
    "[aria-label=Chats] [role=row] a{flex:1;display:block;padding:8px;color:inherit;"
    "text-decoration:none;position:relative}\n"
    "[aria-label=Chats] a[aria-current=page]{background:#e7f3ff}\n"
    "[aria-label=Chats] [data-field]{display:block;overflow:hidden;text-overflow:ellipsis;"
    "white-space:nowrap;max-width:260px}\n"
    "[data-field=preview]{color:#65676b;font-size:13px}\n"
    "[data-unread=true] [data-field=title],[data-unread=true] [data-field=preview]"
    "{font-weight:700;color:#050505}\n"
    "[aria-label=Chats] abbr{font-size:12px;color:#65676b;text-decoration:none}\n"
    "[aria-label=Chats] [aria-hidden=true][role=button]{position:absolute;right:8px;top:40%;"
    "padding:0;margin:0;background:none}\n"
    "[data-visualcompletion=ignore]{display:inline-block;width:12px;height:12px;"
    "border-radius:50%;background:rgb(0,132,255)}\n"
    "[aria-haspopup=menu]{background:#e4e6eb;color:#050505;padding:4px 8px}\n"
    "[data-scope=messages_table]{display:flex;flex-direction:column;gap:4px;margin:12px 0;"
    "min-height:200px}\n"
    "[data-scope=messages_table]>[role=row]{display:flex;flex-direction:column;"
    "align-items:flex-start}\n"
    "[data-scope=messages_table]>[data-from=seller]{align-items:flex-end}\n"
    "[data-system=true]{align-items:center!important;color:#65676b;font-size:12px}\n"
    ".bubble{max-width:70%;padding:8px 12px;border-radius:18px;background:#e4e6eb;"
    "white-space:pre-wrap;overflow-wrap:anywhere}\n"
    "[data-from=seller] .bubble{background:#0084ff;color:#fff}\n"
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}\n"
    "[contenteditable]{border:1px solid #ccd0d5;border-radius:18px;padding:8px 12px;"
    "min-height:20px;white-space:pre-wrap;background:#f0f2f5}\n"
    "[contenteditable]:empty::before{content:'Aa';color:#65676b}\n"
    "[role=status]{background:#e7f3ff;border:1px solid #1877f2;padding:8px;border-radius:6px}\n"
    "</style>\n";

void sb_page_head(sbuf_t *b, const char *title)
{
    sbuf_add(b,
             "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    sb_html_esc(b, title);
    sbuf_add(b, "</title>\n");
    sbuf_add(b, STYLE);
    sbuf_add(b, "</head>\n<body>\n<header role=\"banner\"><a href=\"/marketplace/\">Marketplace</a>"
                "<a href=\"/marketplace/create/item\">Create new listing</a>"
                "<a href=\"/marketplace/you/selling\">Your listings</a>"
                "<a href=\"/marketplace/inbox\">Inbox</a></header>\n");
}

char *sb_page_end(sbuf_t *b)
{
    sbuf_add(b, "</body>\n</html>\n");
    return sbuf_take(b);
}

void sb_price_format(int64_t cents, char *out, size_t size)
{
    /* as Facebook's cards show it: "Free", "$80", "$1,200", "$80.50" */
    if (cents <= 0)
        snprintf(out, size, "Free");
    else
        money_display(cents, "USD", MONEY_TO_BUYER, out, size);
}

int sb_price_parse(const char *text, int64_t *cents)
{
    if (text == NULL)
        return -1;
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '$')
        p++;
    while (isspace((unsigned char)*p))
        p++;
    int64_t whole = 0;
    int ndigits = 0;
    for (; isdigit((unsigned char)*p) || (*p == ',' && ndigits > 0); p++) {
        if (*p == ',')
            continue;
        whole = whole * 10 + (*p - '0');
        if (++ndigits > 12)
            return -1;
    }
    if (ndigits == 0)
        return -1;
    int64_t frac = 0;
    if (*p == '.') {
        p++;
        int nf = 0;
        for (; isdigit((unsigned char)*p); p++, nf++) {
            if (nf >= 2)
                return -1; /* no fractions of a cent */
            frac = frac * 10 + (*p - '0');
        }
        if (nf == 1)
            frac *= 10;
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p != '\0')
        return -1;
    int64_t v = whole * 100 + frac;
    if (v > SB_MAX_PRICE_CENTS)
        return -1;
    *cents = v;
    return 0;
}

bool sb_category_valid(const char *category)
{
    if (category == NULL)
        return false;
    for (size_t i = 0; SB_FB_CATEGORIES[i]; i++)
        if (strcmp(SB_FB_CATEGORIES[i], category) == 0)
            return true;
    for (size_t g = 0; g < SB_NCATEGORY_GROUPS; g++)
        for (size_t i = 0; SB_CATEGORIES[g].options[i]; i++)
            if (strcmp(SB_CATEGORIES[g].options[i], category) == 0)
                return true;
    return false;
}

bool sb_condition_valid(const char *condition)
{
    for (size_t i = 0; condition && i < SB_NCONDITIONS; i++)
        if (strcmp(SB_CONDITIONS[i], condition) == 0)
            return true;
    /* Facebook's own spelling [S3 field snapshot] */
    static const char *const fb[] = {"Used - Like New", "Used - Good", "Used - Fair"};
    for (size_t i = 0; condition && i < sizeof(fb) / sizeof(fb[0]); i++)
        if (strcmp(fb[i], condition) == 0)
            return true;
    return false;
}

char *sb_page_index(void)
{
    sbuf_t b = {0};
    sb_page_head(&b, "Marketplace");
    sbuf_add(&b, "<main role=\"main\">\n<h1>Marketplace</h1>\n<ul>\n"
                 "<li><a href=\"/marketplace/create/item\">Create new listing</a></li>\n"
                 "<li><a href=\"/marketplace/you/selling\">Your listings</a></li>\n"
                 "</ul>\n</main>\n");
    return sb_page_end(&b);
}

/* The create form's behaviour. Category/Condition: clicking the combobox label renders a
 * listbox of options next to it (removed on close), choosing one fills a hidden input.
 * Location: typing shows a suggestion listbox after a short delay, like a place search.
 * Next is enabled (aria-disabled="false") once title, price, category, condition and at
 * least one photo are set; Publish submits the form (multipart) and the server redirects to
 * the new item. */
static const char *const CREATE_SCRIPT[] = {
    "(function(){\n",
    "'use strict';\n",
    "var form=document.getElementById('create-item')||document.getElementById('edit-item');\n",
    "var title=form.elements.title, price=form.elements.price, photos=form.elements.photos;\n",
    "var next=document.querySelector('[role=button][aria-label=\"Next\"]');\n",
    "var publish=document.querySelector('[role=button][aria-label=\"Publish\"]');\n",
    "var back=document.querySelector('[role=button][aria-label=\"Back\"]');\n",
    "var save=document.querySelector('[role=button][aria-label=\"Update\"]');\n",
    "var go=next||save;\n",
    "function nphotos(){\n",
    "  return photos.files.length+form.querySelectorAll('input[name=keep_photos]').length;\n",
    "}\n",
    "var PRICE=/^\\s*\\$?\\s*\\d[\\d,]*(\\.\\d{1,2})?\\s*$/;\n",
    "function ready(){\n",
    "  return title.value.trim()!=='' && PRICE.test(price.value) &&\n",
    "    form.elements.category.value!=='' && form.elements.condition.value!=='' &&\n",
    "    nphotos()>0 && nphotos()<=MAX_PHOTOS;\n",
    "}\n",
    "function update(){\n",
    "  var ok=ready();\n",
    "  go.setAttribute('aria-disabled', ok?'false':'true');\n",
    "  go.setAttribute('tabindex', ok?'0':'-1');\n",
    "}\n",
    "function closeListboxes(except){\n",
    "  document.querySelectorAll('[data-listbox-for]').forEach(function(lb){\n",
    "    if(lb===except) return;\n",
    "    var owner=document.getElementById(lb.getAttribute('data-listbox-for'));\n",
    "    if(owner) owner.setAttribute('aria-expanded','false');\n",
    "    lb.remove();\n",
    "  });\n",
    "}\n",
    "function option(text, selected){\n",
    "  var o=document.createElement('div');\n",
    "  o.setAttribute('role','option');\n",
    "  o.setAttribute('aria-selected', selected?'true':'false');\n",
    "  o.setAttribute('tabindex','-1');\n",
    "  var s=document.createElement('span'); s.setAttribute('dir','auto'); s.textContent=text;\n",
    "  o.appendChild(s);\n",
    "  return o;\n",
    "}\n",
    "function setupCombobox(label, hidden, groups){\n",
    "  function choose(text){\n",
    "    hidden.value=text;\n",
    "    label.querySelector('.value').textContent=text;\n",
    "    closeListboxes(null); update(); label.focus();\n",
    "  }\n",
    "  function open(){\n",
    "    closeListboxes(null);\n",
    "    var lb=document.createElement('div');\n",
    "    lb.setAttribute('role','listbox');\n",
    "    lb.id=label.id+'-listbox';\n",
    "    lb.setAttribute('aria-label', label.getAttribute('aria-label'));\n",
    "    lb.setAttribute('data-listbox-for', label.id);\n",
    "    groups.forEach(function(g){\n",
    "      var parent=lb;\n",
    "      if(g.group){\n",
    "        parent=document.createElement('div'); parent.setAttribute('role','group');\n",
    "        parent.setAttribute('aria-label', g.group);\n",
    "        var h=document.createElement('strong'); h.textContent=g.group; "
    "parent.appendChild(h);\n",
    "        lb.appendChild(parent);\n",
    "      }\n",
    "      g.options.forEach(function(t){\n",
    "        var o=option(t, hidden.value===t);\n",
    "        o.addEventListener('click', function(ev){ ev.stopPropagation(); choose(t); });\n",
    "        parent.appendChild(o);\n",
    "      });\n",
    "    });\n",
    "    label.setAttribute('aria-expanded','true');\n",
    "    label.setAttribute('aria-controls', lb.id);\n",
    "    label.insertAdjacentElement('afterend', lb);\n",
    "  }\n",
    "  label.addEventListener('click', function(ev){\n",
    "    ev.preventDefault(); ev.stopPropagation();\n",
    "    if(label.getAttribute('aria-expanded')==='true') closeListboxes(null); else open();\n",
    "  });\n",
    "  label.addEventListener('keydown', function(ev){\n",
    "    if(ev.key==='Enter'||ev.key===' '||ev.key==='ArrowDown'){ ev.preventDefault(); open(); "
    "}\n",
    "    else if(ev.key==='Escape'){ closeListboxes(null); }\n",
    "  });\n",
    "}\n",
    "setupCombobox(document.getElementById('category'), form.elements.category, CATEGORIES);\n",
    "setupCombobox(document.getElementById('condition'), form.elements.condition,\n",
    "  [{group:null, options:CONDITIONS}]);\n",
    NULL};

/* The script's middle part: the Location suggestions and the photo list. */
static const char *const FORM_SCRIPT_FIELDS[] = {
    "var loc=form.elements.location, locTimer=null;\n",
    "function suggest(){\n",
    "  var q=loc.value.trim().toLowerCase();\n",
    "  var old=document.getElementById('location-listbox'); if(old) old.remove();\n",
    "  loc.setAttribute('aria-expanded','false');\n",
    "  if(q==='') return;\n",
    "  var hits=LOCATIONS.filter(function(p){ return p.toLowerCase().indexOf(q)>=0; "
    "}).slice(0,5);\n",
    "  if(hits.length===0) hits=[loc.value.trim()];\n",
    "  var ul=document.createElement('ul');\n",
    "  ul.id='location-listbox'; ul.setAttribute('role','listbox');\n",
    "  ul.setAttribute('aria-label','Location suggestions');\n",
    "  hits.forEach(function(p){\n",
    "    var li=document.createElement('li'); li.setAttribute('role','option');\n",
    "    li.setAttribute('aria-selected','false');\n",
    "    var d=document.createElement('div'); var s=document.createElement('span');\n",
    "    s.setAttribute('dir','auto'); s.textContent=p; d.appendChild(s); li.appendChild(d);\n",
    "    li.addEventListener('click', function(){\n",
    "      loc.value=p; ul.remove(); loc.setAttribute('aria-expanded','false'); update();\n",
    "    });\n",
    "    ul.appendChild(li);\n",
    "  });\n",
    "  loc.closest('label').insertAdjacentElement('afterend', ul);\n",
    "  loc.setAttribute('aria-expanded','true');\n",
    "}\n",
    "loc.addEventListener('input', function(){\n",
    "  clearTimeout(locTimer); locTimer=setTimeout(suggest, 150);\n",
    "});\n",
    "document.getElementById('add-photos').addEventListener('click', function(){ photos.click(); "
    "});\n",
    "photos.addEventListener('change', function(){\n",
    "  var list=document.getElementById('photo-list'); list.textContent='';\n",
    "  Array.prototype.forEach.call(photos.files, function(f){\n",
    "    var li=document.createElement('li'); li.textContent=f.name; list.appendChild(li);\n",
    "  });\n",
    "  var n=nphotos();\n",
    "  var st=document.getElementById('photo-status');\n",
    "  if(st) st.textContent=n+(n===1?' photo':' photos')+' attached';\n",
    "  document.getElementById('photo-count').textContent='Photos \\u00b7 '+n+' / '+MAX_PHOTOS+\n",
    "    (n>MAX_PHOTOS?' - too many photos':'');\n",
    "  update();\n",
    "});\n",
    "[title, price, form.elements.description].forEach(function(el){\n",
    "  el.addEventListener('input', update);\n",
    "});\n",
    "document.addEventListener('click', function(){ closeListboxes(null); });\n",
    NULL};

/* The script's second half (one script with the first: split only to keep each array short):
 * the buttons of the create form (Next, Back, Publish) and of the edit form (Update, Remove
 * photo). */
static const char *const FORM_SCRIPT_BUTTONS[] = {
    "function activate(el, fn){\n",
    "  if(!el) return;\n",
    "  el.addEventListener('click', function(ev){ ev.stopPropagation();\n",
    "    if(el.getAttribute('aria-disabled')==='true') return; fn(); });\n",
    "  el.addEventListener('keydown', function(ev){\n",
    "    if(ev.key==='Enter'||ev.key===' '){ ev.preventDefault();\n",
    "      if(el.getAttribute('aria-disabled')!=='true') fn(); } });\n",
    "}\n",
    "activate(next, function(){\n",
    "  if(!ready()) return;\n",
    "  var r=document.getElementById('review');\n",
    "  r.textContent='';\n",
    "  [['Title',title.value],['Price',price.value],['Category',form.elements.category.value],\n",
    "   ['Condition',form.elements.condition.value],['Location',loc.value],\n",
    "   ['Photos',String(photos.files.length)]].forEach(function(kv){\n",
    "    var dt=document.createElement('dt'); dt.textContent=kv[0];\n",
    "    var dd=document.createElement('dd'); dd.textContent=kv[1];\n",
    "    r.appendChild(dt); r.appendChild(dd);\n",
    "  });\n",
    "  document.getElementById('step-details').hidden=true;\n",
    "  document.getElementById('step-publish').hidden=false;\n",
    "});\n",
    "activate(back, function(){\n",
    "  document.getElementById('step-publish').hidden=true;\n",
    "  document.getElementById('step-details').hidden=false;\n",
    "});\n",
    "activate(publish, function(){\n",
    "  publish.setAttribute('aria-disabled','true');\n",
    "  back.setAttribute('aria-disabled','true');\n",
    "  form.submit();\n",
    "});\n",
    "activate(save, function(){\n",
    "  if(!ready()) return;\n",
    "  save.setAttribute('aria-disabled','true');\n",
    "  form.submit();\n",
    "});\n",
    "form.querySelectorAll('[role=button][aria-label=\"Remove photo\"]').forEach(function(b){\n",
    "  activate(b, function(){ b.closest('li').remove();\n",
    "    var n=nphotos();\n",
    "    document.getElementById('photo-count').textContent='Photos \\u00b7 '+n+' / "
    "'+MAX_PHOTOS;\n",
    "    update(); });\n",
    "});\n",
    "update();\n",
    "})();\n",
    NULL};

void sb_form_script(sbuf_t *b)
{
    sbuf_printf(b, "var MAX_PHOTOS=%d;\nvar CATEGORIES=[", SB_MAX_PHOTOS);
    for (size_t g = 0; g < SB_NCATEGORY_GROUPS; g++) {
        sbuf_add(b, g ? ",\n{group:" : "\n{group:");
        buf_js_string(b, SB_CATEGORIES[g].group);
        sbuf_add(b, ",options:[");
        for (size_t i = 0; SB_CATEGORIES[g].options[i]; i++) {
            if (i)
                sbuf_add(b, ",");
            buf_js_string(b, SB_CATEGORIES[g].options[i]);
        }
        sbuf_add(b, "]}");
    }
    sbuf_add(b, "];\nvar CONDITIONS=[");
    for (size_t i = 0; i < SB_NCONDITIONS; i++) {
        if (i)
            sbuf_add(b, ",");
        buf_js_string(b, SB_CONDITIONS[i]);
    }
    sbuf_add(b, "];\nvar LOCATIONS=[");
    for (size_t i = 0; i < sizeof(LOCATIONS) / sizeof(LOCATIONS[0]); i++) {
        if (i)
            sbuf_add(b, ",");
        buf_js_string(b, LOCATIONS[i]);
    }
    sbuf_add(b, "];\n");
    for (size_t i = 0; CREATE_SCRIPT[i]; i++)
        sbuf_add(b, CREATE_SCRIPT[i]);
    for (size_t i = 0; FORM_SCRIPT_FIELDS[i]; i++)
        sbuf_add(b, FORM_SCRIPT_FIELDS[i]);
    for (size_t i = 0; FORM_SCRIPT_BUTTONS[i]; i++)
        sbuf_add(b, FORM_SCRIPT_BUTTONS[i]);
}

char *sb_page_create(void)
{
    sbuf_t b = {0};
    sb_page_head(&b, "Create new listing | Marketplace");
    sbuf_add(&b, "<main role=\"main\">\n"
                 "<form id=\"create-item\" method=\"post\" action=\"/marketplace/create/item\" "
                 "enctype=\"multipart/form-data\" novalidate>\n"
                 "<h1>Item for sale</h1>\n"
                 "<section id=\"step-details\" aria-label=\"Details\">\n"
                 "<div class=\"photos\">\n"
                 "<div role=\"button\" id=\"add-photos\" aria-label=\"Add photos\" tabindex=\"0\">"
                 "<span>Add photos</span></div>\n"
                 "<input type=\"file\" name=\"photos\" multiple "
                 "accept=\"image/*,image/heif,image/heic\" style=\"display:none\">\n");
    /* as Facebook's form says it [S3] */
    sbuf_add(&b, "<div role=\"status\" id=\"photo-status\"></div>\n");
    sbuf_printf(&b, "<div id=\"photo-count\" aria-live=\"polite\">Photos &middot; 0 / %d</div>\n",
                SB_MAX_PHOTOS);
    sbuf_add(&b,
             "<ul id=\"photo-list\" class=\"photo-list\"></ul>\n"
             "</div>\n"
             "<label aria-label=\"Title\"><span>Title</span>"
             "<input type=\"text\" name=\"title\" autocomplete=\"off\"></label>\n"
             "<label aria-label=\"Price\"><span>Price</span>"
             "<input type=\"text\" name=\"price\" inputmode=\"decimal\" autocomplete=\"off\">"
             "</label>\n"
             "<label id=\"category\" aria-label=\"Category\" role=\"combobox\" tabindex=\"0\" "
             "aria-haspopup=\"listbox\" aria-expanded=\"false\"><span>Category</span>"
             "<span class=\"value\"></span></label>\n"
             "<input type=\"hidden\" name=\"category\" value=\"\">\n"
             "<label id=\"condition\" aria-label=\"Condition\" role=\"combobox\" tabindex=\"0\" "
             "aria-haspopup=\"listbox\" aria-expanded=\"false\"><span>Condition</span>"
             "<span class=\"value\"></span></label>\n"
             "<input type=\"hidden\" name=\"condition\" value=\"\">\n"
             "<label aria-label=\"Description\"><span>Description</span>"
             "<textarea name=\"description\" rows=\"5\"></textarea></label>\n"
             "<label aria-label=\"Location\"><span>Location</span>"
             "<input type=\"text\" name=\"location\" role=\"combobox\" "
             "aria-autocomplete=\"list\" aria-expanded=\"false\" autocomplete=\"off\"></label>\n"
             "<div role=\"button\" aria-label=\"Next\" aria-disabled=\"true\" tabindex=\"-1\">"
             "<span>Next</span></div>\n"
             "</section>\n"
             "<section id=\"step-publish\" aria-label=\"Publish\" hidden>\n"
             "<h2>Review your listing</h2>\n"
             "<dl id=\"review\"></dl>\n"
             "<div role=\"button\" aria-label=\"Back\" tabindex=\"0\"><span>Back</span></div>\n"
             "<div role=\"button\" aria-label=\"Publish\" tabindex=\"0\"><span>Publish</span>"
             "</div>\n"
             "</section>\n"
             "</form>\n"
             "</main>\n<script>\n");
    sb_form_script(&b);
    sbuf_add(&b, "</script>\n");
    return sb_page_end(&b);
}

/* The buyer's box under the listing: a plain form (no script), answered with a redirect to
 * the item page and a confirmation, or the page again with an alert naming the field. */
static void message_seller_box(sbuf_t *b, const sb_item_t *item, const char *alert,
                               int64_t sent_thread)
{
    if (sent_thread > 0)
        sbuf_printf(b,
                    "<div role=\"status\" data-thread-id=\"%lld\">Message sent to seller</div>\n",
                    (long long)sent_thread);
    sbuf_printf(b,
                "<form id=\"message-seller\" aria-label=\"Message seller\" method=\"post\" "
                "action=\"/marketplace/item/%lld/message\">\n<h2>Send seller a message</h2>\n",
                (long long)item->id);
    if (alert) {
        sbuf_add(b, "<div role=\"alert\">");
        sb_html_esc(b, alert);
        sbuf_add(b, "</div>\n");
    }
    sbuf_add(b, "<label aria-label=\"Your name\"><span>Your name</span>"
                "<input type=\"text\" name=\"buyer\" autocomplete=\"name\"></label>\n"
                "<label aria-label=\"Message\"><span>Message</span>"
                "<textarea name=\"text\" rows=\"3\" placeholder=\"Hi, is this available?\">"
                "</textarea></label>\n"
                "<button type=\"submit\" aria-label=\"Send\">Send</button>\n</form>\n");
}

char *sb_page_item(const sb_item_t *item, const char *alert, int64_t sent_thread)
{
    sbuf_t b = {0};
    char price[48];
    sb_price_format(item->price_cents, price, sizeof(price));
    char *title = xasprintf("%s | Marketplace", item->title);
    sb_page_head(&b, title);
    free(title);
    sbuf_printf(&b,
                "<main role=\"main\" aria-label=\"Marketplace listing\" data-item-id=\"%lld\">\n",
                (long long)item->id);
    sbuf_add(&b, "<h1 data-field=\"title\"><span dir=\"auto\">");
    sb_html_esc(&b, item->title);
    sbuf_add(&b, "</span></h1>\n<div data-field=\"price\"><span dir=\"auto\">");
    sb_html_esc(&b, price);
    sbuf_add(&b, "</span></div>\n");
    if (strcmp(item->status, SB_SOLD) == 0) /* as Facebook labels a sold listing */
        sbuf_add(&b, "<div data-field=\"status\" aria-label=\"Sold\"><span dir=\"auto\">Sold"
                     "</span></div>\n");
    sbuf_add(&b, "<dl>\n");
    const char *rows[][2] = {{"Condition", item->condition},
                             {"Category", item->category},
                             {"Location", item->location},
                             {"Description", item->description}};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sbuf_printf(&b, "<dt>%s</dt><dd data-field=\"", rows[i][0]);
        for (const char *c = rows[i][0]; *c; c++) {
            char lc = (char)tolower((unsigned char)*c);
            sbuf_addn(&b, &lc, 1);
        }
        sbuf_add(&b, "\"><span dir=\"auto\">");
        sb_html_esc(&b, rows[i][1] ? rows[i][1] : "");
        sbuf_add(&b, "</span></dd>\n");
    }
    sbuf_add(&b, "</dl>\n<div data-field=\"photos\">\n");
    for (size_t i = 0; i < item->nphotos; i++) {
        sbuf_add(&b, "<img src=\"/_sandbox/photos/");
        sb_html_esc(&b, item->photos[i].name);
        sbuf_printf(&b, "\" alt=\"Photo %zu of %zu\" width=\"160\">\n", i + 1, item->nphotos);
    }
    sbuf_add(&b, "</div>\n");
    message_seller_box(&b, item, alert, sent_thread);
    sbuf_add(&b, "</main>\n");
    return sb_page_end(&b);
}

char *sb_page_login(const char *next, const char *error)
{
    sbuf_t b = {0};
    sb_page_head(&b, "Log in to Sandbox Marketplace");
    sbuf_add(&b, "<main role=\"main\">\n<h1>Log in to Sandbox Marketplace</h1>\n");
    if (error) {
        sbuf_add(&b, "<div role=\"alert\">");
        sb_html_esc(&b, error);
        sbuf_add(&b, "</div>\n");
    }
    sbuf_add(&b, "<form id=\"login_form\" method=\"post\" action=\"/login\">\n"
                 "<input type=\"text\" name=\"email\" id=\"email\" "
                 "aria-label=\"Email address or phone number\" "
                 "placeholder=\"Email address or phone number\" autocomplete=\"username\">\n"
                 "<input type=\"password\" name=\"pass\" id=\"pass\" aria-label=\"Password\" "
                 "placeholder=\"Password\" autocomplete=\"current-password\">\n"
                 "<input type=\"hidden\" name=\"next\" value=\"");
    sb_html_esc(&b, next ? next : "/marketplace/");
    sbuf_add(&b, "\">\n<button type=\"submit\" name=\"login\" "
                 "data-testid=\"royal_login_button\">Log in</button>\n</form>\n</main>\n");
    return sb_page_end(&b);
}

char *sb_page_checkpoint(void)
{
    sbuf_t b = {0};
    sb_page_head(&b, "Security check");
    sbuf_add(&b, "<main role=\"main\">\n<h1>Confirm your identity</h1>\n"
                 "<p>We noticed unusual activity on your account. Confirm it's you in a browser "
                 "before you continue.</p>\n"
                 "<div role=\"button\" aria-label=\"Continue\" tabindex=\"0\">"
                 "<span>Continue</span></div>\n</main>\n");
    return sb_page_end(&b);
}

char *sb_page_message(const char *title, const char *message)
{
    sbuf_t b = {0};
    sb_page_head(&b, title);
    sbuf_add(&b, "<main role=\"main\">\n<h1>");
    sb_html_esc(&b, title);
    sbuf_add(&b, "</h1>\n<div role=\"alert\">");
    sb_html_esc(&b, message);
    sbuf_add(&b, "</div>\n<p><a href=\"/marketplace/create/item\">Back to the form</a></p>\n"
                 "</main>\n");
    return sb_page_end(&b);
}
