/* /api/openapi.json (the API description, services/api/openapi.json, kept by hand beside the
 * handlers: change it with them) and /docs, a self-contained page that renders it (no CDN:
 * works offline). The file is embedded at build time (mk/build.mk, mk/embed.S), so the
 * binary needs no file at run time and a change of the file rebuilds it. */
#include <stdint.h>

#include "handlers.h"
#include "openapi.h"

/* The embedded bytes (mk/embed.S): embed_openapi_json_len of them, then a NUL. */
extern const char embed_openapi_json[];
extern const uint64_t embed_openapi_json_len;

const char *openapi_document(size_t *len)
{
    *len = (size_t)embed_openapi_json_len;
    return embed_openapi_json;
}

int openapi_json(http_request_t *req)
{
    size_t len;
    const char *doc = openapi_document(&len);
    return http_send_body(req, 200, "application/json", doc, len,
                          "Cache-Control: public, max-age=300\r\n");
}

/* Renders the document with a few lines of script: paths, methods, summaries, parameters. */
static const char docs_html[] =
    "<!doctype html><html><head><meta charset=\"utf-8\"><title>Bye-Buy API</title>"
    "<style>body{font:14px/1.45 system-ui,sans-serif;max-width:960px;margin:2em auto;"
    "padding:0 1em;color:#222}code{background:#f3f3f3;padding:1px 4px;border-radius:3px}"
    ".op{border:1px solid #ddd;border-radius:6px;margin:.6em 0;padding:.5em .8em}"
    ".m{display:inline-block;min-width:4.5em;font-weight:600;text-transform:uppercase}"
    ".p{color:#555;font-size:12px}</style></head><body><h1>Bye-Buy API</h1>"
    "<p>Machine-readable: <a href=\"/api/openapi.json\">/api/openapi.json</a></p>"
    "<div id=\"desc\"></div><div id=\"ops\">loading...</div><script>"
    "fetch('/api/openapi.json').then(r=>r.json()).then(d=>{"
    "document.getElementById('desc').textContent=d.info.description;"
    "const ops=document.getElementById('ops');ops.textContent='';"
    "for(const [path,item] of Object.entries(d.paths)){"
    "for(const [m,op] of Object.entries(item)){if(m==='parameters')continue;"
    "const div=document.createElement('div');div.className='op';"
    "const params=(item.parameters||[]).concat(op.parameters||[]).map(p=>p.name+' "
    "('+p.in+')').join(', ');"
    "const head=document.createElement('div');const ms=document.createElement('span');"
    "ms.className='m';ms.textContent=m;const pc=document.createElement('code');"
    "pc.textContent=path;head.append(ms,pc);const s=document.createElement('div');"
    "s.textContent=op.summary||'';div.append(head,s);if(params){const "
    "pp=document.createElement('div');"
    "pp.className='p';pp.textContent='parameters: '+params;div.append(pp);}ops.append(div);}}});"
    "</script></body></html>";

int openapi_docs(http_request_t *req)
{
    return http_send_body(req, 200, "text/html; charset=utf-8", docs_html, sizeof(docs_html) - 1,
                          NULL);
}
