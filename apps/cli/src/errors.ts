import { CytoclipError, isCytoclipError, type ErrorCode } from '@cytoclip/domain';

/** Exit statuses: scripts tell a wrong command line from a failure here and from a failing server. */
export const EXIT = { ok: 0, runtime: 1, usage: 2, server: 3 } as const;

/** A wrong command line or input (exit 2). */
export class UsageError extends CytoclipError {
  constructor(message: string, code: ErrorCode = 'invalid_argument', detail?: Record<string, unknown>) {
    super(code, message, { status: 400, ...(detail ? { detail } : {}) });
  }
}

/** The server behind `--api` answered 5xx or could not be reached (exit 3). */
export class ServerError extends CytoclipError {
  constructor(
    message: string,
    readonly httpStatus: number | null,
    detail?: Record<string, unknown>,
  ) {
    super(httpStatus === null ? 'server_unreachable' : 'server_error', message, {
      status: 502,
      ...(detail ? { detail } : {}),
    });
  }
}

/**
 * ServerError → 3; any other CytoclipError below 500 is a request this command line made wrong (bad option, unknown
 * region, missing file) → 2; everything else, including this process's own 5xx, is a runtime failure → 1.
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof ServerError) return EXIT.server;
  if (isCytoclipError(error) && error.status < 500) return EXIT.usage;
  return EXIT.runtime;
}

const TITLES: Record<number, string> = {
  [EXIT.runtime]: 'runtime error',
  [EXIT.usage]: 'usage error',
  [EXIT.server]: 'server error',
};

/** RFC 9457-shaped problem document for `--json` (on stderr); `status` only when a server answered. */
export function problemOf(error: unknown, command: string | null): Record<string, unknown> {
  const exitCode = exitCodeOf(error);
  const problem: Record<string, unknown> = {
    title: TITLES[exitCode],
    detail: error instanceof Error ? error.message : String(error),
    code: isCytoclipError(error) ? error.code : 'internal',
    exitCode,
  };
  if (command) problem.command = command;
  const detail = isCytoclipError(error) ? error.detail : undefined;
  if (typeof detail?.status === 'number') problem.status = detail.status;
  if (Array.isArray(detail?.errors)) problem.errors = detail.errors;
  if (error instanceof ServerError && error.httpStatus !== null) problem.status = error.httpStatus;
  return problem;
}
