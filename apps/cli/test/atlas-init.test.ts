import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '@cytoclip/cli';

let dir: string;
const geojson = (name: string, color: number[]) =>
  JSON.stringify({
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [0, 0],
              [10, 0],
              [10, 10],
              [0, 0],
            ],
          ],
        },
        properties: { classification: { name, color } },
      },
    ],
  });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cytoclip-init-'));
  for (const name of ['a.png', 'b.png', 'c.tif']) {
    await sharp({ create: { width: 32, height: 32, channels: 3, background: '#eee' } }).toFile(join(dir, name));
  }
  writeFileSync(join(dir, 'a.geojson'), geojson('CP', [255, 0, 0]));
  writeFileSync(join(dir, 'b.geojson'), geojson('SP', [0, 128, 0]));
});

async function init(...extra: string[]): Promise<number> {
  return main(['atlas', 'init', dir, '--name', 'lab', '--mpp', '0.5', ...extra]);
}

describe('cytoclip atlas init', () => {
  it('writes atlas.json and an ontology from the QuPath classes; pcw becomes GW + 2', async () => {
    writeFileSync(
      join(dir, 'meta.csv'),
      'Image,Specimen,Week,PCW,Plane\na.png,S01,21,,coronal\nb.png,S01,21,,coronal\n"c.tif",S02,,17.5,Sagittal\n',
    );
    expect(await init()).toBe(0);
    const atlas = JSON.parse(readFileSync(join(dir, 'atlas.json'), 'utf8'));
    expect(atlas.format).toBe('cytoclip-atlas/1');
    expect(atlas.name).toBe('lab');
    expect(atlas.specimens).toEqual([
      { id: 'S01', gestationalWeek: 21 },
      { id: 'S02', gestationalWeek: 19.5, ageSource: 'pcw 17.5' },
    ]);
    expect(atlas.sections.map((s: { id: string }) => s.id)).toEqual(['S01-cor-0001', 'S01-cor-0002', 'S02-sag-0001']);
    expect(atlas.sections[0]).toMatchObject({
      image: 'a.png',
      annotations: 'a.geojson',
      micronsPerPixel: 0.5,
      stain: 'nissl',
    });
    // c.tif has no GeoJSON: an unannotated section, its entry without "annotations".
    expect(atlas.sections[2]).not.toHaveProperty('annotations');
    const ontology = JSON.parse(readFileSync(join(dir, 'ontology.json'), 'utf8'));
    expect(ontology.regions.map((r: { acronym: string; color: string }) => [r.acronym, r.color])).toEqual([
      ['CP', '#ff0000'],
      ['SP', '#008000'],
    ]);
  });

  it('names every bad row and writes nothing', async () => {
    writeFileSync(
      join(dir, 'meta.csv'),
      'image,specimen,week,plane\na.png,S01,21,oblique\nmissing.png,S01,21,coronal\nb.png,S01,22,coronal\nc.tif,S02,,axial\n',
    );
    expect(await init()).toBe(2);
    expect(existsSync(join(dir, 'atlas.json'))).toBe(false);
  });

  it('refuses a CSV with an unterminated quote, and annotations that name no region, writing nothing', async () => {
    const err: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
    writeFileSync(join(dir, 'meta.csv'), 'image,specimen,week,plane\n"a.png,S01,21,coronal\n');
    expect(await init()).toBe(2);
    expect(err.join('')).toContain('meta.csv: unterminated quote');
    writeFileSync(join(dir, 'meta.csv'), 'image,specimen,week,plane,annotations\na.png,S01,21,coronal,empty.geojson\n');
    writeFileSync(join(dir, 'empty.geojson'), JSON.stringify({ type: 'FeatureCollection', features: [] }));
    expect(await init()).toBe(2);
    expect(err.join('')).toContain('no region names in the annotations');
    expect(existsSync(join(dir, 'atlas.json'))).toBe(false);
    vi.restoreAllMocks();
  });

  it('refuses to replace an atlas.json without --force', async () => {
    writeFileSync(join(dir, 'meta.csv'), 'image,specimen,week,plane\na.png,S01,21,coronal\n');
    expect(await init()).toBe(0);
    expect(await init()).toBe(2);
    expect(await init('--force')).toBe(0);
  });
});
