import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionImageId } from '@cytoclip/domain';
import { fuzzImages, RequestFuzzer, type FuzzIds } from './fuzz-requests.js';
import { API_KEY, ATLAS_FOLDER, ingestedStack } from './fuzz-stack.js';

// ≥ 10,000 seeded malformed requests over every route, in process (app.request: no sockets), on the real stack with
// the tiny atlas ingested: not one may answer 5xx, and every refusal is problem+json. A failure names the seed and the
// request's index, so it reproduces.
const SEED = Number(process.env.CYTOCLIP_FUZZ_SEED ?? 20260416);
const REQUESTS = 10_000;

let stack: Awaited<ReturnType<typeof ingestedStack>>;
let ids: FuzzIds;
beforeAll(async () => {
  stack = await ingestedStack();
  const { catalog } = stack;
  const [atlas] = await catalog.listAtlases();
  const sections = await catalog.listSections(atlas!.name);
  const tiles = (await Promise.all(sections.map((s) => catalog.listTiles(atlas!.name, s.id)))).flat();
  const details = await Promise.all(sections.map((s) => catalog.getSection(s.id, atlas!.name)));
  const pairs = details.flatMap((d) => [...new Set(d!.annotations.map((a) => a.region))].map((r) => [d!.id, r]));
  const regionImages = (await catalog.getRegionImages(pairs.map(([s, r]) => regionImageId(atlas!.name, s!, r!)))).map(
    (r) => r.id,
  );
  ids = {
    atlas: atlas!.name,
    atlasFolder: ATLAS_FOLDER,
    sections: sections.map((s) => s.id),
    tiles: tiles.map((t) => t.id),
    regionImages,
    regions: [...new Set(pairs.map(([, r]) => r!))],
    key: API_KEY,
  };
}, 300_000);
afterAll(async () => stack?.close());

describe('fuzz', () => {
  it(`${REQUESTS} malformed requests over every route: no 5xx (seed ${SEED})`, { timeout: 90_000 }, async () => {
    expect(ids.tiles.length).toBeGreaterThan(0);
    expect(ids.regionImages.length).toBeGreaterThan(0);
    const fuzzer = new RequestFuzzer(SEED, ids, await fuzzImages());
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const routes = new Map<string, Set<number>>();
    const started = performance.now();
    for (let i = 0; i < REQUESTS; i++) {
      const r = fuzzer.next();
      const res = await stack.app.request(r.path, { method: r.method, headers: r.headers, body: r.body });
      const type = res.headers.get('content-type') ?? '';
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      routes.set(r.route, (routes.get(r.route) ?? new Set()).add(res.status));
      const bad = res.status >= 500 || (res.status >= 400 && r.method !== 'HEAD' && !type.includes('problem+json'));
      if (bad) failures.push(`#${i} ${r.method} ${r.path.slice(0, 120)} → ${res.status} ${type}`);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `fuzz: ${REQUESTS} requests in ${seconds.toFixed(1)} s, statuses`,
      Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])),
    );
    expect(failures.slice(0, 20)).toEqual([]);
    // Every route was reached, and the generator went past validation on most of them (a 2xx seen).
    expect(routes.size).toBe(25);
    const answered = [...routes].filter(([, seen]) => [...seen].some((s) => s < 300)).map(([route]) => route);
    expect(answered.length).toBeGreaterThanOrEqual(20);
  });
});
