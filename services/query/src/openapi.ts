import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { QueryConfig } from './config.js';
import {
  ClassifySchema,
  HeatmapSchema,
  IngestSchema,
  ProblemSchema,
  SearchResponseSchema,
  searchSchema,
  TrajectorySchema,
} from './schemas.js';

type Method = 'get' | 'post' | 'delete';

/** Documents every route in the OpenAPI registry; /openapi.json is generated from it. */
export function documentRoutes(app: OpenAPIHono, config: QueryConfig): void {
  const registry = app.openAPIRegistry;
  registry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer' });
  const problem = { description: 'problem+json', content: { 'application/problem+json': { schema: ProblemSchema } } };
  const json = (description: string, schema: z.ZodType = z.object({}).passthrough()) => ({
    description,
    content: { 'application/json': { schema } },
  });
  const add = (
    method: Method,
    path: string,
    summary: string,
    extra: { body?: z.ZodType; ok?: ReturnType<typeof json>; secure?: boolean; params?: string[] } = {},
  ) => {
    const params = extra.params ?? [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    registry.registerPath({
      method,
      path,
      summary,
      ...(extra.secure ? { security: [{ apiKey: [] }] } : {}),
      request: {
        ...(params.length ? { params: z.object(Object.fromEntries(params.map((p) => [p, z.string()]))) } : {}),
        ...(extra.body ? { body: { content: { 'application/json': { schema: extra.body } } } } : {}),
      },
      responses: { 200: extra.ok ?? json('OK'), 400: problem, 404: problem },
    });
  };
  add('post', '/v1/search', 'Search tiles or region images by text, image, tileId or regionImageId', {
    body: searchSchema(config.maxLimit, config.maxWindow),
    ok: json('Results', SearchResponseSchema),
  });
  add('post', '/v1/search/image', 'Search by an uploaded image (multipart: image file, optional request JSON)', {
    ok: json('Results', SearchResponseSchema),
  });
  add('post', '/v1/classify', 'Most likely regions of an image: zero-shot and nearest-tile vote', {
    body: ClassifySchema,
  });
  add('post', '/v1/heatmap', "A text query's score for every stored tile of a section", { body: HeatmapSchema });
  add('post', '/v1/trajectory', "A query's best and median score per gestational week", { body: TrajectorySchema });
  add('get', '/v1/atlases', 'Ingested atlases');
  add('delete', '/v1/atlases/{id}', 'Remove an atlas and its vectors (admin key)', { secure: true });
  add('get', '/v1/models', 'Loaded models and their indexes');
  add('get', '/v1/regions', 'The ontology as a tree');
  add('get', '/v1/specimens', 'Specimens with gestational week and planes');
  add('get', '/v1/sections/{id}', 'Section metadata and annotation polygons');
  add('get', '/v1/sections/{id}/dzi', 'Deep Zoom descriptor of the section');
  add('get', '/v1/sections/{id}/dzi_files/{level}/{tile}', 'Deep Zoom tile ({col}_{row}.jpeg)');
  add('get', '/v1/tiles/{id}', 'Tile metadata');
  add('get', '/v1/tiles/{id}/image', 'Tile image cut from the section (?size=, ?format=png|jpeg)');
  add('get', '/v1/region-images/{id}', 'Region image metadata');
  add('get', '/v1/region-images/{id}/image', 'Region image cut from the section');
  add('post', '/v1/ingest', 'Ingest an atlas under CYTOCLIP_ATLAS_ROOTS (ingest or admin key)', {
    body: IngestSchema,
    secure: true,
  });
  add('get', '/v1/ingest/{id}', 'Ingest job progress (ingest or admin key)', { secure: true });
  add('get', '/healthz', 'Alive');
  add('get', '/readyz', 'Ready: stores open and start-up ingest finished (503 before)');
  add('get', '/metrics', 'Prometheus metrics (admin key; CYTOCLIP_METRICS_PORT serves them on a port of their own)', {
    secure: true,
  });
  app.doc('/openapi.json', { openapi: '3.0.0', info: { title: 'CytoCLIP Atlas Search API', version: '1' } });
}
