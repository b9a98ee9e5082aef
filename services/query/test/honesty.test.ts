import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needs, sharedDir } from '../../../test/support/index.js';
import { bundledStack, heldOutTiles, uncalibratedReason } from './bundled-stack.js';
import { post } from './fixture.js';

// Honest answers on the real stack: the bundled models (with the calibration their model.json carries) over the
// tiny atlas ingested for real. What the issue asks to show: total and pages agree under the default cutoff,
// gibberish matches at most 5 % of the tiles, out-of-distribution uploads are flagged and held-out demo tiles are
// not, classify answers with either variant, and an upload is tiled at the model's µm/px instead of centre-cropped.

const calibrated = needs('calibrated bundled models', uncalibratedReason());
const shared = sharedDir();

type Stack = Awaited<ReturnType<typeof bundledStack>>;
type Result = { id: string; score: number; region: { acronym: string } | null };
let s: Stack;
let allTiles: number;

describe.runIf(calibrated)('honest answers with the bundled models', () => {
  beforeAll(async () => {
    s = await bundledStack();
    const all = await post(s.app, '/v1/search', {
      query: { text: 'tissue' },
      retrieval: 'dense',
      cutoff: 'none',
      limit: 1,
    });
    allTiles = all.json.total;
  }, 600_000);
  afterAll(async () => s?.close());

  const search = (body: object) => post(s.app, '/v1/search', body);

  /** Every page of a request, `limit` at a time: the ids in order and the totals each page reported. */
  async function everyPage(body: object, limit: number) {
    const first = await search({ ...body, limit, offset: 0 });
    const ids: string[] = [];
    const totals = new Set<number>();
    for (let offset = 0; offset < first.json.total + limit; offset += limit) {
      const page = await search({ ...body, limit, offset });
      expect(page.status).toBe(200);
      totals.add(page.json.total);
      ids.push(...page.json.results.map((r: Result) => r.id));
    }
    return { first: first.json, ids, totals };
  }

  it('applies the calibrated text cutoff by default, and pages return exactly total results', async () => {
    const body = { query: { text: 'intermediate zone' } };
    const { first, ids, totals } = await everyPage(body, 7);
    const textCutoff = s.tileModel.info.calibration!.search.textCutoff;
    expect(first.cutoff).toEqual({ mode: 'auto', minScore: textCutoff, source: 'calibration' });
    expect(first.total).toBeGreaterThan(0);
    expect(first.total).toBeLessThan(allTiles);
    expect([...totals]).toEqual([first.total]);
    expect(ids).toHaveLength(first.total);
    expect(new Set(ids).size).toBe(ids.length);
    // Dense retrieval cuts every result at the cutoff (hybrid cuts its dense list; a word match stands on its own).
    const dense = await everyPage({ ...body, retrieval: 'dense' }, 50);
    expect(dense.ids).toHaveLength(dense.first.total);
    const all = await search({ ...body, retrieval: 'dense', limit: 200 });
    expect(all.json.results.length).toBeGreaterThan(0);
    expect(all.json.results.every((r: Result) => r.score >= textCutoff)).toBe(true);
  });

  it('pages a "similar to" search under the image cutoff without the query tile', async () => {
    const seed = await search({ query: { text: 'intermediate zone' }, limit: 1 });
    const tileId = seed.json.results[0].id;
    const { first, ids } = await everyPage({ query: { tileId } }, 5);
    expect(first.cutoff).toMatchObject({ mode: 'auto', source: 'calibration' });
    expect(first.cutoff.minScore).toBe(s.tileModel.info.calibration!.search.imageCutoff);
    expect(ids).toHaveLength(first.total);
    expect(ids).not.toContain(tileId);
  });

  it('cutoff "none" ranks every tile, and an explicit minScore replaces the calibrated cutoff', async () => {
    const dense = { query: { text: 'intermediate zone' }, retrieval: 'dense', limit: 1 };
    const none = await search({ ...dense, cutoff: 'none' });
    expect(none.json).toMatchObject({ total: allTiles, cutoff: { mode: 'none', minScore: null, source: 'request' } });
    const explicit = await search({ ...dense, minScore: -1 });
    expect(explicit.json).toMatchObject({ total: allTiles, cutoff: { mode: 'minScore', minScore: -1 } });
    const bad = await search({ query: { text: 'x' }, cutoff: 'some' });
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].field).toBe('cutoff');
  });

  it.each(['asdfgh qwerty', 'zzkq vbnm'])('gibberish "%s" matches at most 5 percent of the tiles', async (text) => {
    for (const retrieval of ['dense', 'hybrid']) {
      const r = await search({ query: { text }, retrieval, limit: 1 });
      expect(r.json.cutoff.source).toBe('calibration');
      expect(r.json.total / allTiles, retrieval).toBeLessThanOrEqual(0.05);
    }
  });

  it('says so when a filtered or named region has no tiles in the index', async () => {
    const regions = (await s.app.request('/v1/regions').then((r) => r.json())) as { regions: RegionNode[] };
    const empty = await firstEmptyLeaf(regions.regions);
    expect(empty, 'the tiny atlas lacks some leaf region').not.toBeNull();
    const filtered = await search({ query: { text: 'dense cells' }, filter: { regions: [empty!.acronym] } });
    expect(filtered.json.total).toBe(0);
    expect(filtered.json.notices).toContainEqual(
      expect.objectContaining({ code: 'no_data_for_region', regions: [empty!.acronym] }),
    );
    const named = await search({ query: { text: `${empty!.name} neurons` } });
    expect(named.json.notices).toContainEqual(
      expect.objectContaining({ code: 'no_data_for_region', regions: [empty!.acronym] }),
    );
    const present = await search({ query: { text: 'intermediate zone' }, filter: { regions: ['IZ'] } });
    expect(present.json.notices.filter((n: { code: string }) => n.code === 'no_data_for_region')).toEqual([]);
  });

  type RegionNode = { acronym: string; name: string; children: RegionNode[] };
  async function firstEmptyLeaf(nodes: RegionNode[]): Promise<RegionNode | null> {
    for (const node of nodes) {
      if (node.children.length) {
        const found = await firstEmptyLeaf(node.children);
        if (found) return found;
        continue;
      }
      const filter = { regions: [node.acronym] };
      const r = await search({ query: { text: 'x' }, retrieval: 'dense', cutoff: 'none', limit: 1, filter });
      if (r.json.total === 0) return node;
    }
    return null;
  }

  it('links the model card and says the models were trained on synthetic tissue', async () => {
    const r = await search({ query: { text: 'ventricular zone' } });
    expect(r.json.modelCard).toBe(`/v1/models/${s.tileModel.info.id}/card`);
    expect(r.json.notice).toMatch(/^trained on synthetic tissue \(cytoclip-synthetic-fetal-nissl/);
    const card = await s.app.request(r.json.modelCard);
    expect(card.status).toBe(200);
    expect(card.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(await card.text()).toMatch(/^# /);
    const missing = await s.app.request('/v1/models/nope@1/card');
    expect(missing.status).toBe(404);
  });

  describe('uploads', () => {
    let heldOut: Awaited<ReturnType<typeof heldOutTiles>>;
    beforeAll(async () => {
      heldOut = await heldOutTiles();
    }, 300_000);
    afterAll(async () => heldOut?.close());

    const classify = (body: object) => post(s.app, '/v1/classify', body);
    const b64 = (bytes: Buffer) => bytes.toString('base64');

    it('are in distribution when they are held-out demo tiles of regions the index holds', async () => {
      const counts = new Map<string, number>();
      const usable = [];
      for (const tile of heldOut.tiles) {
        if (!counts.has(tile.region)) {
          const r = await search({
            query: { text: 'x' },
            retrieval: 'dense',
            cutoff: 'none',
            limit: 1,
            filter: { regions: [tile.region] },
          });
          counts.set(tile.region, r.json.total);
        }
        if (counts.get(tile.region)! >= 10) usable.push(tile);
      }
      const sample = usable.filter((_, i) => i % Math.ceil(usable.length / 6) === 0);
      expect(sample.length).toBeGreaterThanOrEqual(4);
      for (const tile of sample) {
        const r = await search({ query: { image: b64(tile.png) }, micronsPerPixel: 2 });
        expect(r.status).toBe(200);
        expect(r.json.outOfDistribution, `${tile.region}: ${r.json.outOfDistributionReason}`).toBe(false);
        expect(r.json.upload).toMatchObject({ micronsPerPixel: 2, micronsPerPixelSource: 'request' });
        expect(r.json.upload.tiles.count).toBe(1);
        expect(r.json.cutoff.minScore).toBe(s.tileModel.info.calibration!.search.imageCutoff);
      }
    });

    it.runIf(needs('../shared/reference', shared ? null : '../shared/reference is absent'))(
      'are out of distribution when they are adult cortex or not a NISSL image at all (../shared/reference)',
      async () => {
        const reference = join(shared!, 'reference');
        const adult = await readFile(
          join(reference, 'adult-bigbrain-patch/bigbrain_s3467_cortex_chunk_merker_crop.png'),
        );
        const found = await search({ query: { image: b64(adult) } });
        expect(found.json.outOfDistribution).toBe(true);
        expect(found.json.outOfDistributionReason).toMatch(/nearest indexed image scores/);
        expect(found.json.upload.nearestCosine).toBeLessThan(found.json.upload.threshold);
        const judged = await classify({ image: b64(adult) });
        expect(judged.json.outOfDistribution).toBe(true);
        // A cell-segmentation output, not a stained section.
        const maskFile = join(reference, 'fetal-nissl-tiles-mitra/Croppedtest_imageS5_label.tiff');
        expect(existsSync(maskFile)).toBe(true);
        const mask = await classify({ image: b64(await readFile(maskFile)) });
        expect(mask.json.outOfDistribution).toBe(true);
        expect(mask.json.outOfDistributionReason).toMatch(/flat colour|mask/);
      },
    );

    it('classifies with either variant: tiles, regions, or the variant of the model named', async () => {
      const tile = heldOut.tiles[0]!.png;
      for (const [body, model] of [
        [{ target: 'tiles' }, s.tileModel],
        [{ target: 'regions' }, s.regionModel],
        [{ model: s.regionModel.info.id }, s.regionModel],
        [{}, s.tileModel],
      ] as const) {
        const r = await classify({ image: b64(tile), ...body });
        expect(r.status, JSON.stringify(r.json)).toBe(200);
        expect(r.json.model).toBe(model.info.id);
        expect(r.json.target).toBe(model.info.variant === 'tile' ? 'tiles' : 'regions');
        expect(r.json.temperature).toEqual({ value: model.info.calibration!.classify.temperature, calibrated: true });
        const sum = r.json.zeroShot.reduce((a: number, z: { score: number }) => a + z.score, 0);
        expect(sum).toBeGreaterThan(0);
        expect(sum).toBeLessThanOrEqual(1 + 1e-9);
        expect(r.json.notice).toMatch(/synthetic tissue/);
        expect(r.json.modelCard).toBe(`/v1/models/${model.info.id}/card`);
        expect(typeof r.json.outOfDistribution).toBe('boolean');
      }
      const wrong = await classify({ image: b64(tile), model: s.regionModel.info.id, target: 'tiles' });
      expect(wrong.status).toBe(404);
    });

    it('tiles a 1000 × 500 upload at the model µm/px: its right edge counts, its scale decides the grid', async () => {
      const left = heldOut.tiles[0]!.png;
      const right = heldOut.tiles.find((t) => t.region !== heldOut.tiles[0]!.region)!.png;
      // Two uploads alike but in the rightmost quarter, which a centre crop (x 250–750) never sees.
      const plain = await wide(left, left);
      const changed = await wide(left, right);
      const a = await classify({ image: b64(plain), micronsPerPixel: 0.5 });
      const b = await classify({ image: b64(changed), micronsPerPixel: 0.5 });
      // 0.5 µm/px: one 224 µm tile is 448 px, so 3 × 2 tiles cover 1000 × 500.
      expect(a.json.upload).toMatchObject({
        width: 1000,
        height: 500,
        micronsPerPixelSource: 'request',
        modelMicronsPerPixel: 2,
        tiles: { count: 6, columns: 3, rows: 2, capped: false },
      });
      expect(a.json.zeroShot).not.toEqual(b.json.zeroShot);
      // Unknown scale: the short side is one tile, so two tiles side by side; the right one still counts.
      const c = await classify({ image: b64(plain) });
      const d = await classify({ image: b64(changed) });
      expect(c.json.upload).toMatchObject({ micronsPerPixelSource: 'unknown', tiles: { count: 2, columns: 2 } });
      expect(c.json.upload.notes.join(' ')).toMatch(/µm\/px unknown/);
      expect(c.json.zeroShot).not.toEqual(d.json.zeroShot);
      // 8 µm/px: 28 px tiles, 36 × 18 = 648 of them; 64 evenly spread are used, and the answer says so.
      const e = await classify({ image: b64(plain), micronsPerPixel: 8 });
      expect(e.json.upload.tiles).toMatchObject({ gridTiles: 648, capped: true, max: 64 });
      expect(e.json.upload.tiles.count).toBeLessThanOrEqual(64);
      expect(e.json.upload.notes.join(' ')).toMatch(/648 tiles/);
    });

    it('reads µm/px from TIFF resolution tags and from OME-XML, and the multipart field', async () => {
      const tile = await sharp(heldOut.tiles[0]!.png).resize(448, 448).raw().toBuffer();
      const raw = { raw: { width: 448, height: 448, channels: 3 as const } };
      // 2,000 px/mm = 0.5 µm/px.
      const tagged = await sharp(tile, raw).tiff({ xres: 2000, yres: 2000, resolutionUnit: 'cm' }).toBuffer();
      const byTags = await classify({ image: b64(tagged) });
      expect(byTags.json.upload).toMatchObject({ micronsPerPixel: 0.5, micronsPerPixelSource: 'metadata' });
      const ome = omeTiff(tile, 448, 448, 0.5);
      const byOme = await classify({ image: b64(ome) });
      expect(byOme.json.upload).toMatchObject({ micronsPerPixel: 0.5, micronsPerPixelSource: 'metadata' });
      expect(byOme.json.upload.tiles.count).toBe(1);
      const form = new FormData();
      form.set('image', new Blob([new Uint8Array(ome)]), 'tile.tif');
      form.set('micronsPerPixel', '0.25');
      const multipart = await s.app.request('/v1/search/image', { method: 'POST', body: form });
      const answer = (await multipart.json()) as { upload: { micronsPerPixel: number; micronsPerPixelSource: string } };
      expect(answer.upload).toMatchObject({ micronsPerPixel: 0.25, micronsPerPixelSource: 'request' });
      const bad = await search({ query: { text: 'x' }, micronsPerPixel: 2 });
      expect(bad.status).toBe(400);
      expect(bad.json.errors[0].field).toBe('micronsPerPixel');
    });
  });
});

/** 1000 × 500: `tile` repeated over x < 750 and `edge` over the rightmost 250 px. */
async function wide(tile: Buffer, edge: Buffer): Promise<Buffer> {
  const at = (input: Buffer, left: number, top: number) => ({ input, left, top });
  const big = await sharp(tile).resize(250, 250).png().toBuffer();
  const other = await sharp(edge).resize(250, 250).png().toBuffer();
  const parts = [0, 250].flatMap((top) => [at(big, 0, top), at(big, 250, top), at(big, 500, top), at(other, 750, top)]);
  return sharp({ create: { width: 1000, height: 500, channels: 3, background: '#ffffff' } })
    .composite(parts)
    .png()
    .toBuffer();
}

/** A minimal uncompressed RGB OME-TIFF (one strip) whose ImageDescription carries PhysicalSizeX in µm. */
function omeTiff(rgb: Buffer, width: number, height: number, micronsPerPixel: number): Buffer {
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06">' +
    `<Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint8" SizeX="${width}" ` +
    `SizeY="${height}" SizeC="3" SizeZ="1" SizeT="1" PhysicalSizeX="${micronsPerPixel}" PhysicalSizeXUnit="µm" ` +
    `PhysicalSizeY="${micronsPerPixel}"/></Image></OME>\0`;
  const text = Buffer.from(xml, 'utf8');
  const entries: [number, number, number, number | Buffer][] = [
    [256, 4, 1, width],
    [257, 4, 1, height],
    [258, 3, 3, Buffer.from([8, 0, 8, 0, 8, 0])],
    [259, 3, 1, 1],
    [262, 3, 1, 2],
    [270, 2, text.length, text],
    [273, 4, 1, 0], // strip offset, patched below
    [277, 3, 1, 3],
    [278, 4, 1, height],
    [279, 4, 1, rgb.length],
    [284, 3, 1, 1],
  ];
  const ifdSize = 2 + entries.length * 12 + 4;
  let extra = 8 + ifdSize;
  const blobs: Buffer[] = [];
  const ifd = Buffer.alloc(ifdSize);
  ifd.writeUInt16LE(entries.length, 0);
  const dataStart = extra + [text.length, 6].reduce((a, b) => a + b, 0);
  entries.forEach(([tag, type, count, value], i) => {
    const at = 2 + i * 12;
    ifd.writeUInt16LE(tag, at);
    ifd.writeUInt16LE(type, at + 2);
    ifd.writeUInt32LE(count, at + 4);
    if (Buffer.isBuffer(value)) {
      ifd.writeUInt32LE(extra, at + 8);
      blobs.push(value);
      extra += value.length;
    } else if (tag === 273) ifd.writeUInt32LE(dataStart, at + 8);
    else if (type === 3) ifd.writeUInt16LE(value, at + 8);
    else ifd.writeUInt32LE(value, at + 8);
  });
  const header = Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0]);
  return Buffer.concat([header, ifd, ...blobs, rgb]);
}
