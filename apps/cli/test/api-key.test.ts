import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { remoteApi } from '../src/api.js';

// `--api` against a server that wants a key: a node:http stand-in that answers 401 unless the Bearer key is right,
// as the query API does for a private deployment (CYTOCLIP_READ_KEY).
const KEY = 'read-key-00001';
let server: Server;
let url: string;
const seen: (string | undefined)[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    const ok = req.headers.authorization === `Bearer ${KEY}`;
    res.writeHead(ok ? 200 : 401, { 'content-type': ok ? 'application/json' : 'application/problem+json' });
    res.end(JSON.stringify(ok ? { atlases: [] } : { title: 'Unauthorized', detail: 'this route needs the read key' }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise<void>((done) => server.close(() => done()));
});

describe('--api with a key', () => {
  it('sends CYTOCLIP_API_KEY as a Bearer key on every request', async () => {
    vi.stubEnv('CYTOCLIP_API_KEY', KEY);
    const api = remoteApi(url);
    expect(await api.get('/v1/atlases')).toEqual({ atlases: [] });
    expect(await api.post('/v1/search', { query: { text: 'subplate' } })).toEqual({ atlases: [] });
    expect(seen.slice(-2)).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`]);
  });

  it('sends no key when none is set, and says which variable to set at a 401', async () => {
    vi.stubEnv('CYTOCLIP_API_KEY', '');
    const error = await remoteApi(url)
      .get('/v1/atlases')
      .catch((e: unknown) => e);
    expect(seen.at(-1)).toBeUndefined();
    expect(error).toMatchObject({ status: 401 });
    expect((error as Error).message).toMatch(/needs the read key.*set CYTOCLIP_API_KEY/);
  });
});
