import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reindexLexical } from '@cytoclip/ingest';
import { buildFixture, closeFixture, post } from './fixture.js';

// Hybrid retrieval on the real stack. The fixture's points are stored without lexical vectors (data ingested before
// them); `cytoclip reindex`'s function then gives them theirs, from the fixture ontology's names and descriptions and
// the thesaurus. The fixture model's text tower has random weights, so the dense list ranks text arbitrarily: what a
// test asserts about relevance comes from the lexical list.

type Fixture = Awaited<ReturnType<typeof buildFixture>>;
let f: Fixture;
beforeAll(async () => {
  f = await buildFixture();
}, 300_000);
afterAll(closeFixture);

interface Result {
  id: string;
  score: number;
  section: string;
  region: { acronym: string };
  rank?: { dense?: number; lexical?: number };
}
const search = async (body: Record<string, unknown>) => post(f.app, '/v1/search', { limit: 10, ...body });
const results = (r: { json: { results: Result[] } }) => r.json.results;
const codes = (r: { json: { notices: { code: string }[] } }) => r.json.notices.map((n) => n.code);

describe('data without lexical vectors', () => {
  it('answers hybrid and lexical requests from the dense list, with a notice naming cytoclip reindex', async () => {
    for (const retrieval of [undefined, 'hybrid', 'lexical'] as const) {
      const r = await search({ query: { text: 'subplate' }, ...(retrieval ? { retrieval } : {}) });
      expect(r.status).toBe(200);
      expect(r.json.retrieval).toBe(retrieval ?? 'hybrid');
      expect(codes(r)).toContain('lexical_index_missing');
      expect(r.json.notices.find((n: { code: string }) => n.code === 'lexical_index_missing').message).toMatch(
        /run cytoclip reindex/,
      );
      const dense = await search({ query: { text: 'subplate' }, retrieval: 'dense' });
      expect(results(r).map((x) => x.id)).toEqual(results(dense).map((x) => x.id));
      expect(results(r).map((x) => x.rank)).toEqual(results(r).map((_, i) => ({ dense: i + 1 })));
    }
  });
});

