import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ProblemSchema } from './answers.js';

// What every route declaration shares: answers by media type, the problem answers, the key requirements. Each route
// is declared once (createRoute beside its handler, app.openapi); /openapi.json is generated from those declarations.

/** A JSON answer. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

const BINARY = { type: 'string', format: 'binary' } as const;

/** A binary or text answer in each of `types` (images, XML, Prometheus text): the spec names the media types. */
export function media(types: string[], description: string) {
  return { description, content: Object.fromEntries(types.map((type) => [type, { schema: BINARY }])) };
}

const PROBLEM_CONTENT = { 'application/problem+json': { schema: ProblemSchema } };
const PROBLEMS = {
  400: 'Malformed request: wrong JSON, a field the schema refuses (`errors` names each), a bad id or parameter',
  401: 'No key, or a key this server does not know (WWW-Authenticate: Bearer); also when no key could grant the route',
  403: 'A known key of a narrower scope (e.g. the ingest key on an admin route)',
  404: 'No such item, model index or route',
  409: 'The model is indexed but not loaded by this server',
  413: 'The body or an uploaded image is over its limit',
  415: 'Not the media type the route takes, or an upload that is not a PNG, JPEG, TIFF or WebP image',
  422: 'Well-formed but not workable (e.g. an upload 100 times longer than wide, a filter too broad to score)',
  429: 'Over CYTOCLIP_RATE_LIMIT costly requests a minute from this address (Retry-After: seconds)',
  500: 'Server error (logged with the request id)',
  501: 'This server runs without the service the route needs',
  503: 'Not ready, or a store or the model is unavailable or busy',
} as const;
type ProblemStatus = keyof typeof PROBLEMS;

const HEADERS: Partial<Record<ProblemStatus, Record<string, { schema: { type: 'string' | 'integer' } }>>> = {
  401: { 'WWW-Authenticate': { schema: { type: 'string' } } },
  429: { 'Retry-After': { schema: { type: 'integer' } } },
};

/** The problem+json answers a route can give, by status. */
export function problems<S extends ProblemStatus>(...statuses: S[]) {
  const answer = (status: ProblemStatus) => {
    const headers = HEADERS[status];
    return { description: PROBLEMS[status] as string, content: PROBLEM_CONTENT, ...(headers ? { headers } : {}) };
  };
  return Object.fromEntries(statuses.map((s) => [s, answer(s)])) as Record<S, ReturnType<typeof answer>>;
}

/**
 * What every /v1 route can answer besides its own: 400 (a body or parameter refused), 401 (CYTOCLIP_READ_KEY set and
 * no key sent), 500 and 503.
 */
export const V1_PROBLEMS = problems(400, 401, 500, 503);

/**
 * What any route embedding a query can add: no index or no such model (404), a model indexed but not loaded (409),
 * the body or an image over its limit (413), not JSON or not an image (415), an unusable image (422), the rate limit.
 */
export const EMBEDDING_PROBLEMS = problems(404, 409, 413, 415, 422, 429);

/** Read routes: open, unless CYTOCLIP_READ_KEY is set (then any configured key). */
export const READ_SECURITY: Record<string, string[]>[] = [{}, { bearer: [] }, { apiKeyHeader: [] }];
/** Ingest and admin routes: a key of that scope or a wider one. */
export const KEY_SECURITY: Record<string, string[]>[] = [{ bearer: [] }, { apiKeyHeader: [] }];

/** A path parameter: its name in the path and what it is. */
export function pathParam<T extends z.ZodType>(schema: T, name: string, description: string) {
  return schema.openapi({ param: { name, in: 'path', required: true }, description });
}

/** The security schemes and /openapi.json (OpenAPI 3.1), generated from the routes declared on `app`. */
export function documentApi(app: OpenAPIHono): void {
  const registry = app.openAPIRegistry;
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'Authorization: Bearer <key> — the read, ingest or admin key',
  });
  registry.registerComponent('securitySchemes', 'apiKeyHeader', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'the same keys in X-API-Key',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'CytoCLIP Atlas Search API',
      version: '1',
      description:
        'Search NISSL sections of the developing human brain by text, image or example. Every refusal is ' +
        'application/problem+json with a `code` (the Problem schema lists them all).',
    },
  });
}
