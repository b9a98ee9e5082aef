import { regionImageId } from '@cytoclip/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestedStack } from './fuzz-stack.js';
import { post } from './fixture.js';

// Examples and a region of interest over region images: the tiny atlas really ingested with the fixture ONNX model as a
// tile and as a region model (no µm/px: it takes whole images).

let stack: Awaited<ReturnType<typeof ingestedStack>>;
let section: { id: string; width: number; height: number };
let regionImages: string[];
let tile: string;
beforeAll(async () => {
  stack = await ingestedStack();
  const [atlas] = await stack.catalog.listAtlases();
  const [first] = await stack.catalog.listSections(atlas!.name);
  const detail = (await stack.catalog.getSection(first!.id, atlas!.name))!;
  section = { id: first!.id, width: detail.width, height: detail.height };
  regionImages = detail.annotations.map((a) => regionImageId(atlas!.name, first!.id, a.region));
  tile = (await stack.catalog.listTiles(atlas!.name, first!.id))[0]!.id;
}, 300_000);
afterAll(async () => stack?.close());

const search = (query: object, extra: object = {}) =>
  post(stack.app, '/v1/search', { query, target: 'regions', limit: 50, cutoff: 'none', ...extra });
const ids = (r: { json: { results: { id: string }[] } }) => r.json.results.map((x) => x.id);

describe('region images', () => {
  it('are examples left out of the results and of total', async () => {
    const all = await search({ text: 'cortex' }, { retrieval: 'dense' });
    const [a, b, c] = regionImages;
    const r = await search({
      positive: [{ regionImageId: a }, { regionImageId: b, weight: 2 }],
      negative: [{ regionImageId: c }],
    });
    expect(r.status).toBe(200);
    for (const id of [a, b, c]) expect(ids(r)).not.toContain(id);
    expect(r.json.total).toBe(all.json.total - 3);
  });

  it('refuse a tile example, naming it', async () => {
    const r = await search({ positive: [{ regionImageId: regionImages[0] }, { tileId: tile }] });
    expect(r.status).toBe(422);
    expect(r.json.errors).toEqual([{ field: 'query.positive.1.tileId', message: 'does not match target regions' }]);
  });

  it('are searched by a region of interest, the whole box given to the region model', async () => {
    const bbox = [0, 0, Math.min(section.width, 2000), Math.min(section.height, 1500)];
    const r = await search({ sectionRegion: { section: section.id, bbox } });
    expect(r.status).toBe(200);
    expect(r.json.upload).toMatchObject({ modelMicronsPerPixel: null, tiles: { count: 1 } });
    expect(r.json.notices.map((n: { code: string }) => n.code)).toContain('region_of_interest');
    expect(r.json.results.length).toBeGreaterThan(0);
  });
});
