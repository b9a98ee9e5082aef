import { createRoute, z, type OpenAPIHono as Hono } from '@hono/zod-openapi';
import { checkUpload } from '../images.js';
import { jsonOnly, multipartOnly, parse, RequestProblem, type AppContext } from '../http.js';
import { EMBEDDING_PROBLEMS, json, READ_SECURITY, V1_PROBLEMS } from '../openapi.js';
import { SearchResponseSchema, searchSchema, type SearchRequest } from '../schemas.js';

function queryKind(request: SearchRequest): string {
  return Object.keys(request.query)[0] ?? 'unknown';
}

const UploadSchema = z
  .object({
    image: z
      .custom<Blob>((value) => value instanceof Blob, 'give one image file (PNG, JPEG, TIFF or WebP)')
      .openapi({ type: 'string', format: 'binary', description: 'the image (PNG, JPEG, TIFF or WebP)' }),
    request: z
      .string()
      .optional()
      .openapi({ description: 'JSON: the search request without `query` (target, filter, limit …)' }),
    micronsPerPixel: z
      .string()
      .optional()
      .openapi({ description: 'µm per pixel of the image (else read from TIFF/OME metadata)' }),
  })
  .openapi('SearchUpload');

function searchRoute(schema: ReturnType<typeof searchSchema>) {
  return createRoute({
    method: 'post',
    path: '/v1/search',
    summary: 'Search tiles or region images by text, image, tileId or regionImageId',
    tags: ['search'],
    security: READ_SECURITY,
    request: { body: { required: true, content: { 'application/json': { schema } } } },
    responses: { 200: json(SearchResponseSchema, 'A page of results'), ...V1_PROBLEMS, ...EMBEDDING_PROBLEMS },
  });
}

const upload = createRoute({
  method: 'post',
  path: '/v1/search/image',
  summary: 'Search by an uploaded image (multipart: image, optionally request and micronsPerPixel)',
  tags: ['search'],
  security: READ_SECURITY,
  request: { body: { required: true, content: { 'multipart/form-data': { schema: UploadSchema } } } },
  responses: { 200: json(SearchResponseSchema, 'A page of results'), ...V1_PROBLEMS, ...EMBEDDING_PROBLEMS },
});

export function searchRoutes(app: Hono, ctx: AppContext): void {
  const schema = searchSchema(ctx.config.maxLimit, ctx.config.maxWindow);

  app.openapi({ ...searchRoute(schema), middleware: [jsonOnly] }, async (c) => {
    const started = performance.now();
    const request = c.req.valid('json');
    const answer = await ctx.service.search(request);
    ctx.metrics.countSearch(queryKind(request), request.target);
    return c.json({ ...answer, tookMs: Math.round((performance.now() - started) * 10) / 10 }, 200);
  });

  app.openapi({ ...upload, middleware: [multipartOnly] }, async (c) => {
    const started = performance.now();
    const form = c.req.valid('form');
    const bytes = Buffer.from(await form.image.arrayBuffer());
    await checkUpload(bytes, ctx.config.maxImagePixels, 'image');
    let rest: unknown = {};
    if (form.request?.trim()) {
      try {
        rest = JSON.parse(form.request);
      } catch {
        throw new RequestProblem(400, 'request is not valid JSON', [{ field: 'request', message: 'invalid JSON' }]);
      }
    }
    const scale = micronsPerPixelField(form.micronsPerPixel);
    const body = { ...(rest as object), ...scale, query: { image: bytes.toString('base64') } };
    const request = parse(schema, body, 'request');
    const answer = await ctx.service.search(request);
    ctx.metrics.countSearch('upload', request.target);
    return c.json({ ...answer, tookMs: Math.round((performance.now() - started) * 10) / 10 }, 200);
  });
}

/** The multipart `micronsPerPixel` field as a number (the schema then checks its range); absent: nothing. */
function micronsPerPixelField(value: string | undefined): { micronsPerPixel?: number } {
  if (value === undefined || value.trim() === '') return {};
  const n = Number(value);
  if (!Number.isFinite(n))
    throw new RequestProblem(400, 'micronsPerPixel must be a number', [
      { field: 'micronsPerPixel', message: 'not a number' },
    ]);
  return { micronsPerPixel: n };
}
