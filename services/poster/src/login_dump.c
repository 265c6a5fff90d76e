/* byebuy-login --dump (see login_dump.h). */
#include "login_dump.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "browser/runner.h"
#include "common/util.h"
#include "common/xmalloc.h"

/* Runs in the page. UI words are the marketplace's own (facebook-markup.md: labels, buttons,
 * dialogs, menu items); everything else is assumed personal and masked, letters to x and
 * digits to 0, whitespace and punctuation kept, so lengths and layout stay. Attributes that
 * name a listing or a person after a UI prefix keep the prefix. Inline scripts (Facebook's
 * carry the account's data as JSON) are emptied. */
const char login_dump_mask_js[] =
    "var UI = ['marketplace','create new listing','your listings','inbox','title','price',"
    "'category','condition','description','more details','location','next','publish',"
    "'leave page','mark as sold','mark as available','relist','delete','delete listing',"
    "'edit listing','renew listing','send','photos','add photos','add photo','item for sale',"
    "'selling','search your listings','collection of your marketplace items','close',"
    "'cancel','save','update','ok','message','messages','chats','new','used - like new',"
    "'used - good','used - fair','share','more options','more options for listing',"
    "'boost listing','did you sell this item?','yes, sold on facebook','yes, sold elsewhere',"
    "\"no, haven't sold\",\"i'd rather not answer\",'your profile','log in','hide from friends',"
    "'product tags','brand','sku','door drop-off','public meetup','door pick-up',"
    "'list in more places','mark as pending','view listing','view messages','dropdown menu',"
    "'choose a category','see all','back','enter','message sent','you','listings','account',"
    "'home','notifications','menu','search marketplace','write a message','message seller'];\n"
    "var PRE = ['Mark as sold ','Mark as available ','More options for ','Share ',"
    "'View insights for ','Boost listing for ','Promote now for ','Renew listing ',"
    "'Delete listing ','Edit listing ','Write to ','Open ','Relist '];\n"
    "var ui = {}; UI.forEach(function (w) { ui[w] = 1; });\n"
    "function x(s) { return s.replace(/[0-9]/g, '0').replace(/[^\\s0-9.,:;!?()\\[\\]\\/·•|+-]/g, "
    "'x'); }\n"
    "function isUi(s) { var t = s.trim().toLowerCase(); return !t || ui[t] === 1 || "
    "/^[\\s0-9.,:;·•|+-]*$/.test(t); }\n"
    "function maskAttr(v) {\n"
    "  if (isUi(v)) return v;\n"
    "  for (var i = 0; i < PRE.length; i++) if (v.indexOf(PRE[i]) === 0) return PRE[i] + "
    "x(v.slice(PRE[i].length));\n"
    "  var m = /^(.*? by )(You|[^:]{1,80})(: )([\\s\\S]*)$/.exec(v);\n"
    "  if (m) return m[1] + (m[2] === 'You' ? 'You' : x(m[2])) + m[3] + x(m[4]);\n"
    "  return x(v);\n"
    "}\n"
    "var n = {texts: 0, attributes: 0, scripts: 0};\n"
    "var dead = {SCRIPT: 1, NOSCRIPT: 1, TEMPLATE: 1};\n"
    "document.querySelectorAll('script,noscript,template').forEach(function (e) {\n"
    "  if (e.textContent) { e.textContent = ''; n.scripts++; } });\n"
    "var w = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);\n"
    "for (var t = w.nextNode(); t; t = w.nextNode()) {\n"
    "  var p = t.parentNode && t.parentNode.nodeName;\n"
    "  if (p === 'STYLE' || dead[p] || isUi(t.nodeValue)) continue;\n"
    "  t.nodeValue = x(t.nodeValue); n.texts++;\n"
    "}\n"
    "var ATTRS = ['aria-label','title','placeholder','alt','value','content','aria-valuetext',"
    "'data-title','data-name'];\n"
    "document.querySelectorAll('*').forEach(function (e) {\n"
    "  ATTRS.forEach(function (a) {\n"
    "    var v = e.getAttribute(a);\n"
    "    if (v === null || e.nodeName === 'META' && a === 'content' && "
    "!/^og:|description|title/.test(e.getAttribute('property') || e.getAttribute('name') || '')) "
    "return;\n"
    "    var m = maskAttr(v); if (m !== v) { e.setAttribute(a, m); n.attributes++; }\n"
    "  });\n"
    "  if ((e.nodeName === 'INPUT' || e.nodeName === 'TEXTAREA') && e.value && !isUi(e.value)) {\n"
    "    e.value = x(e.value); e.setAttribute('value', e.value); n.attributes++; }\n"
    "});\n"
    "document.title = maskAttr(document.title);\n"
    "return n;\n";