describe('after cytoclip reindex', () => {
  let denseScore: Map<string, number>;
  beforeAll(async () => {
    const [tiles] = await reindexLexical({ catalog: f.stack.catalog, vectors: f.stack.store });
    expect(tiles!.coverage).toEqual({ points: 96, lexical: 96 });
    f.service.invalidate();
    const all = await search({ query: { text: 'subplate' }, retrieval: 'dense', limit: 96 });
    denseScore = new Map(results(all).map((x) => [x.id, x.score]));
  });

  it('ranks lexically: only annotated items whose text has the words, score still the dense cosine', async () => {
    const r = await search({ query: { text: 'subplate' }, retrieval: 'lexical', limit: 96 });
    expect(r.json).toMatchObject({ retrieval: 'lexical', totalExact: true });
    expect(codes(r)).not.toContain('lexical_index_missing');
    // The subplate's own tiles first (its name); then tiles whose text mentions it (the cortical plate lies above it).
    expect(
      results(r)
        .slice(0, 24)
        .every((x) => x.region.acronym === 'SP'),
    ).toBe(true);
    expect(r.json.total).toBe(results(r).length);
    expect(results(r).some((x) => x.region.acronym === 'GE')).toBe(false);
    for (const x of results(r)) {
      expect(x.rank!.dense).toBeUndefined();
      expect(x.score).toBeCloseTo(denseScore.get(x.id)!, 5);
    }
    const ranks = results(r).map((x) => x.rank!.lexical!);
    expect(ranks[0]).toBe(1);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it('fuses both lists by default: the words decide the head, each result says where it ranked', async () => {
    const r = await search({ query: { text: 'subplate' }, limit: 30 });
    expect(r.json).toMatchObject({ retrieval: 'hybrid', total: 96, totalExact: true });
    expect(codes(r).filter((c) => c.startsWith('lexical') || c === 'no_lexical_terms')).toEqual([]);
    const head = results(r).slice(0, 24);
    expect(head.every((x) => x.region.acronym === 'SP' && x.rank!.lexical! >= 1 && x.rank!.dense! >= 1)).toBe(true);
    expect(
      results(r)
        .slice(24)
        .every((x) => x.region.acronym !== 'SP'),
    ).toBe(true);
    for (const x of results(r)) expect(x.score).toBeCloseTo(denseScore.get(x.id)!, 5);
    // Among items of equal lexical rank, the better dense rank comes first.
    const tied = head.filter((x) => x.rank!.lexical === head[0]!.rank!.lexical).map((x) => x.rank!.dense!);
    expect(tied).toEqual([...tied].sort((a, b) => a - b));
  });

  it('reaches items the words miss through the dense list, and pages one fused order', async () => {
    const whole = results(await search({ query: { text: 'subplate' }, limit: 60 }));
    const pages: Result[] = [];
    for (let offset = 0; offset < 60; offset += 20) {
      const page = await search({ query: { text: 'subplate' }, limit: 20, offset });
      expect(page.json.total).toBe(96);
      pages.push(...results(page));
    }
    expect(pages.map((x) => x.id)).toEqual(whole.map((x) => x.id));
    expect(whole.some((x) => x.rank!.lexical === undefined && x.rank!.dense !== undefined)).toBe(true);
  });

  it('applies minScore to the dense cosine of every fused result, and perSection to the fused order', async () => {
    const scores = [...denseScore.values()].sort((a, b) => a - b);
    const minScore = scores[Math.floor(scores.length / 2)]!;
    const cut = await search({ query: { text: 'subplate' }, minScore, limit: 96 });
    expect(results(cut).length).toBeGreaterThan(0);
    expect(results(cut).every((x) => x.score >= minScore)).toBe(true);
    expect(cut.json.total).toBe(scores.filter((s) => s >= minScore).length);
    const capped = await search({ query: { text: 'subplate' }, perSection: 2, limit: 96 });
    const perSection = new Map<string, number>();
    for (const x of results(capped)) perSection.set(x.section, (perSection.get(x.section) ?? 0) + 1);
    expect(Math.max(...perSection.values())).toBe(2);
    expect(capped.json.total).toBe(12);
    expect(results(capped)[0]!.region.acronym).toBe('SP');
  });

  it('ranks a query whose words no annotation holds, or an item query, by the dense list', async () => {
    const unknown = await search({ query: { text: 'zebrafish' } });
    const dense = await search({ query: { text: 'zebrafish' }, retrieval: 'dense' });
    expect(results(unknown).map((x) => x.id)).toEqual(results(dense).map((x) => x.id));
    const stop = await search({ query: { text: 'of the' } });
    expect(codes(stop)).toContain('no_lexical_terms');
    const tile = await search({ query: { tileId: f.tileIds[17] } });
    expect(tile.json.retrieval).toBe('hybrid');
    const tileDense = await search({ query: { tileId: f.tileIds[17] }, retrieval: 'dense' });
    expect(results(tile).map((x) => x.id)).toEqual(results(tileDense).map((x) => x.id));
  });

  it('refuses lexical retrieval without words, and an unknown mode, naming the field', async () => {
    for (const body of [
      { query: { tileId: f.tileIds[17] }, retrieval: 'lexical' },
      { query: { text: 'subplate' }, retrieval: 'sparse' },
    ]) {
      const r = await search(body);
      expect(r.status).toBe(400);
      expect(r.type).toMatch(/problem\+json/);
      expect(r.json.errors.map((e: { field: string }) => e.field)).toContain('retrieval');
    }
  });

  it('documents the modes, the default and the ranks in the OpenAPI document', async () => {
    const spec = (await (await f.app.request('/openapi.json')).json()) as {
      components: { schemas: Record<string, { properties?: Record<string, { enum?: string[] }>; enum?: string[] }> };
    };
    const { Retrieval, SearchResult } = spec.components.schemas;
    expect(Retrieval!.enum).toEqual(['hybrid', 'dense', 'lexical']);
    expect(SearchResult!.properties).toHaveProperty('rank');
    expect(spec.components.schemas.SearchResponse!.properties).toHaveProperty('suggestedFilter');
    expect(spec.components.schemas.SuggestedFilter!.properties).toHaveProperty('gestationalWeek');
  });
});

describe('words as filters', () => {
  it('suggests the age, plane, specimen and regions a text names, and applies none of them', async () => {
    const r = await search({ query: { text: 'subplate neurons at 20 pcw on a sagittal section of S01' } });
    expect(r.json.suggestedFilter).toEqual({
      gestationalWeek: { gte: 22, lte: 22 },
      planes: ['sagittal'],
      specimens: ['S01'],
      regions: ['SP'],
    });
    expect(r.json.total).toBe(96);
    expect(new Set(results(r).map((x) => x.section)).size).toBeGreaterThan(1);
    expect((await search({ query: { text: 'zebrafish' } })).json.suggestedFilter).toBeNull();
    expect((await search({ query: { tileId: f.tileIds[17] } })).json.suggestedFilter).toBeNull();
  });
});
