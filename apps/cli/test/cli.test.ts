import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMON_OPTIONS, glueDashValues, parseCommandArgs } from '../src/command.js';
import { COMMANDS } from '../src/commands/index.js';
import { searchCommand } from '../src/commands/search.js';
import { run } from './run.js';

// The command line itself: arguments, help, version, exit statuses and problem JSON. Servers here are plain
// node:http ones that answer what a failing or recording server would; the real stack is test/quality-api.test.ts.

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

async function listen(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('arguments', () => {
  it('takes negative and range values as the README writes them', () => {
    expect(glueDashValues(['x', '--week', '-24', '--json'], searchCommand.options!)).toEqual([
      'x',
      '--week=-24',
      '--json',
    ]);
    const args = (argv: string[]) => parseCommandArgs(searchCommand, argv).values;
    expect(args(['cortex', '--week', '-24']).week).toBe('-24');
    expect(args(['cortex', '--week', '18-24']).week).toBe('18-24');
    expect(args(['cortex', '--min-score', '-0.1'])['min-score']).toBe('-0.1');
    // A boolean option never swallows the next word; after `--` nothing is rewritten.
    expect(glueDashValues(['--json', '-1'], searchCommand.options!)).toEqual(['--json', '-1']);
    expect(glueDashValues(['--', '--week', '-24'], searchCommand.options!)).toEqual(['--', '--week', '-24']);
  });
});

describe('help and version', () => {
  it('prints the overview on stdout with exit 0', async () => {
    for (const argv of [['--help'], ['-h'], ['help'], []]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.out).toContain('Usage: cytoclip <command>');
      expect(r.err).toBe('');
    }
  });

  it.each(COMMANDS.map((c) => [c.path, c] as const))('%s --help describes every option on stdout', async (path, c) => {
    const r = await run([...path.split(' '), '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: cytoclip ${path}`);
    for (const [name, option] of Object.entries({ ...c.options, ...COMMON_OPTIONS })) {
      const options = r.out.slice(r.out.indexOf('\nOptions:\n')).split('\n');
      const line = options.find((l) => new RegExp(`^  (-\\w, )?--${name}( |$)`).test(l));
      expect(line, `--${name}`).toBeDefined();
      expect(line).toContain(option.description);
    }
  });

  it('prints the version on stdout', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^cytoclip \d+\.\d+\.\d+\n$/);
    expect(JSON.parse((await run(['--version', '--json'])).out)).toMatchObject({ name: 'cytoclip' });
  });
});

describe('exit statuses and problem JSON', () => {
  let failing: { url: string; server: Server };
  let refusing: { url: string; server: Server };
  let recording: { url: string; server: Server };
  const seen: { url: string; body: unknown }[] = [];

  beforeAll(async () => {
    failing = await listen((_req, _body, res) => {
      res.writeHead(500, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ title: 'Internal Server Error', status: 500, detail: 'the index is corrupt' }));
    });
    refusing = await listen((_req, _body, res) => {
      res.writeHead(400, { 'content-type': 'application/problem+json' });
      const errors = [{ field: 'filter.regions', message: 'unknown acronym' }];
      res.end(JSON.stringify({ title: 'Bad Request', status: 400, detail: 'unknown region XX', errors }));
    });
    recording = await listen((req, body, res) => {
      seen.push({ url: req.url!, body: body ? JSON.parse(body) : null });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ results: [], total: 0, model: 'm@1', tookMs: 1, unknownWords: [] }));
    });
  });

  afterAll(() => {
    for (const s of [failing, refusing, recording]) s.server.close();
  });

  it('answers a usage error with 2, a problem JSON on stderr under --json and nothing on stdout', async () => {
    const plain = await run(['search', 'cortex', '--bogus']);
    expect(plain.code).toBe(2);
    expect(plain.err).toContain("Unknown option '--bogus'");
    const r = await run(['search', 'cortex', '--plane', 'oblique', '--json']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(JSON.parse(r.err)).toMatchObject({
      title: 'usage error',
      code: 'invalid_argument',
      exitCode: 2,
      command: 'search',
      detail: expect.stringContaining('unknown plane "oblique"'),
    });
    expect(JSON.parse((await run(['serch', '--json'])).err)).toMatchObject({ exitCode: 2, title: 'usage error' });
    expect((await run(['serch'])).code).toBe(2);
    expect((await run(['search'])).code).toBe(2);
    expect((await run(['similar'])).code).toBe(2);
  });

  it('answers a server 5xx via --api with 3 and the server problem under --json', async () => {
    const r = await run(['search', 'cortex', '--api', failing.url, '--json']);
    expect(r.code).toBe(3);
    expect(r.out).toBe('');
    expect(JSON.parse(r.err)).toMatchObject({
      title: 'server error',
      code: 'server_error',
      status: 500,
      exitCode: 3,
      detail: expect.stringContaining('the index is corrupt'),
    });
    expect((await run(['classify', fileURLToPath(import.meta.url), '--api', failing.url])).code).toBe(3);
    expect((await run(['heatmap', 'S01', 'cortex', '--api', failing.url])).code).toBe(3);
  });

  it('answers an unreachable server with 3 and a refused request (4xx) with 2 naming the field', async () => {
    const closed = await listen(() => undefined);
    await new Promise((resolve) => closed.server.close(resolve));
    const gone = await run(['search', 'cortex', '--api', closed.url, '--json']);
    expect(gone.code).toBe(3);
    expect(JSON.parse(gone.err)).toMatchObject({ code: 'server_unreachable', exitCode: 3 });
    const refused = await run(['search', 'cortex', '--region', 'XX', '--api', refusing.url, '--json']);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.err)).toMatchObject({
      status: 400,
      exitCode: 2,
      errors: [{ field: 'filter.regions', message: 'unknown acronym' }],
    });
  });

  it('sends --week -24 as a range, and retrieval only when given', async () => {
    seen.length = 0;
    expect((await run(['search', 'cortex', '--week', '-24', '--api', recording.url])).code).toBe(0);
    expect(
      (await run(['search', 'cortex', '--week', '18-24', '--retrieval', 'dense', '--api', recording.url])).code,
    ).toBe(0);
    expect(seen.map((s) => s.url)).toEqual(['/v1/search', '/v1/search']);
    expect(seen[0]!.body).toEqual({ query: { text: 'cortex' }, filter: { gestationalWeek: { lte: 24 } }, limit: 10 });
    expect(seen[1]!.body).toMatchObject({ filter: { gestationalWeek: { gte: 18, lte: 24 } }, retrieval: 'dense' });
  });

  it('runs eval against a failing server with exit 3, after checking the query file', async () => {
    expect((await run(['eval', '--queries', '/nonexistent.jsonl', '--api', failing.url])).code).toBe(2);
    expect((await run(['eval', '--api', failing.url, '--json'])).code).toBe(3);
  });
});
