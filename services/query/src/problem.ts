import { isCytoclipError, type ErrorCode } from '@cytoclip/domain';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  /** Which request fields were wrong. */
  errors?: { field: string; message: string }[];
  /** Stable for scripts: the CytoclipError's code, else the one its status implies. */
  code?: ErrorCode;
  [key: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

// The code of a problem no CytoclipError named (a schema failure, a missing key, a body over the limit …).
const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'body_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

export function codeOfStatus(status: number): ErrorCode {
  return STATUS_CODES[status] ?? (status >= 500 ? 'internal' : 'invalid_request');
}

/** An RFC 9457 problem+json answer; every one carries a `code`. */
export function problem(c: Context, status: number, detail: string, extra: Partial<Problem> = {}): Response {
  const title = TITLES[status] ?? 'Error';
  const body: Problem = { type: 'about:blank', title, status, detail, code: codeOfStatus(status), ...extra };
  return c.body(JSON.stringify(body), status as ContentfulStatusCode, { 'content-type': 'application/problem+json' });
}

/**
 * Maps any thrown error to a problem; CytoclipErrors keep their status and code, others are 500s that name nothing
 * (the app logs server errors with the request id before calling this).
 */
export function errorProblem(c: Context, error: unknown): Response {
  if (isCytoclipError(error)) {
    return problem(c, error.status, error.message, {
      code: error.code,
      ...(error.detail ? { errors: toErrors(error.detail) } : {}),
    });
  }
  return problem(c, 500, 'unexpected server error');
}

function toErrors(detail: Record<string, unknown>): { field: string; message: string }[] | undefined {
  const field = detail.field;
  return typeof field === 'string' ? [{ field, message: String(detail.message ?? 'invalid') }] : undefined;
}
