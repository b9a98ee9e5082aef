import { join } from 'node:path';
import { reindexLexical } from '@cytoclip/ingest';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixture, closeFixture, post } from './fixture.js';

// Several examples, negatives, a raw vector and a region of interest on the real stack (PGlite, the embedded store,
// the fixture ONNX model). The fixture's stored vectors are one-hot per region plus a wobble, so a tile example pulls
// its region's tiles first; the section image is a real pyramidal TIFF the region of interest is cut from.

type Fixture = Awaited<ReturnType<typeof buildFixture>>;
let f: Fixture;
const COLLECTION = 'cytoclip-tiny-random_1';
beforeAll(async () => {
  f = await buildFixture();
}, 300_000);
afterAll(closeFixture);

interface Result {
  id: string;
  score: number;
  region: { acronym: string };
}
const search = (query: object, extra: object = {}) => post(f.app, '/v1/search', { query, limit: 10, ...extra });
const ids = (r: { json: { results: Result[] } }) => r.json.results.map((x) => x.id);
const regions = (r: { json: { results: Result[] } }) => r.json.results.map((x) => x.region.acronym);
/** Tiles by region: row 0 of each section is CP, row 1 SP, row 2 GE (fixture.ts). */
const tilesOf = (region: string) => f.tileIds.filter((id) => f.tiles.get(id)!.region === region);
const fieldOf = (r: { json: { errors?: { field: string }[] } }) => r.json.errors?.map((e) => e.field);

async function stored(id: string): Promise<Float32Array> {
  return (await f.vectors.get(COLLECTION, id))!;
}
const unit = (v: Float32Array) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('positive examples', () => {
  it('ranks by the weighted mean of the examples, leaves the examples out, score the cosine with it', async () => {
    const [a, b] = tilesOf('CP');
    const r = await search({ positive: [{ tileId: a }, { tileId: b }] }, { limit: 22 });
    expect(r.status).toBe(200);
    expect(ids(r)).not.toContain(a);
    expect(ids(r)).not.toContain(b);
    expect(regions(r)).toEqual(Array(22).fill('CP'));
    const [va, vb] = [unit(await stored(a!)), unit(await stored(b!))];
    const q = unit(va.map((x, i) => x + vb[i]!));
    for (const x of r.json.results) expect(x.score).toBeCloseTo(dot(q, await stored(x.id)), 4);
  });

  it('weighs each example', async () => {
    const [cp] = tilesOf('CP');
    const [sp] = tilesOf('SP');
    const toSp = await search({
      positive: [
        { tileId: cp, weight: 1 },
        { tileId: sp, weight: 3 },
      ],
    });
    expect(regions(toSp)[0]).toBe('SP');
    const toCp = await search({ positive: [{ tileId: cp, weight: 3 }, { tileId: sp }] });
    expect(regions(toCp)[0]).toBe('CP');
  });

  it('takes text and an image together, reads the text for words and suggestions', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#503c78' } })
      .png()
      .toBuffer();
    const r = await search({
      positive: [{ text: 'cortical plate zebrafish' }, { image: png.toString('base64'), weight: 0.5 }],
    });
    expect(r.status).toBe(200);
    expect(r.json.retrieval).toBe('hybrid');
    expect(r.json.unknownWords).toContain('zebrafish');
    expect(r.json.suggestedFilter).toMatchObject({ regions: ['CP'] });
    expect(r.json.results).toHaveLength(10);
    // Text and an image: the image cutoff kind; lexical retrieval reads the text examples.
    const lexical = await search(
      { positive: [{ text: 'subplate' }, { tileId: tilesOf('CP')[0] }] },
      { retrieval: 'lexical' },
    );
    expect(lexical.status).toBe(200);
  });

  it('is what a one-kind query is when given one example', async () => {
    const one = await search({ positive: [{ text: 'subplate' }] }, { retrieval: 'dense', cutoff: 'none' });
    const plain = await search({ text: 'subplate' }, { retrieval: 'dense', cutoff: 'none' });
    expect(ids(one)).toEqual(ids(plain));
    expect(one.json.results.map((x: Result) => x.score)).toEqual(plain.json.results.map((x: Result) => x.score));
  });
});

