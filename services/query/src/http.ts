import { CytoclipError } from '@cytoclip/domain';
import type { Context } from 'hono';
import type { ZodType } from 'zod';
import type { QueryConfig } from './config.js';
import type { KeyRing } from './keys.js';
import type { Metrics } from './metrics.js';
import type { QueryIngest } from './ports.js';
import type { Backend, SearchService } from './search.js';

/** What every route module gets. */
export interface AppContext {
  backend: Backend;
  service: SearchService;
  config: QueryConfig;
  metrics: Metrics;
  /** The configured API keys (as digests) and their scopes. */
  keys: KeyRing;
  ingest: QueryIngest | null;
  isReady(): boolean;
}

/** A validation failure with the fields that were wrong; rendered as problem+json by the app's error handler. */
export class RequestProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors: { field: string; message: string }[] = [],
  ) {
    super(detail);
  }
}

/** Parses a JSON body against `schema`: wrong media type 415, bad JSON 400, schema failures 400 naming each field. */
export async function jsonBody<T>(c: Context, schema: ZodType<T>): Promise<T> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) throw new RequestProblem(415, 'send the body as application/json');
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new RequestProblem(400, 'the body is not valid JSON', [{ field: 'body', message: 'invalid JSON' }]);
  }
  return parse(schema, raw, '');
}

export function parse<T>(schema: ZodType<T>, raw: unknown, where: string): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].filter(Boolean).join('.') || 'body',
    message: issue.message,
  }));
  throw new RequestProblem(400, errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}

export function notFound(what: string, id: string): CytoclipError {
  return new CytoclipError('not_found', `${what} ${id} not found`, { status: 404 });
}
