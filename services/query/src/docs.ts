import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OpenAPIHono as Hono } from '@hono/zod-openapi';

// /docs: Swagger UI (swagger-ui-dist, maintained by SmartBear) over /openapi.json, served from node_modules — no CDN,
// and no inline script or style, so the page runs under the app's own Content-Security-Policy.

const DIST = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The files of swagger-ui-dist the page loads, and their media types; nothing else of the folder is served. */
const ASSETS: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CytoCLIP Atlas Search API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/swagger-ui.css"><link rel="icon" href="/docs/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/start.js"></script></body></html>`;

// validatorUrl null: the page never asks validator.swagger.io about the spec.
const START_JS = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true,
  validatorUrl: null, defaultModelsExpandDepth: 0 });\n`;

export function docsRoutes(app: Hono): void {
  const files = new Map<string, Buffer>();
  const read = (name: string) => files.get(name) ?? files.set(name, readFileSync(join(DIST, name))).get(name)!;
  app.get('/docs', (c) => c.html(DOCS_HTML));
  app.get('/docs/start.js', (c) => c.body(START_JS, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/docs/:file', (c, next) => {
    const name = c.req.param('file');
    const type = ASSETS[name];
    if (!type) return next();
    return c.body(new Uint8Array(read(name)), 200, { 'content-type': type, 'cache-control': 'public, max-age=3600' });
  });
}
