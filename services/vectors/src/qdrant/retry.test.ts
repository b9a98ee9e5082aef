import { describe, expect, it } from 'vitest';
import { QdrantClientResourceExhaustedError, QdrantClientTimeoutError } from '@qdrant/js-client-rest';
import { withRetry } from './retry.js';

function failing(errors: unknown[]) {
  let calls = 0;
  return {
    call: async () => {
      const error = errors[calls++];
      if (error) throw error;
      return 'ok';
    },
    calls: () => calls,
  };
}

describe('withRetry', () => {
  const sleeps: number[] = [];
  const options = { attempts: 4, baseMs: 100, maxMs: 1000, sleep: async (ms: number) => void sleeps.push(ms) };

  it('retries 429s, time-outs and dropped connections with growing back-off', async () => {
    sleeps.length = 0;
    const tooMany = Object.assign(new Error('Too Many Requests'), { status: 429 });
    const dropped = new TypeError('fetch failed');
    const flaky = failing([tooMany, new QdrantClientTimeoutError('timed out'), dropped]);
    await expect(withRetry(flaky.call, options)).resolves.toBe('ok');
    expect(flaky.calls()).toBe(4);
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[2]).toBeGreaterThanOrEqual(200);
  });

  it("waits at least Qdrant's Retry-After", async () => {
    sleeps.length = 0;
    await withRetry(failing([new QdrantClientResourceExhaustedError('slow down', '2')]).call, options);
    expect(sleeps).toEqual([2000]);
  });

  it('does not retry a bad request, and gives up after the last attempt', async () => {
    const bad = Object.assign(new Error('Bad Request'), { status: 400 });
    const once = failing([bad]);
    await expect(withRetry(once.call, options)).rejects.toBe(bad);
    expect(once.calls()).toBe(1);
    const busy = Object.assign(new Error('Service Unavailable'), { status: 503 });
    const never = failing([busy, busy, busy, busy, busy]);
    await expect(withRetry(never.call, options)).rejects.toBe(busy);
    expect(never.calls()).toBe(4);
  });
});
