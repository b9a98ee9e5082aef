import type { ErrorCode } from './error-codes.js';

/**
 * An error a user can act on. `status` maps it to an HTTP problem+json answer, `code` is stable for scripts,
 * `detail` says what was wrong in the user's words.
 */
export class CytoclipError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { status?: number; detail?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CytoclipError';
    this.code = code;
    this.status = options.status ?? 400;
    this.detail = options.detail;
  }
}

export function isCytoclipError(error: unknown): error is CytoclipError {
  return error instanceof CytoclipError;
}
