import { beforeAll, describe, expect, it } from 'vitest';
import { buildFixture, post } from './fixture.js';

type Fixture = Awaited<ReturnType<typeof buildFixture>>;
let f: Fixture;
beforeAll(async () => {
  f = await buildFixture();
});

describe('POST /v1/search', () => {
  it('answers a text query with tiles of the named region first', async () => {
    const r = await post(f.app, '/v1/search', { query: { text: 'cortical plate' }, limit: 10 });
    expect(r.status).toBe(200);
    expect(r.json.model).toBe('word-tile@1');
    expect(r.json.total).toBe(96);
    expect(r.json.results).toHaveLength(10);
    expect(r.json.results.every((x: { region: { acronym: string } }) => x.region.acronym === 'CP')).toBe(true);
    expect(r.json.results[0].region.path).toEqual(['Tel', 'Pal', 'CP']);
    expect(r.json.results[0].imageUrl).toBe(`/v1/tiles/${r.json.results[0].id}/image`);
    expect(r.json.unknownWords).toEqual([]);
  });

  it('lists words the tokenizer does not know', async () => {
    const r = await post(f.app, '/v1/search', { query: { text: 'cortical plate zebrafish' } });
    expect(r.json.unknownWords).toEqual(['zebrafish']);
  });

  it('finds a stored tile first, with score ≈ 1, when queried by its id', async () => {
    const id = [...f.catalog.itemsById.keys()][37]!;
    const r = await post(f.app, '/v1/search', { query: { tileId: id }, limit: 5 });
    expect(r.status).toBe(200);
    expect(r.json.results[0].id).toBe(id);
    expect(r.json.results[0].score).toBeCloseTo(1, 5);
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
    const r = await post(f.app, '/v1/search', { query: { text: 'ganglionic' }, filter: { regions: ['Pal'] }, limit: 200 });
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

  it('drops results under minScore', async () => {
    const r = await post(f.app, '/v1/search', { query: { text: 'cortical plate' }, limit: 100, minScore: 0.5 });
    expect(r.json.results.length).toBe(24);
    expect(r.json.results.every((x: { score: number }) => x.score >= 0.5)).toBe(true);
  });

  it('caps results per section', async () => {
    const r = await post(f.app, '/v1/search', { query: { text: 'cortical plate' }, limit: 12, perSection: 2 });
    expect(r.json.results).toHaveLength(12);
    const counts = new Map<string, number>();
    for (const x of r.json.results) counts.set(x.section, (counts.get(x.section) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBe(2);
    expect(counts.size).toBe(6);
    const second = await post(f.app, '/v1/search', { query: { text: 'cortical plate' }, limit: 6, offset: 6, perSection: 2 });
    expect(second.json.results.map((x: { id: string }) => x.id)).toEqual(r.json.results.slice(6).map((x: { id: string }) => x.id));
  });

  it('searches by an uploaded image, JSON base64 and multipart alike', async () => {
    const sharp = (await import('sharp')).default;
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#a0a0f0' } }).png().toBuffer();
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

  it('counts searches in /metrics', async () => {
    const text = await (await f.app.request('/metrics')).text();
    expect(text).toMatch(/cytoclip_searches_total\{query="text",target="tiles"\} \d+/);
    expect(text).toMatch(/cytoclip_http_request_duration_seconds_bucket\{method="POST",route="\/v1\/search",le="\+Inf"\} \d+/);
  });
});
