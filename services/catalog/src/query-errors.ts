import { CytoclipError } from '@cytoclip/domain';
import { DrizzleQueryError } from 'drizzle-orm/errors';

/**
 * drizzle's failed-query error carries the whole SQL text and every parameter in its message, and its cause (the
 * driver's error) carries them again: whoever logs it prints ids, paths and manifests. The catalog throws a short error
 * instead: the database's own message and SQLSTATE, no SQL, no parameters, no cause.
 */
export function shortQueryError(error: unknown): unknown {
  if (!(error instanceof DrizzleQueryError)) return error;
  const cause = error.cause as { message?: unknown; code?: unknown } | undefined;
  const reason = typeof cause?.message === 'string' ? cause.message : 'the database refused the query';
  const sqlState = typeof cause?.code === 'string' ? cause.code : undefined;
  return new CytoclipError('catalog_query_failed', `catalog query failed: ${reason}`, {
    status: 500,
    ...(sqlState ? { detail: { sqlState } } : {}),
  });
}

/** `target` with every method's failures (thrown or rejected) passed through shortQueryError. */
export function withShortQueryErrors<T extends object>(target: T): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return function (this: unknown, ...args: unknown[]) {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(this === receiver ? object : this, args);
        } catch (error) {
          throw shortQueryError(error);
        }
        return result instanceof Promise
          ? result.catch((error: unknown) => Promise.reject(shortQueryError(error)))
          : result;
      };
    },
  });
}
