import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDataset, generateAtlas, type DatasetItem } from '@cytoclip/atlas';

interface Feature {
  properties: { classification?: { name: string } };
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: number[][][] | number[][][][] };
}

/** Even-odd point in polygon over all rings, written independently of services/slides' rasteriser. */
function inside(polygon: number[][][], x: number, y: number): boolean {
  let odd = false;
  for (const ring of polygon) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i]!;
      const [xj, yj] = ring[j]!;
      if (yi! > y !== yj! > y && x < ((xj! - xi!) * (y - yi!)) / (yj! - yi!) + xi!) odd = !odd;
    }
  }
  return odd;
}

function regionAt(features: Feature[], x: number, y: number): string | null {
  for (const f of features) {
    const polygons =
      f.geometry.type === 'Polygon'
        ? [f.geometry.coordinates as number[][][]]
        : (f.geometry.coordinates as number[][][][]);
    if (polygons.some((p) => inside(p, x, y))) return f.properties.classification?.name ?? null;
  }
  return null;
}

describe('dataset builder on the generated tiny atlas', () => {
  const root = mkdtempSync(join(tmpdir(), 'dataset-tiny-'));
  let items: DatasetItem[];
  const atlasDir = join(root, 'atlas');

  beforeAll(async () => {
    await generateAtlas({ preset: 'tiny', seed: 1, out: atlasDir, weeks: [22], planes: ['coronal'] });
    await buildDataset({
      atlasDir,
      variant: 'tile',
      out: join(root, 'tiles'),
      cacheDir: join(root, 'cache'),
      minRegionShare: 0.6,
    });
    items = readFileSync(join(root, 'tiles', 'items.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DatasetItem);
  });

  it("agrees with the atlas's polygons on each tile's dominant region", () => {
    expect(items.length).toBeGreaterThan(10);
    let agree = 0;
    for (const item of items) {
      const section = JSON.parse(readFileSync(join(atlasDir, 'atlas.json'), 'utf8')).sections.find(
        (s: { id: string }) => s.id === item.section,
      );
      const features = JSON.parse(readFileSync(join(atlasDir, section.annotations), 'utf8')).features as Feature[];
      const counts = new Map<string, number>();
      const [x0, y0, w, h] = item.bbox!;
      for (let y = y0 + 1; y < y0 + h; y += 4)
        for (let x = x0 + 1; x < x0 + w; x += 4) {
          const region = regionAt(features, x, y);
          if (region) counts.set(region, (counts.get(region) ?? 0) + 1);
        }
      const majority = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
      if (majority === item.region) agree++;
    }
    expect(agree / items.length).toBeGreaterThanOrEqual(0.95);
  });

  it('writes rich captions from the generator’s age-specific descriptions', () => {
    const text = items.flatMap((i) => i.captions).join(' ');
    // Synonyms beyond the ontology's own words appear (the text encoder learns them only from here).
    expect(text).toMatch(/hypocellular|low cell density|sparsely populated|hypercellular|cell-dense/);
    expect(text).toMatch(/22 GW|22 weeks|22 gestational weeks/);
    expect(text).toMatch(/second trimester|mid-gestation/);
  });
});