describe('other routes taking a query', () => {
  it('draws the trajectory of several examples', async () => {
    const [cp] = tilesOf('CP');
    const [sp] = tilesOf('SP');
    const r = await post(f.app, '/v1/trajectory', {
      query: { positive: [{ tileId: cp }], negative: [{ tileId: sp }] },
    });
    expect(r.status).toBe(200);
    expect(r.json.weeks.map((w: { gestationalWeek: number }) => w.gestationalWeek)).toEqual([16, 21, 30]);
    const bad = await post(f.app, '/v1/trajectory', { query: { positive: [{ tileId: cp, weight: 0 }] } });
    expect(fieldOf(bad)).toEqual(['query.positive.0.weight']);
  });
});

describe('negative examples', () => {
  it('moves away from the negatives (2·p − n) and leaves them out of every page and of total', async () => {
    const [cp] = tilesOf('CP');
    const [sp] = tilesOf('SP');
    const query = { positive: [{ tileId: cp }], negative: [{ tileId: sp }] };
    const all = await search(query, { limit: 100, cutoff: 'none', retrieval: 'dense' });
    expect(all.status).toBe(200);
    expect(all.json.total).toBe(94);
    expect(ids(all)).toHaveLength(94);
    expect(ids(all)).not.toContain(cp);
    expect(ids(all)).not.toContain(sp);
    expect(regions(all).slice(0, 23)).toEqual(Array(23).fill('CP'));
    expect(regions(all).slice(-23)).toEqual(Array(23).fill('SP'));
    const [p, n] = [unit(await stored(cp!)), unit(await stored(sp!))];
    const q = unit(p.map((x, i) => 2 * x - n[i]!));
    expect(all.json.results[0].score).toBeCloseTo(dot(q, await stored(all.json.results[0].id)), 4);
    // Short pages read past themselves; the negative far down the ranking is still out of total.
    const paged: string[] = [];
    for (let offset = 0; offset < 94; offset += 9) {
      const page = await search(query, { limit: 9, offset, cutoff: 'none', retrieval: 'dense' });
      expect(page.json.total).toBe(94);
      paged.push(...ids(page));
    }
    expect(paged).toEqual(ids(all));
  });

  it('counts examples a filter or perSection leaves out of the ranking as outside it', async () => {
    const [cp] = tilesOf('CP');
    const sp = tilesOf('SP').find((id) => f.tiles.get(id)!.section !== f.tiles.get(cp!)!.section)!;
    const section = f.tiles.get(cp!)!.section;
    const query = { positive: [{ tileId: cp }], negative: [{ tileId: sp }] };
    // The negative lies in another section: the filter leaves it out, the positive is left out as an example.
    const filtered = await search(query, { filter: { sections: [section] }, limit: 3, cutoff: 'none' });
    expect(filtered.json.total).toBe(15);
    const perSection = await search(query, { perSection: 2, limit: 3, cutoff: 'none' });
    const everyPage = await search(query, { perSection: 2, limit: 100, cutoff: 'none' });
    expect(perSection.json.total).toBe(everyPage.json.results.length);
  });

  it('takes negatives beside one kind (text, tile, vector)', async () => {
    const [sp] = tilesOf('SP');
    const r = await search({ text: 'subplate', negative: [{ tileId: sp }] }, { cutoff: 'none', limit: 100 });
    expect(r.status).toBe(200);
    expect(ids(r)).not.toContain(sp);
    expect(r.json.total).toBe(95);
  });
});

describe('a raw vector', () => {
  it('ranks by the given embedding (normalised); the item it was read from is not left out', async () => {
    const [cp] = tilesOf('CP');
    const v = await stored(cp!);
    const r = await search({ vector: Array.from(v, (x) => x * 3) }, { limit: 3 });
    expect(r.status).toBe(200);
    expect(ids(r)[0]).toBe(cp);
    expect(r.json.results[0].score).toBeCloseTo(1, 4);
  });
});

