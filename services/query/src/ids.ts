import { z } from '@hono/zod-openapi';
import { isUuid } from '@cytoclip/domain';
import type { Context } from 'hono';
import { pathParam } from './openapi.js';
import { RequestProblem } from './http.js';

// Ids (sections, atlases, tiles, region images, ingest jobs) reach SQL as parameters; PostgreSQL refuses a NUL byte
// or a broken surrogate in text with an error of its own. Checked here, as text, before any query: a 400 naming
// the parameter instead of a 500.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

function refuse(field: string, message: string): RequestProblem {
  return new RequestProblem(400, `${field} ${message}`, [{ field, message }]);
}

/** Why `value` is not acceptable id text, or null. U+FFFD is what a decoder leaves of invalid UTF-8. */
function textFault(value: string, maxLength: number): string | null {
  if (value.length === 0) return 'is empty';
  if (value.length > maxLength) return `is longer than ${maxLength} characters`;
  if (value.includes('\0')) return 'contains a NUL byte';
  if (LONE_SURROGATE.test(value) || value.includes('\uFFFD')) return 'is not valid UTF-8';
  if (CONTROL.test(value)) return 'contains a control character';
  return null;
}

/** A schema for id text inside a JSON body (filter lists): the same rule as checkId, refused by the validator. */
export function idText(maxLength = 200) {
  return z
    .string()
    .min(1)
    .max(maxLength)
    .refine((value) => textFault(value, maxLength) === null, {
      message: 'must be text without a NUL byte, control characters or invalid UTF-8',
    });
}

/** An id from a JSON body or a query string, checked as text. */
export function checkId(value: string, field: string, maxLength = 200): string {
  const fault = textFault(value, maxLength);
  if (fault) throw refuse(field, fault);
  return value;
}

/**
 * A path parameter, checked as text. The router leaves percent-escapes it cannot decode as they were, so any left
 * that do not decode are invalid UTF-8 (`%FF`, a cut `%E0%A4`).
 */
export function pathId(c: Context, name: string, field = name): string {
  const value = c.req.param(name) ?? '';
  for (const escapes of value.match(/(?:%[0-9A-Fa-f]{2})+/g) ?? []) {
    try {
      decodeURIComponent(escapes);
    } catch {
      throw refuse(field, 'is not valid UTF-8');
    }
  }
  return checkId(value, field);
}

/** Why a path parameter is not acceptable id text (escapes the router could not decode included), or null. */
function pathFault(value: string): string | null {
  for (const escapes of value.match(/(?:%[0-9A-Fa-f]{2})+/g) ?? []) {
    try {
      decodeURIComponent(escapes);
    } catch {
      return 'is not valid UTF-8';
    }
  }
  return textFault(value, 200);
}

/** An id in the path, declared for the spec and checked as text by the route's validator (one issue at most). */
export function idParam(name: string, description: string, options: { uuid?: boolean } = {}) {
  const schema = z.string().superRefine((value, ctx) => {
    const fault = pathFault(value) ?? (options.uuid && !isUuid(value) ? 'is not a UUID' : null);
    if (fault) ctx.addIssue({ code: 'custom', message: fault });
  });
  return pathParam(options.uuid ? schema.openapi({ format: 'uuid' }) : schema, name, description);
}
