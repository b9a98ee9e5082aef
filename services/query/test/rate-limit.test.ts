import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Listening, type QueryConfig } from '@cytoclip/query';
import { buildFixture, closeFixture } from './fixture.js';

// Over real sockets, so the limit keys on the address the server really sees.
let png: string;
const servers: Listening[] = [];
beforeAll(async () => {
  const bytes = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#884466' } })
    .png()
    .toBuffer();
  png = bytes.toString('base64');
}, 300_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await closeFixture();
});

async function listening(config: Partial<QueryConfig>): Promise<Listening> {
  const { app } = await buildFixture(config);
  const server = await serve(app, { port: 0, host: '127.0.0.1' });
  servers.push(server);
  return server;
}

function call(server: Listening, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('rate limit on costly routes (CYTOCLIP_RATE_LIMIT)', () => {
  it('answers 429 problem+json with Retry-After once a client spends its costly requests', async () => {
    const server = await listening({ rateLimit: 3 });
    const costly = [
      await call(server, '/v1/classify', { image: png }),
      await call(server, '/v1/search', { query: { image: png }, limit: 3 }),
      await call(server, '/v1/trajectory', { query: { text: 'cortical plate' } }),
    ];
    expect(costly.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(costly.map((r) => r.headers.get('ratelimit-remaining'))).toEqual(['2', '1', '0']);
    const refused = await call(server, '/v1/heatmap', { section: 'S01-cor-0001', query: { text: 'cortical plate' } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(await refused.json()).toMatchObject({ status: 429, code: 'rate_limited', title: 'Too Many Requests' });
    // Every costly route shares the budget, a search by image included; cheap routes are never counted.
    expect((await call(server, '/v1/search', { query: { image: png } })).status).toBe(429);
    expect((await call(server, '/v1/ingest', { atlas: 'tiny' })).status).toBe(429);
    const text = await call(server, '/v1/search', { query: { text: 'cortical plate' } });
    expect(text.status).toBe(200);
    expect(text.headers.get('ratelimit-limit')).toBeNull();
    expect((await fetch(`${server.url}/v1/atlases`)).status).toBe(200);
  });

  it('counts each address behind a trusted proxy on its own, and ignores X-Forwarded-For otherwise', async () => {
    const proxied = await listening({ rateLimit: 1, trustProxy: true });
    const from = (ip: string) => ({ 'x-forwarded-for': `203.0.113.9, ${ip}` });
    const body = { query: { text: 'cortical plate' } };
    expect((await call(proxied, '/v1/trajectory', body, from('198.51.100.1'))).status).toBe(200);
    expect((await call(proxied, '/v1/trajectory', body, from('198.51.100.1'))).status).toBe(429);
    expect((await call(proxied, '/v1/trajectory', body, from('198.51.100.2'))).status).toBe(200);
    const direct = await listening({ rateLimit: 1 });
    expect((await call(direct, '/v1/trajectory', body, from('198.51.100.1'))).status).toBe(200);
    expect((await call(direct, '/v1/trajectory', body, from('198.51.100.2'))).status).toBe(429);
  });

  it('limits nothing by default: no 429, no RateLimit headers', async () => {
    const server = await listening({});
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => call(server, '/v1/trajectory', { query: { text: 'cortical plate' } })),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(answers.some((r) => r.headers.has('ratelimit-limit') || r.headers.has('retry-after'))).toBe(false);
  });
});