describe('a region of interest', () => {
  const section = 'S01-cor-0001';

  it("is cut at the model's µm/px, tiled and averaged, the same as uploading that patch", async () => {
    const r = await search({ sectionRegion: { section, bbox: [200, 10, 200, 100] } }, { cutoff: 'none' });
    expect(r.status).toBe(200);
    const notice = r.json.notices.find((n: { code: string }) => n.code === 'region_of_interest');
    expect(notice.message).toMatch(/\[200, 10, 200, 100\] of section S01-cor-0001.*8 tiles \(4 × 2\) averaged/);
    expect(r.json.upload.tiles).toMatchObject({ count: 8, columns: 4, rows: 2 });
    expect(r.json.upload.modelMicronsPerPixel).toBe(1);
    // The same patch cut from the stored copy here and uploaded at its scale embeds alike.
    const patch = await sharp(join(f.dir, 'sections/tiny/section.tif'))
      .extract({ left: 200, top: 10, width: 200, height: 100 })
      .png()
      .toBuffer();
    const upload = await search({ image: patch.toString('base64') }, { micronsPerPixel: 1, cutoff: 'none' });
    expect(ids(r)).toEqual(ids(upload));
    r.json.results.forEach((x: Result, i: number) => expect(x.score).toBeCloseTo(upload.json.results[i].score, 3));
  });

  it('grows a box smaller than one tile to one tile, inside the section', async () => {
    const r = await search({ sectionRegion: { section, bbox: [880, 880, 10, 10] } });
    expect(r.status).toBe(200);
    const notice = r.json.notices.find((n: { code: string }) => n.code === 'region_of_interest');
    expect(notice.message).toMatch(/\[832, 832, 64, 64\].*1 tile \(1 × 1\) averaged; the box was grown/);
  });

  it('refuses an unknown section (404) and a box outside the section or too large (422), naming the field', async () => {
    const unknown = await search({ sectionRegion: { section: 'nope', bbox: [0, 0, 10, 10] } });
    expect(unknown.status).toBe(404);
    expect(fieldOf(unknown)).toEqual(['query.sectionRegion.section']);
    for (const bbox of [
      [800, 0, 200, 100],
      [-1, 0, 10, 10],
      [0, 0, 0, 10],
      [0, 0, 8193, 10],
    ]) {
      const r = await search({ sectionRegion: { section, bbox } });
      expect(r.status, JSON.stringify(bbox)).toBe(422);
      expect(fieldOf(r)).toEqual(['query.sectionRegion.bbox']);
    }
  });
});

