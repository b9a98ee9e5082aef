import type { OpenAPIHono as Hono } from '@hono/zod-openapi';
import { checkUpload } from '../images.js';
import { jsonBody, parse, RequestProblem, type AppContext } from '../http.js';
import { searchSchema, type SearchRequest } from '../schemas.js';

function queryKind(request: SearchRequest): string {
  return Object.keys(request.query)[0] ?? 'unknown';
}

export function searchRoutes(app: Hono, ctx: AppContext): void {
  const schema = searchSchema(ctx.config.maxLimit, ctx.config.maxWindow);

  app.post('/v1/search', async (c) => {
    const started = performance.now();
    const request = await jsonBody(c, schema);
    const answer = await ctx.service.search(request);
    ctx.metrics.countSearch(queryKind(request), request.target);
    return c.json({ ...answer, tookMs: Math.round((performance.now() - started) * 10) / 10 });
  });

  // Multipart upload: field `image` (the file), optionally `micronsPerPixel` (the image's scale) and `request`, a JSON
  // search request without `query`.
  app.post('/v1/search/image', async (c) => {
    const started = performance.now();
    const type = c.req.header('content-type') ?? '';
    if (!type.startsWith('multipart/form-data'))
      throw new RequestProblem(415, 'send multipart/form-data with an image field');
    let form: FormData;
    try {
      form = await c.req.formData();
    } catch {
      throw new RequestProblem(400, 'the multipart body could not be read', [
        { field: 'body', message: 'invalid multipart' },
      ]);
    }
    const file = form.get('image');
    if (!(file instanceof Blob))
      throw new RequestProblem(400, 'missing file field image', [{ field: 'image', message: 'required' }]);
    const bytes = Buffer.from(await file.arrayBuffer());
    await checkUpload(bytes, ctx.config.maxImagePixels, 'image');
    const extra = form.get('request');
    let rest: unknown = {};
    if (typeof extra === 'string' && extra.trim()) {
      try {
        rest = JSON.parse(extra);
      } catch {
        throw new RequestProblem(400, 'request is not valid JSON', [{ field: 'request', message: 'invalid JSON' }]);
      }
    }
    const scale = micronsPerPixelField(form);
    const body = { ...(rest as object), ...scale, query: { image: bytes.toString('base64') } };
    const request = parse(schema, body, 'request');
    const answer = await ctx.service.search(request);
    ctx.metrics.countSearch('upload', request.target);
    return c.json({ ...answer, tookMs: Math.round((performance.now() - started) * 10) / 10 });
  });
}

/** The multipart `micronsPerPixel` field as a number (the schema then checks its range); absent: nothing. */
function micronsPerPixelField(form: FormData): { micronsPerPixel?: number } {
  const value = form.get('micronsPerPixel');
  if (value === null || (typeof value === 'string' && value.trim() === '')) return {};
  const n = typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(n))
    throw new RequestProblem(400, 'micronsPerPixel must be a number', [
      { field: 'micronsPerPixel', message: 'not a number' },
    ]);
  return { micronsPerPixel: n };
}
