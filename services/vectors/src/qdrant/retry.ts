import { QdrantClientResourceExhaustedError, QdrantClientTimeoutError } from '@qdrant/js-client-rest';

export interface RetryOptions {
  attempts: number;
  baseMs: number;
  maxMs: number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryOptions = {
  attempts: 5,
  baseMs: 200,
  maxMs: 5000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** 429 (too many requests), time-outs, gateway errors and dropped connections are worth another try. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof QdrantClientResourceExhaustedError || error instanceof QdrantClientTimeoutError) return true;
  const status = (error as { status?: unknown })?.status;
  if (typeof status === 'number') return status === 429 || status === 502 || status === 503 || status === 504;
  const text = `${(error as Error)?.name} ${(error as Error)?.message} ${String((error as { cause?: { code?: string } })?.cause?.code)}`;
  return /TimeoutError|AbortError|fetch failed|ECONNRESET|ECONNREFUSED|EPIPE|socket hang up/i.test(text);
}

/** Runs `call`, retrying retryable failures with exponential back-off and jitter (or Qdrant's Retry-After). */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = DEFAULT_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= options.attempts || !isRetryable(error)) throw error;
      const retryAfter = error instanceof QdrantClientResourceExhaustedError ? error.retry_after * 1000 : 0;
      const backoff = Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      await options.sleep(Math.max(retryAfter, backoff));
    }
  }
}
