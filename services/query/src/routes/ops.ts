import type { OpenAPIHono as Hono } from '@hono/zod-openapi';
import type { AppContext } from '../http.js';
import { requireScope } from './auth.js';

export function opsRoutes(app: Hono, ctx: AppContext): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => (ctx.isReady() ? c.json({ status: 'ready' }) : c.json({ status: 'starting' }, 503)));
  // Behind the admin key here; CYTOCLIP_METRICS_PORT serves it without one on a port of its own (metrics-port.ts).
  app.get('/metrics', requireScope(ctx, 'admin'), async (c) =>
    c.body(await ctx.metrics.render(), 200, { 'content-type': ctx.metrics.contentType }),
  );
}

/** A self-contained API reference (no CDN): it reads /openapi.json and lists each operation with its schema. */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CytoCLIP Atlas Search API</title>
<style>body{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
code,pre{background:#f4f4f4;padding:.1rem .3rem}pre{padding:.6rem;overflow:auto;font-size:12px}
h2{font-size:1.05rem;margin-top:1.6rem}.m{display:inline-block;width:4rem;font-weight:700}</style></head>
<body><h1>CytoCLIP Atlas Search API</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p><main id="ops">Loading…</main>
<script>
fetch('/openapi.json').then(r=>r.json()).then(doc=>{
  const main=document.getElementById('ops');main.textContent='';
  for(const [path,ops] of Object.entries(doc.paths)) for(const [method,op] of Object.entries(ops)){
    const h=document.createElement('h2');h.innerHTML='<span class="m"></span><code></code>';
    h.querySelector('.m').textContent=method.toUpperCase();h.querySelector('code').textContent=path;main.append(h);
    const p=document.createElement('p');p.textContent=op.summary||'';main.append(p);
    const body=op.requestBody&&Object.values(op.requestBody.content)[0];
    if(body){const pre=document.createElement('pre');pre.textContent=JSON.stringify(body.schema,null,1);main.append(pre);}
  }
  const pre=document.createElement('pre');pre.textContent=JSON.stringify(doc.components,null,1);
  const h=document.createElement('h2');h.textContent='Schemas';main.append(h,pre);
});
</script></body></html>`;
