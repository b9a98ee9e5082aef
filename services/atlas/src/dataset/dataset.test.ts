import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { isCytoclipError, type AtlasManifest, type Plane } from '@cytoclip/domain';
import { buildDataset, type DatasetItem } from '@cytoclip/atlas';

const ONTOLOGY = {
  format: 'cytoclip-ontology/1',
  regions: [
    {
      id: 1,
      acronym: 'CWall',
      name: 'cortical wall',
      parent: null,
      description: 'The fetal cortical wall.',
      color: '#888888',
    },
    {
      id: 2,
      acronym: 'CP',
      name: 'cortical plate',
      parent: 'CWall',
      description: 'Densely packed, darkly stained small neurons in radial columns.',
      color: '#aa3333',
    },
    {
      id: 3,
      acronym: 'SP',
      name: 'subplate zone',
      parent: 'CWall',
      description: 'A wide, cell-sparse zone of pale neuropil with scattered large neurons.',
      color: '#33aa33',
    },
    {
      id: 4,
      acronym: 'VZ',
      name: 'ventricular zone',
      parent: 'CWall',
      description: 'Very densely packed, radially elongated nuclei in tight palisades.',
      color: '#3333aa',
    },
  ],
};

const rect = (x0: number, y0: number, x1: number, y1: number) => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];
const feature = (name: string, rings: number[][][]) => ({
  type: 'Feature',
  properties: { classification: { name } },
  geometry: { type: 'Polygon', coordinates: rings },
});

/** 800×600 section at 2 µm/px: glass border, CP left third, SP middle, VZ right third, each its own violet. */
async function writeSection(path: string, shade: number): Promise<void> {
  const w = 800;
  const h = 600;
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let c = [248, 248, 250];
      if (x >= 50 && x < 750 && y >= 50 && y < 550)
        c = x < 283 ? [110, 80, 170] : x < 516 ? [190, 170, 220] : [70, 50, 150];
      // Somata: a dotted texture so tiles are not flat colour.
      if (c[0] !== 248 && (x * 7 + y * 13) % 23 === 0) c = c.map((v) => v - shade);
      data.set(c, (y * w + x) * 3);
    }
  await sharp(data, { raw: { width: w, height: h, channels: 3 } })
    .tiff({ tile: true, pyramid: true, compression: 'deflate' })
    .toFile(path);
}

const GEOJSON = {
  type: 'FeatureCollection',
  features: [
    feature('CP', [rect(50, 50, 283, 550)]),
    feature('SP', [rect(283, 50, 516, 550)]),
    feature('VZ', [rect(516, 50, 750, 550)]),
  ],
};