/* Waits (up to 10 s) for the page to finish loading, then 1 s more for late rendering. */
static void settle(wd_session_t *s)
{
    wd_error_t err;
    for (int i = 0; i < 50; i++) {
        cJSON *v = wd_execute(s, "return document.readyState", NULL, &err);
        bool done = v && cJSON_IsString(v) && strcmp(v->valuestring, "complete") == 0;
        cJSON_Delete(v);
        if (done)
            break;
        usleep(200 * 1000);
    }
    usleep(1000 * 1000);
}

static int write_file(const char *dir, const char *name, const char *ext, const void *data,
                      size_t len, FILE *out)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(out, "cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(out, "cannot write %s: %s\n", path, strerror(errno));
            close(fd);
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    close(fd);
    fprintf(out, "  wrote %s (%zu bytes)\n", path, len);
    return 0;
}

/* Masks the current page and saves it as name.html and name.png. */
static int save_page(wd_session_t *s, const char *dir, const char *name, FILE *out)
{
    wd_error_t err;
    cJSON *n = wd_execute(s, login_dump_mask_js, NULL, &err);
    if (!n || !cJSON_IsObject(n)) {
        fprintf(out, "%s: masking failed: %s: %s; nothing saved\n", name, err.code, err.message);
        cJSON_Delete(n);
        return -1;
    }
    fprintf(out, "%s: masked %d text nodes, %d attributes, %d scripts\n", name,
            cJSON_GetObjectItem(n, "texts")->valueint,
            cJSON_GetObjectItem(n, "attributes")->valueint,
            cJSON_GetObjectItem(n, "scripts")->valueint);
    cJSON_Delete(n);
    cJSON *html = wd_execute(s, "return '<!DOCTYPE html>\\n' + document.documentElement.outerHTML",
                             NULL, &err);
    int rc = -1;
    if (!html || !cJSON_IsString(html)) {
        fprintf(out, "%s: cannot read the page: %s: %s\n", name, err.code, err.message);
    } else if (write_file(dir, name, "html", html->valuestring, strlen(html->valuestring), out) ==
               0) {
        unsigned char *png = NULL;
        size_t len = 0;
        if (wd_screenshot(s, &png, &len, &err) != 0)
            fprintf(out, "%s: no screenshot: %s: %s\n", name, err.code, err.message);
        else
            rc = write_file(dir, name, "png", png, len, out);
        free(png);
    }
    cJSON_Delete(html);
    return rc;
}

/* Opens url; fails on a login wall. */
static int open_page(wd_session_t *s, const recipe_t *r, const char *url, FILE *out)
{
    wd_error_t err;
    char where[600];
    if (wd_navigate(s, url, &err) != 0) {
        fprintf(out, "cannot open %s: %s: %s\n", url, err.code, err.message);
        return -1;
    }
    settle(s);
    if (runner_login_wall(s, r, where, sizeof(where))) {
        fprintf(out, "%s shows a login wall (%s): log in first with byebuy-login --platform %s\n",
                url, where, r->platform);
        return -1;
    }
    return 0;
}

/* The first thread of the inbox (Facebook's Marketplace inbox links /marketplace/t/<id>/;
 * Messenger's /messages/t/<id>/), or NULL. */
static char *first_thread(wd_session_t *s)
{
    wd_error_t err;
    cJSON *v = wd_execute(s,
                          "var a = document.querySelector(\"a[href*='/marketplace/t/'],"
                          " a[href*='/messages/t/']\"); return a ? a.href : null",
                          NULL, &err);
    char *url = v && cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
    cJSON_Delete(v);
    return url;
}

int login_dump(wd_session_t *s, const recipe_t *r, const char *base_url, const char *dir, FILE *out)
{
    static const struct {
        const char *name, *path;
    } pages[] = {{"create", "/marketplace/create/item"}, {"selling", "/marketplace/you/selling"}};
    char url[2048];
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(out, "cannot create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        snprintf(url, sizeof(url), "%s%s", base_url, pages[i].path);
        if (open_page(s, r, url, out) != 0 || save_page(s, dir, pages[i].name, out) != 0)
            return -1;
    }
    snprintf(url, sizeof(url), "%s/marketplace/inbox", base_url);
    if (open_page(s, r, url, out) != 0)
        return -1;
    char *thread = first_thread(s);
    if (!thread) {
        fprintf(out,
                "the inbox (%s) shows no thread: saving the inbox list instead; ask a "
                "friend to message a listing for a thread\n",
                url);
    } else {
        int rc = open_page(s, r, thread, out);
        free(thread);
        if (rc != 0)
            return -1;
    }
    return save_page(s, dir, "inbox-thread", out);
}
