import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixture, closeFixture, MODEL, post } from './fixture.js';

type Fixture = Awaited<ReturnType<typeof buildFixture>>;
let f: Fixture;
beforeAll(async () => {
  f = await buildFixture();
}, 300_000);
afterAll(closeFixture);

/** A tile of row 0 (the cortical plate) of the second section. */
const cpTile = () => f.tileIds[17]!;

describe('POST /v1/search', () => {
  it('answers a text query with tiles, best first, from the default complete model', async () => {
    const r = await post(f.app, '/v1/search', { query: { text: 'cortical plate' }, limit: 10 });
    expect(r.status).toBe(200);
    expect(r.json.model).toBe(MODEL);
    // Default hybrid; the fixture's points have no lexical vectors (old data), so the dense list alone answers.
    expect(r.json).toMatchObject({ total: 96, totalExact: true, retrieval: 'hybrid' });
    expect(r.json.results).toHaveLength(10);
    const scores = r.json.results.map((x: { score: number }) => x.score);
    expect(scores).toEqual([...scores].sort((a: number, b: number) => b - a));
    expect(r.json.results[0].imageUrl).toBe(`/v1/tiles/${r.json.results[0].id}/image`);
    expect(Array.isArray(r.json.unknownWords)).toBe(true);
  });

  it('ranks the tiles nearest the query first, with their region paths', async () => {
    // The fixture's vectors are one-hot per region, so a cortical-plate tile's 23 other CP tiles come first.
    const r = await post(f.app, '/v1/search', { query: { tileId: cpTile() }, limit: 23 });
    expect(r.json.results.every((x: { region: { acronym: string } }) => x.region.acronym === 'CP')).toBe(true);
    expect(r.json.results[0].region.path).toEqual(['Tel', 'Pal', 'CP']);
    const next = await post(f.app, '/v1/search', { query: { tileId: cpTile() }, limit: 1, offset: 23 });
    expect(next.json.results[0].region.acronym).not.toBe('CP');
  });

  it("lists words the model's tokenizer does not know", async () => {
    const r = await post(f.app, '/v1/search', { query: { text: 'cortical plate zebrafish' } });
    expect(r.json.unknownWords).toEqual(f.stack.model.unknownWords('cortical plate zebrafish'));
    expect(r.json.unknownWords).toContain('zebrafish');
  });

  it('leaves the queried tile itself out of "similar to" on every page, and out of total', async () => {
    // (Exact duplicates tying with it at 1: test/self-exclusion.test.ts.)
    const id = cpTile();
    const all = await post(f.app, '/v1/search', { query: { tileId: id }, limit: 100, cutoff: 'none' });
    expect(all.status).toBe(200);
    const ids = all.json.results.map((x: { id: string }) => x.id);
    expect(ids).not.toContain(id);
    expect(all.json.total).toBe(ids.length);
    const paged: string[] = [];
    for (let offset = 0; offset < all.json.total; offset += 7) {
      const page = await post(f.app, '/v1/search', { query: { tileId: id }, limit: 7, offset, cutoff: 'none' });
      expect(page.json.total).toBe(all.json.total);
      paged.push(...page.json.results.map((x: { id: string }) => x.id));
    }
    expect(paged).toEqual(ids);
  });

  it('filters by week range and plane', async () => {
    const r = await post(f.app, '/v1/search', {
      query: { text: 'subplate' },
      filter: { gestationalWeek: { gte: 18, lte: 24 }, planes: ['coronal'] },
      limit: 50,
    });
    expect(r.json.total).toBe(16);
    expect(r.json.results).toHaveLength(16);
    for (const x of r.json.results) {
      expect(x.gestationalWeek).toBe(21);
      expect(x.plane).toBe('coronal');
    }
  });

  it('includes descendants in a region filter', async () => {
    const r = await post(f.app, '/v1/search', {
      query: { text: 'ganglionic' },
      filter: { regions: ['Pal'] },
      limit: 200,
    });
    expect(r.json.total).toBe(48);
    const regions = new Set(r.json.results.map((x: { region: { acronym: string } }) => x.region.acronym));
    expect(regions).toEqual(new Set(['CP', 'SP']));
  });

  it('pages consistently: no duplicates across pages, union equals one big page', async () => {
    const big = await post(f.app, '/v1/search', { query: { text: 'cortical plate' }, limit: 60 });
    const seen: string[] = [];
    for (let offset = 0; offset < 60; offset += 20) {
      const page = await post(f.app, '/v1/search', { query: { text: 'cortical plate' }, limit: 20, offset });
      expect(page.json.total).toBe(big.json.total);
      seen.push(...page.json.results.map((x: { id: string }) => x.id));
    }
    expect(new Set(seen).size).toBe(60);
    expect(seen).toEqual(big.json.results.map((x: { id: string }) => x.id));
  });

  it('drops results under minScore, and counts only those above it in total', async () => {
    const r = await post(f.app, '/v1/search', { query: { tileId: cpTile() }, limit: 100, minScore: 0.5 });
    expect(r.json.results.length).toBe(23);
    expect(r.json.total).toBe(23);
    expect(r.json.cutoff).toEqual({ mode: 'minScore', minScore: 0.5, source: 'request' });
    const first = await post(f.app, '/v1/search', { query: { tileId: cpTile() }, limit: 10, minScore: 0.5 });
    expect(first.json).toMatchObject({ total: 23, totalExact: true });
    const text = await post(f.app, '/v1/search', { query: { text: 'cortical plate' }, limit: 100, minScore: 0.5 });
    expect(text.json.total).toBe(text.json.results.length);
    expect(text.json.results.every((x: { score: number }) => x.score >= 0.5)).toBe(true);
    expect(r.json.results.every((x: { score: number }) => x.score >= 0.5)).toBe(true);
  });

  it('caps results per section', async () => {
    const r = await post(f.app, '/v1/search', { query: { text: 'cortical plate' }, limit: 12, perSection: 2 });
    expect(r.json.results).toHaveLength(12);
    const counts = new Map<string, number>();
    for (const x of r.json.results) counts.set(x.section, (counts.get(x.section) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBe(2);
    expect(counts.size).toBe(6);
    const second = await post(f.app, '/v1/search', {
      query: { text: 'cortical plate' },
      limit: 6,
      offset: 6,
      perSection: 2,
    });
    expect(second.json.results.map((x: { id: string }) => x.id)).toEqual(
      r.json.results.slice(6).map((x: { id: string }) => x.id),
    );
  });

  it('pages through exactly total results, under minScore, perSection and a region subtree', async () => {
    const text = { text: 'layered cortex with dense granular cells' };
    const ranked = (await post(f.app, '/v1/search', { query: text, limit: 96 })).json.results;
    const requests = [
      { query: text, limit: 7, minScore: ranked[40].score - 1e-6 },
      { query: text, limit: 5, perSection: 3 },
      { query: { tileId: cpTile() }, limit: 4, perSection: 2, minScore: 0.5 },
      { query: text, limit: 6, perSection: 5, minScore: ranked[70].score, filter: { regions: ['Pal'] } },
      // The README's example on this fixture (one coronal section between weeks 18 and 24).
      {
        query: text,
        filter: { gestationalWeek: { gte: 18, lte: 24 }, planes: ['coronal'] },
        limit: 2,
        minScore: ranked[60].score,
        perSection: 3,
      },
    ];
    for (const request of requests) {
      const ids: string[] = [];
      const totals = new Set<number>();
      for (let offset = 0; ; offset += request.limit) {
        const page = await post(f.app, '/v1/search', { ...request, offset });
        expect(page.status).toBe(200);
        totals.add(page.json.total);
        expect(page.json.totalExact).toBe(true);
        ids.push(...page.json.results.map((x: { id: string }) => x.id));
        if (page.json.results.length < request.limit) break;
      }
      expect([...totals], JSON.stringify(request)).toEqual([ids.length]);
      expect(new Set(ids).size).toBe(ids.length);
    }
    const capped = await post(f.app, '/v1/search', { query: text, limit: 5, perSection: 3 });
    expect(capped.json.total).toBe(18); // 6 sections × 3
  });

  it('answers perSection: 1 with a page of 50 and near the end of the window (200, not 400)', async () => {
    for (const offset of [0, 9_950]) {
      const r = await post(f.app, '/v1/search', {
        query: { text: 'cortical plate' },
        limit: 50,
        offset,
        perSection: 1,
      });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ total: 6, totalExact: true });
      expect(r.json.results).toHaveLength(offset === 0 ? 6 : 0);
    }
  });

  it('takes retrieval hybrid (the default), dense or lexical, echoes it, and names the field for any other', async () => {
    const dense = await post(f.app, '/v1/search', { query: { text: 'subplate' }, retrieval: 'dense', limit: 3 });
    expect(dense.status).toBe(200);
    expect(dense.json.retrieval).toBe('dense');
    const other = await post(f.app, '/v1/search', { query: { text: 'subplate' }, retrieval: 'bm25' });
    expect(other.status).toBe(400);
    expect(other.json.errors.map((e: { field: string }) => e.field)).toContain('retrieval');
    const spec = (await (await f.app.request('/openapi.json')).json()) as {
      components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> };
    };
    const { SearchRequest, SearchResponse } = spec.components.schemas;
    expect(SearchRequest!.properties).toHaveProperty('retrieval');
    expect(SearchResponse!.properties).toHaveProperty('totalExact');
    expect(SearchResponse!.required).toEqual(expect.arrayContaining(['total', 'totalExact', 'retrieval']));
  });

  it('searches by an uploaded image, JSON base64 and multipart alike', async () => {
    const sharp = (await import('sharp')).default;
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#a0a0f0' } })
      .png()
      .toBuffer();
    const json = await post(f.app, '/v1/search', { query: { image: png.toString('base64') }, limit: 3 });
    expect(json.status).toBe(200);
    expect(json.json.results).toHaveLength(3);
    const form = new FormData();
    form.set('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'q.png');
    form.set('request', JSON.stringify({ limit: 3 }));
    const res = await f.app.request('/v1/search/image', { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: { id: string }[] };
    expect(body.results.map((x) => x.id)).toEqual(json.json.results.map((x: { id: string }) => x.id));
  });

  // /metrics itself needs the admin key (test/observability.test.ts): read the app's registry here.
  it('counts searches in the metrics', async () => {
    const text = await f.metrics.render();
    expect(text).toMatch(/cytoclip_searches_total\{query="text",target="tiles"\} \d+/);
    expect(text).toMatch(
      /cytoclip_http_request_duration_seconds_bucket\{le="\+Inf",method="POST",route="\/v1\/search",status="200"\} \d+/,
    );
  });
});
