import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { fetchAtlases } from './api.js';
import { readKey, setReadKey, withReadKey } from './read-key.js';

// The browser's parts the key touches, as small stand-ins: sessionStorage, document.cookie, prompt and fetch.
let stored: Map<string, string>;
let cookies: string[];
let answers: Response[];
let sent: { path: string; authorization: string | null }[];
let ask: Mock<(message: string) => string | null>;

beforeEach(() => {
  stored = new Map();
  cookies = [];
  sent = [];
  answers = [];
  vi.stubGlobal('sessionStorage', {
    getItem: (k: string) => stored.get(k) ?? null,
    setItem: (k: string, v: string) => void stored.set(k, v),
    removeItem: (k: string) => void stored.delete(k),
  });
  vi.stubGlobal('document', {
    set cookie(value: string) {
      cookies.push(value);
    },
  });
  ask = vi.fn((_message: string): string | null => 'read-key-00001');
  vi.stubGlobal('prompt', ask);
  vi.stubGlobal('fetch', async (path: string, init: RequestInit) => {
    sent.push({ path, authorization: new Headers(init.headers).get('authorization') });
    return answers.shift()!;
  });
});
afterEach(() => vi.unstubAllGlobals());

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('the read key of a private deployment', () => {
  it('sends no key to an open server and asks nothing', async () => {
    answers.push(json(200, { atlases: [] }));
    expect(await fetchAtlases()).toEqual([]);
    expect(sent).toEqual([{ path: '/v1/atlases', authorization: null }]);
    expect(ask).not.toHaveBeenCalled();
  });

  it('asks once at a 401, keeps the key for the tab with its image cookie, and retries with it', async () => {
    answers.push(json(401, { title: 'Unauthorized' }), json(200, { atlases: [] }), json(200, { atlases: [] }));
    expect(await fetchAtlases()).toEqual([]);
    expect(sent.map((s) => s.authorization)).toEqual([null, 'Bearer read-key-00001']);
    expect(readKey()).toBe('read-key-00001');
    expect(cookies.at(-1)).toBe('cytoclip_read_key=read-key-00001; Path=/v1/; SameSite=Strict');
    await fetchAtlases(); // kept: sent without asking again
    expect(sent.at(-1)!.authorization).toBe('Bearer read-key-00001');
    expect(ask).toHaveBeenCalledTimes(1);
  });

  it('forgets a wrong key and stops after one retry, with the server’s 401 as the error', async () => {
    setReadKey('stale');
    ask.mockReturnValue(null);
    answers.push(json(401, { title: 'Unauthorized', detail: 'wrong API key' }));
    await expect(fetchAtlases()).rejects.toMatchObject({ status: 401, message: /wrong API key/ });
    expect(readKey()).toBeNull();
    expect(cookies.at(-1)).toMatch(/Max-Age=0/);
  });

  it('adds the header beside the request’s own', () => {
    setReadKey('k');
    const headers = new Headers(withReadKey({ headers: { 'content-type': 'application/json' } }).headers);
    expect([headers.get('authorization'), headers.get('content-type')]).toEqual(['Bearer k', 'application/json']);
  });
});
