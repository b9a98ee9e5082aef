import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { post } from './fixture.js';
import { buildRealBackend } from './real-backend.js';

// The API over the real PGlite catalog, the embedded vector store and the fixture ONNX model (random weights, so
// these assertions are about retrieval mechanics, not about the model's taste).
let f: Awaited<ReturnType<typeof buildRealBackend>>;
beforeAll(async () => {
  f = await buildRealBackend();
}, 300_000);
afterAll(async () => {
  await f?.close();
});

type Result = {
  id: string;
  score: number;
  gestationalWeek: number;
  plane: string;
  region: { acronym: string; path: string[] };
  section: string;
};

describe('search over the real stores and model', () => {
  it('answers a text query with tiles and the default complete model', async () => {
    const r = await post(f.app, '/v1/search', { query: { text: 'dense cortical plate' }, limit: 5 });
    expect(r.status).toBe(200);
    expect(r.json.model).toBe('cytoclip-tiny-random@1');
    expect(r.json.total).toBe(48);
    expect(r.json.results).toHaveLength(5);
    const scores = r.json.results.map((x: Result) => x.score);
    expect(scores).toEqual([...scores].sort((a: number, b: number) => b - a));
    expect(Array.isArray(r.json.unknownWords)).toBe(true);
  });

  it('finds the tiles like a stored one when queried by its id, leaving that tile itself out', async () => {
    const any = await post(f.app, '/v1/search', { query: { text: 'subplate' }, limit: 48 });
    const id = any.json.results[17].id;
    const r = await post(f.app, '/v1/search', { query: { tileId: id }, limit: 47 });
    expect(r.json.results.map((x: Result) => x.id)).not.toContain(id);
    expect(r.json).toMatchObject({ total: 47, totalExact: true });
    expect(r.json.results).toHaveLength(47);
  });

  it('filters by week, plane and region subtree', async () => {
    const week = await post(f.app, '/v1/search', {
      query: { text: 'x' },
      filter: { gestationalWeek: { gte: 20 } },
      limit: 100,
    });
    expect(week.json.total).toBe(16);
    expect(week.json.results.every((x: Result) => x.gestationalWeek === 21)).toBe(true);
    const plane = await post(f.app, '/v1/search', {
      query: { text: 'x' },
      filter: { planes: ['sagittal'] },
      limit: 100,
    });
    expect(plane.json.total).toBe(16);
    expect(plane.json.results.every((x: Result) => x.plane === 'sagittal')).toBe(true);
    const tel = await post(f.app, '/v1/search', { query: { text: 'x' }, filter: { regions: ['Tel'] }, limit: 100 });
    expect(tel.json.total).toBe(24);
    expect(new Set(tel.json.results.map((x: Result) => x.region.acronym))).toEqual(new Set(['CP', 'SP']));
    expect(tel.json.results.find((x: Result) => x.region.acronym === 'CP').region.path).toEqual(['Br', 'Tel', 'CP']);
  });

  it('pages without duplicates and caps per section', async () => {
    const ids: string[] = [];
    for (let offset = 0; offset < 48; offset += 10) {
      const page = await post(f.app, '/v1/search', { query: { text: 'ventricular zone' }, limit: 10, offset });
      expect(page.json.total).toBe(48);
      ids.push(...page.json.results.map((x: Result) => x.id));
    }
    expect(ids).toHaveLength(48);
    expect(new Set(ids).size).toBe(48);
    const capped = await post(f.app, '/v1/search', { query: { text: 'ventricular zone' }, limit: 9, perSection: 3 });
    const perSection = new Map<string, number>();
    for (const x of capped.json.results as Result[]) perSection.set(x.section, (perSection.get(x.section) ?? 0) + 1);
    expect([...perSection.values()]).toEqual([3, 3, 3]);
  });

  it('finds a tile by its own cut image, and classifies it', async () => {
    const top = await post(f.app, '/v1/search', { query: { text: 'cortical plate' }, limit: 1 });
    const id = top.json.results[0].id;
    const png = Buffer.from(await (await f.app.request(`/v1/tiles/${id}/image`)).arrayBuffer());
    expect((await sharp(png).metadata()).width).toBe(224);
    const r = await post(f.app, '/v1/search', { query: { image: png.toString('base64') }, limit: 1 });
    expect(r.json.results[0].id).toBe(id);
    expect(r.json.results[0].score).toBeGreaterThan(0.99);
    const c = await post(f.app, '/v1/classify', { image: png.toString('base64'), neighbours: 5 });
    expect(c.status).toBe(200);
    expect(c.json.zeroShot.length).toBeGreaterThan(0);
    expect(c.json.vote[0].count).toBeGreaterThan(0);
  });

  it('serves section metadata with polygons, a heatmap and a trajectory', async () => {
    const section = (await (await f.app.request('/v1/sections/S01-cor-0001')).json()) as {
      gestationalWeek: number;
      annotations: { features: { properties: { region: string } }[] };
    };
    expect(section.gestationalWeek).toBe(16);
    expect(section.annotations.features[0]!.properties.region).toBe('CP');
    const heat = await post(f.app, '/v1/heatmap', { section: 'S01-cor-0001', query: { text: 'subplate' } });
    expect(heat.json.tiles).toHaveLength(16);
    const traj = await post(f.app, '/v1/trajectory', { query: { text: 'subplate' } });
    expect(
      traj.json.weeks.map((w: { gestationalWeek: number; count: number }) => [w.gestationalWeek, w.count]),
    ).toEqual([
      [16, 32],
      [21, 16],
    ]);
    const specimens = (await (await f.app.request('/v1/specimens')).json()) as {
      specimens: { id: string; sections: number }[];
    };
    expect(specimens.specimens.find((s) => s.id === 'S01')!.sections).toBe(2);
  });
});

describe('PostgreSQL gives the same answers as PGlite', () => {
  it('matches page, total and order for a filtered text query and a tileId query', async () => {
    const { createTestDatabase, needs, testDatabaseUrl } = await import('../../../test/support/index.js');
    if (!needs('PostgreSQL', testDatabaseUrl() ? null : 'TEST_DATABASE_URL not set')) return;
    const db = await createTestDatabase('cytoclip_query');
    const pgBackend = await buildRealBackend({ databaseUrl: db.url });
    try {
      const requests = [
        { query: { text: 'subplate' }, filter: { planes: ['coronal'], regions: ['Tel'] }, limit: 7 },
        { query: { text: 'ventricular zone' }, limit: 5, offset: 5, perSection: 2 },
      ];
      for (const request of requests) {
        const a = await post(f.app, '/v1/search', request);
        const b = await post(pgBackend.app, '/v1/search', request);
        expect(b.json.total).toBe(a.json.total);
        expect(b.json.results.map((x: Result) => [x.id, x.region.path, x.gestationalWeek])).toEqual(
          a.json.results.map((x: Result) => [x.id, x.region.path, x.gestationalWeek]),
        );
      }
    } finally {
      await pgBackend.close();
      await db.drop();
    }
  });
});