/** A hand-made atlas: seen ages 18, 20, 24, 27, 33, held-out 16 and 21 GW; coronal and axial sections of each. */
async function writeAtlas(dir: string, geojson: unknown = GEOJSON): Promise<AtlasManifest> {
  mkdirSync(join(dir, 'sections'), { recursive: true });
  const weeks = [18, 20, 24, 27, 33, 16, 21];
  const specimens = weeks.map((w, i) => ({ id: `S0${i + 1}`, gestationalWeek: w }));
  const sections = [];
  await writeSection(join(dir, 'sections', 'shared.tif'), 40);
  writeFileSync(join(dir, 'sections', 'shared.geojson'), JSON.stringify(geojson));
  for (const s of specimens) {
    for (const plane of ['coronal', 'axial'] as Plane[]) {
      sections.push({
        id: `${s.id}-${plane}`,
        specimen: s.id,
        plane,
        index: 1,
        stain: 'nissl',
        image: 'sections/shared.tif',
        micronsPerPixel: 2,
        annotations: 'sections/shared.geojson',
      });
    }
  }
  const manifest: AtlasManifest = {
    format: 'cytoclip-atlas/1',
    name: 'hand-atlas',
    ontology: 'ontology.json',
    specimens,
    sections,
  };
  writeFileSync(join(dir, 'atlas.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'ontology.json'), JSON.stringify(ONTOLOGY));
  return manifest;
}

const root = mkdtempSync(join(tmpdir(), 'dataset-'));
const atlasDir = join(root, 'atlas');
const cacheDir = join(root, 'cache');
const readItems = (dir: string): DatasetItem[] =>
  readFileSync(join(dir, 'items.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as DatasetItem);

beforeAll(async () => {
  await writeAtlas(atlasDir);
});

describe('buildDataset: tile variant', () => {
  const out = join(root, 'tiles');
  let items: DatasetItem[];
  beforeAll(async () => {
    await buildDataset({ atlasDir, variant: 'tile', out, cacheDir });
    items = readItems(out);
  });

  it('writes dataset.json, the ontology, items.jsonl and one model-size PNG per item', async () => {
    const dataset = JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8'));
    expect(dataset).toMatchObject({
      format: 'cytoclip-dataset/1',
      variant: 'tile',
      ontology: 'ontology.json',
      image: { size: 224 },
    });
    expect(JSON.parse(readFileSync(join(out, 'ontology.json'), 'utf8'))).toEqual(ONTOLOGY);
    expect(readdirSync(join(out, 'images'))).toHaveLength(items.length);
    for (const item of items.slice(0, 5)) {
      const meta = await sharp(join(out, item.image)).metadata();
      expect([meta.width, meta.height, meta.channels]).toEqual([224, 224, 3]);
    }
    expect(readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it("labels tiles by the polygons: each tile of a clean column carries that column's region", () => {
    // 2 µm/px section, 224 px at 1 µm/px: 112-px boxes. A box wholly inside one column must carry it.
    const column = (x: number) => (x < 283 ? 'CP' : x < 516 ? 'SP' : 'VZ');
    const whole = items.filter((i) => column(i.bbox![0]) === column(i.bbox![0] + i.bbox![2] - 1));
    expect(whole.length).toBeGreaterThan(items.length / 2);
    for (const item of whole) expect(item.region).toBe(column(item.bbox![0]));
    for (const item of items) expect(item.regionShare).toBeGreaterThanOrEqual(0.5);
  });

  it('follows the fixed split protocol: held-out ages and the axial plane are test sets; specimens never straddle splits', () => {
    const byId = new Map<string, Set<string>>();
    for (const item of items) {
      if (item.gestationalWeek === 16 || item.gestationalWeek === 21) {
        expect(item.split).toBe('test');
        expect(item.testSet).toBe(item.plane === 'axial' ? 'held-out-both' : 'held-out-age');
      } else if (item.plane === 'axial') {
        expect(item).toMatchObject({ split: 'test', testSet: 'held-out-plane' });
      } else {
        byId.set(item.specimen, (byId.get(item.specimen) ?? new Set()).add(item.split));
        if (item.split === 'test') expect(item.testSet).toBe('seen');
      }
    }
    expect([...byId.values()].every((splits) => splits.size === 1)).toBe(true);
    const specimenSplits = [...byId.values()].map((s) => [...s][0]);
    expect(specimenSplits.filter((s) => s === 'train').length).toBeGreaterThanOrEqual(3);
    expect(specimenSplits).toContain('val');
    expect(specimenSplits).toContain('test');
    expect(
      items.some((i) => i.split === 'train' && (i.plane === 'axial' || [16, 21].includes(i.gestationalWeek))),
    ).toBe(false);
  });

  it('writes several distinct captions per item that name the region, the age and the plane', () => {
    for (const item of items.slice(0, 20)) {
      expect(item.captions.length).toBe(5);
      expect(new Set(item.captions).size).toBe(5);
      const text = item.captions.join(' ');
      const region = ONTOLOGY.regions.find((r) => r.acronym === item.region)!;
      expect(text).toContain(region.name);
      expect(text).toMatch(new RegExp(`\\b${item.gestationalWeek}\\b`));
      expect(text).toMatch(item.plane === 'axial' ? /axial|horizontal|transverse/ : /coronal|frontal/);
    }
  });

  it('is deterministic: the same atlas gives byte-identical items', async () => {
    const again = join(root, 'tiles-again');
    await buildDataset({ atlasDir, variant: 'tile', out: again, cacheDir });
    expect(readFileSync(join(again, 'items.jsonl'), 'utf8')).toBe(readFileSync(join(out, 'items.jsonl'), 'utf8'));
  });

  it('caps items per region with maxPerRegion', async () => {
    const capped = join(root, 'tiles-capped');
    const result = await buildDataset({ atlasDir, variant: 'tile', out: capped, cacheDir, maxPerRegion: 7 });
    expect(Object.values(result.regions).every((n) => n <= 7)).toBe(true);
    expect(readItems(capped)).toHaveLength(result.items);
  });
});

describe('buildDataset: region variant', () => {
  it('writes one masked crop per region and section, with the ids ingest uses', async () => {
    const out = join(root, 'regions');
    const result = await buildDataset({ atlasDir, variant: 'region', out, cacheDir, size: 64 });
    expect(result.items).toBe(14 * 3);
    const items = readItems(out);
    const cp = items.find((i) => i.region === 'CP')!;
    expect(cp.bbox).toEqual([50, 50, 233, 500]);
    const { data, info } = await sharp(join(out, cp.image)).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([64, 64]);
    // CP is tall and narrow: padded white beside it, violet at its centre.
    expect([...data.subarray(0, 3)]).toEqual([255, 255, 255]);
    const centre = (32 * 64 + 32) * 3;
    expect(data[centre]!).toBeLessThan(160);
  });
});

describe('buildDataset: bad input leaves nothing behind', () => {
  const expectFailure = async (dir: string, out: string, code: string, message?: RegExp) => {
    const error = await buildDataset({ atlasDir: dir, variant: 'tile', out, cacheDir }).catch((e: unknown) => e);
    expect(isCytoclipError(error), String(error)).toBe(true);
    expect((error as { code: string }).code).toBe(code);
    if (message) expect((error as Error).message).toMatch(message);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  };

  it('refuses a malformed annotation, naming the file and the feature', async () => {
    const dir = join(root, 'bad-region');
    await writeAtlas(dir, {
      type: 'FeatureCollection',
      features: [feature('CP', [rect(50, 50, 283, 550)]), feature('XX', [rect(0, 0, 5, 5)])],
    });
    await expectFailure(
      dir,
      join(root, 'out-bad-region'),
      'unknown_region',
      /shared\.geojson: feature #1: region "XX"/,
    );
    const open = join(root, 'bad-ring');
    await writeAtlas(open, {
      type: 'FeatureCollection',
      features: [feature('CP', [rect(50, 50, 283, 550).slice(0, 4)])],
    });
    await expectFailure(open, join(root, 'out-bad-ring'), 'invalid_geometry');
  });

  it('refuses an unknown atlas version, a missing ontology and an unknown variant', async () => {
    const dir = join(root, 'bad-version');
    const manifest = await writeAtlas(dir);
    writeFileSync(join(dir, 'atlas.json'), JSON.stringify({ ...manifest, format: 'cytoclip-atlas/9' }));
    await expectFailure(dir, join(root, 'out-bad-version'), 'unsupported_format', /cytoclip-atlas\/9/);
    writeFileSync(join(dir, 'atlas.json'), JSON.stringify({ ...manifest, ontology: 'missing.json' }));
    await expectFailure(dir, join(root, 'out-missing'), 'missing_file');
    await expect(
      buildDataset({ atlasDir, variant: 'patch' as 'tile', out: join(root, 'x'), cacheDir }),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('refuses to overwrite an existing dataset unless asked', async () => {
    const out = join(root, 'exists');
    mkdirSync(out);
    await expect(buildDataset({ atlasDir, variant: 'region', out, cacheDir })).rejects.toMatchObject({
      code: 'output_exists',
    });
    await buildDataset({ atlasDir, variant: 'region', out, cacheDir, overwrite: true });
    expect(existsSync(join(out, 'dataset.json'))).toBe(true);
  });
});
