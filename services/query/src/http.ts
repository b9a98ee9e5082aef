import { CytoclipError } from '@cytoclip/domain';
import type { MiddlewareHandler } from 'hono';
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

const JSON_TYPE = /^application\/(.+\+)?json\b/i;

/**
 * Route middleware before a JSON body's schema check: another media type is a 415 and unparsable JSON a 400 naming
 * the body (the parsed body is cached for the validator).
 */
export const jsonOnly: MiddlewareHandler = async (c, next) => {
  if (!JSON_TYPE.test(c.req.header('content-type') ?? ''))
    throw new RequestProblem(415, 'send the body as application/json');
  try {
    await c.req.json();
  } catch {
    throw new RequestProblem(400, 'the body is not valid JSON', [{ field: 'body', message: 'invalid JSON' }]);
  }
  await next();
};

/** Route middleware before a multipart body's schema check: another media type 415, an unreadable body 400. */
export const multipartOnly: MiddlewareHandler = async (c, next) => {
  if (!(c.req.header('content-type') ?? '').startsWith('multipart/form-data'))
    throw new RequestProblem(415, 'send multipart/form-data with an image field');
  try {
    await c.req.formData();
  } catch {
    throw new RequestProblem(400, 'the multipart body could not be read', [
      { field: 'body', message: 'invalid multipart' },
    ]);
  }
  await next();
};

/** The routes' validation hook: a body, query or path parameter the declared schema refuses is a 400 naming each field. */
export function validationHook(result: { success: boolean; error?: { issues: Issue[] } }): void {
  if (!result.success) throw schemaProblem(result.error?.issues ?? [], '');
}

type Issue = { path: PropertyKey[]; message: string };

export function parse<T>(schema: ZodType<T>, raw: unknown, where: string): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw schemaProblem(result.error.issues, where);
}

function schemaProblem(issues: Issue[], where: string): RequestProblem {
  const errors = issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].filter(Boolean).join('.') || 'body',
    message: issue.message,
  }));
  return new RequestProblem(400, errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}

export function notFound(what: string, id: string): CytoclipError {
  return new CytoclipError('not_found', `${what} ${id} not found`, { status: 404 });
}