describe('bad input', () => {
  const unknownTile = '00000000-0000-5000-8000-000000000000';

  it('names the field of each mistake, and stores nothing', async () => {
    const before = await f.vectors.count(COLLECTION, {});
    const [cp] = tilesOf('CP');
    const cases: [object, number, string][] = [
      [{ positive: Array(17).fill({ tileId: cp }) }, 400, 'query.positive'],
      [{ positive: [{ tileId: cp }], negative: Array(17).fill({ text: 'a' }) }, 400, 'query.negative'],
      [{ positive: [{ tileId: cp, weight: 0 }] }, 400, 'query.positive.0.weight'],
      [{ positive: [{ tileId: cp, weight: -1 }] }, 400, 'query.positive.0.weight'],
      [{ positive: [{ tileId: cp, weight: '2' }] }, 400, 'query.positive.0.weight'],
      [{ positive: [{ tileId: cp, weight: 1e308 * 10 }] }, 400, 'query.positive.0.weight'],
      [{ positive: [{ tileId: cp, text: 'both' }] }, 400, 'query.positive.0'],
      [{ positive: [{ tileId: cp }, { tileId: cp }, { tileId: unknownTile }] }, 404, 'query.positive.2.tileId'],
      [{ positive: [{ tileId: cp }], negative: [{ regionImageId: cp }] }, 422, 'query.negative.0.regionImageId'],
      [{ positive: [{ image: 'not base64!' }] }, 400, 'query.positive.0.image'],
      [{ negative: [{ tileId: cp }] }, 422, 'query.positive'],
      [{ positive: [], negative: [{ tileId: cp }] }, 422, 'query.positive'],
      [{ vector: [1, 2, 3] }, 422, 'query.vector'],
      [{ vector: Array(32).fill(0) }, 422, 'query.vector'],
      [{ vector: [] }, 400, 'query.vector'],
    ];
    for (const [query, status, field] of cases) {
      const r = await search(query);
      expect(r.status, JSON.stringify(query).slice(0, 120)).toBe(status);
      expect(fieldOf(r), JSON.stringify(query).slice(0, 120)).toContain(field);
    }
    // Junk in the new fields: refused as the caller's mistake, never a 5xx.
    for (const query of [
      { positive: 'x' },
      { positive: [null] },
      { positive: [{}] },
      { positive: [{ tileId: 'nope' }] },
      { positive: [{ text: '   ' }] },
      { positive: [{ tileId: cp, colour: 1 }] },
      { vector: ['1'] },
      { vector: Array(5000).fill(0.1) },
      { sectionRegion: { section: 'a\u0000b', bbox: [0, 0, 1, 1] } },
      { sectionRegion: { section: 'S01-cor-0001', bbox: [0, 0, 1] } },
      { sectionRegion: { section: 'S01-cor-0001', bbox: [0, 0, '1', 1] } },
      { sectionRegion: { section: 'S01-cor-0001', bbox: [1e300, 1e300, 1e300, 1e300] } },
      { sectionRegion: { section: 'S01-cor-0001' } },
      { sectionRegion: { section: 'S01-cor-0001', bbox: [0, 0, 10, 10] }, positive: [{ tileId: cp }] },
    ]) {
      const r = await search(query);
      expect(r.status, JSON.stringify(query).slice(0, 120)).toBeGreaterThanOrEqual(400);
      expect(r.status, JSON.stringify(query).slice(0, 120)).toBeLessThan(500);
      expect(r.type).toMatch(/problem\+json/);
    }
    const both = await search({ text: 'a', positive: [{ tileId: cp }] });
    expect(both.status).toBe(400);
    const lexical = await search({ positive: [{ tileId: cp }] }, { retrieval: 'lexical' });
    expect(fieldOf(lexical)).toEqual(['retrieval']);
    expect(await f.vectors.count(COLLECTION, {})).toBe(before);
  });
});

describe('hybrid retrieval with examples (after cytoclip reindex)', () => {
  beforeAll(async () => {
    await reindexLexical({ catalog: f.stack.catalog, vectors: f.stack.store });
    f.service.invalidate();
  });
  const lexicalRanks = (r: { json: { results: { rank?: { lexical?: number } }[] } }) =>
    r.json.results.filter((x) => x.rank?.lexical !== undefined).length;

  it('fuses the lexical list of the positive text with the dense list of the combined vector', async () => {
    const [cp] = tilesOf('CP');
    const query = { positive: [{ text: 'subplate' }, { tileId: cp }] };
    const r = await search(query, { limit: 100, cutoff: 'none' });
    expect(r.json.retrieval).toBe('hybrid');
    expect(r.json.notices.map((n: { code: string }) => n.code)).not.toContain('lexical_index_missing');
    expect(regions(r)[0]).toBe('SP');
    expect(lexicalRanks(r)).toBeGreaterThan(0);
    expect(ids(r)).not.toContain(cp);
    expect(r.json.total).toBe(ids(r).length);
    const paged: string[] = [];
    for (let offset = 0; offset < r.json.total; offset += 7)
      paged.push(...ids(await search(query, { limit: 7, offset, cutoff: 'none' })));
    expect(paged).toEqual(ids(r));
  });

  it('reads no words from negatives or stored examples: the dense list alone ranks them', async () => {
    const [cp] = tilesOf('CP');
    const r = await search({ positive: [{ tileId: cp }], negative: [{ text: 'subplate' }] }, { limit: 50 });
    expect(r.status).toBe(200);
    expect(lexicalRanks(r)).toBe(0);
    expect(r.json.suggestedFilter).toBeNull();
  });
});
