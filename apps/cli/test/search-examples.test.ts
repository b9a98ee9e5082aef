import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleArg, regionOfArg } from '../src/commands/search-options.js';
import { run } from './run.js';

// `search --positive / --negative / --region-of`: what the command sends (a recording node:http server), and what it
// refuses before sending anything. The server's own handling is services/query/test/examples.test.ts.

const TILE = '11111111-1111-5111-8111-111111111111';
const REGION = '22222222-2222-5222-8222-222222222222';
let server: Server;
let url: string;
let dir: string;
const seen: unknown[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cytoclip-cli-examples-'));
  writeFileSync(join(dir, 'bad.png'), Buffer.from('not really a png'));
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push(JSON.parse(body));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ results: [], total: 0, model: 'm@1', tookMs: 1, unknownWords: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const last = () => seen.at(-1) as { query: Record<string, unknown> };

describe('search examples', () => {
  it('reads each form of an example, with a weight after ^', async () => {
    const read = async () => Buffer.from('png');
    expect(await exampleArg('granular layer^2', 'positive', read)).toEqual({ text: 'granular layer', weight: 2 });
    expect(await exampleArg(`tile:${TILE}`, 'positive', read)).toEqual({ tileId: TILE });
    expect(await exampleArg(`region:${REGION}^0.5`, 'negative', read)).toEqual({ regionImageId: REGION, weight: 0.5 });
    expect(await exampleArg('@x.png', 'positive', read)).toEqual({ image: Buffer.from('png').toString('base64') });
    await expect(exampleArg('cortex^0', 'positive', read)).rejects.toThrow(/--positive: the weight/);
    await expect(exampleArg('cortex^x', 'negative', read)).rejects.toThrow(/--negative: the weight/);
    expect(regionOfArg('S01-cor-0001:10,20,300,200')).toEqual({ section: 'S01-cor-0001', bbox: [10, 20, 300, 200] });
    expect(() => regionOfArg('S01:1,2,3')).toThrow(/--region-of must look like/);
  });

  it('sends the query text, --image and every --positive as positives, --negative as negatives', async () => {
    const argv = ['search', 'dense layer', '--positive', `tile:${TILE}^2`, '--positive', 'subplate'];
    const image = join(dir, 'bad.png');
    expect((await run([...argv, '--image', image, '--negative', `tile:${REGION}`, '--api', url])).code).toBe(0);
    expect(last().query).toEqual({
      positive: [
        { text: 'dense layer' },
        { image: Buffer.from('not really a png').toString('base64') },
        { tileId: TILE, weight: 2 },
        { text: 'subplate' },
      ],
      negative: [{ tileId: REGION }],
    });
    expect((await run(['search', 'cortex', '--negative', 'white matter', '--api', url])).code).toBe(0);
    expect(last().query).toEqual({ positive: [{ text: 'cortex' }], negative: [{ text: 'white matter' }] });
  });

  it('sends --region-of as query.sectionRegion, with negatives beside it', async () => {
    const argv = ['search', '--region-of', 'S01-cor-0001:10,20,300,200', '--negative', `tile:${TILE}`];
    expect((await run([...argv, '--retrieval', 'dense', '--api', url])).code).toBe(0);
    expect(seen.at(-1)).toMatchObject({
      query: { sectionRegion: { section: 'S01-cor-0001', bbox: [10, 20, 300, 200] }, negative: [{ tileId: TILE }] },
      retrieval: 'dense',
    });
  });

  it('refuses with 2, before sending, negatives alone, a region beside text and a bad weight', async () => {
    const before = seen.length;
    expect((await run(['search', '--negative', 'cortex', '--api', url])).code).toBe(2);
    expect((await run(['search', 'cortex', '--region-of', 'S:1,2,3,4', '--api', url])).code).toBe(2);
    expect((await run(['search', '--positive', 'cortex^-1', '--api', url])).code).toBe(2);
    expect((await run(['search', '--positive', '@/nonexistent.png', '--api', url])).code).toBe(2);
    expect(seen.length).toBe(before);
  });
});
