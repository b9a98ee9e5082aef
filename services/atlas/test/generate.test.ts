import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CytoclipError } from '@cytoclip/domain';
import { GENERATOR_NAME, GENERATOR_VERSION, generateAtlas, PRESETS, type GenerateResult } from '@cytoclip/atlas';

let root: string;
let first: GenerateResult;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'atlas-gen-'));
  first = await generateAtlas({ preset: 'tiny', seed: 1, out: join(root, 'a') });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function files(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const name of await readdir(dir, { recursive: true })) {
    const path = join(dir, name);
    if ((await stat(path)).isFile()) out.set(name, await readFile(path));
  }
  return out;
}

describe('generateAtlas (tiny preset)', () => {
  it('writes the atlas format of formats.md §1 with the generator recorded', async () => {
    const manifest = JSON.parse(await readFile(join(first.dir, 'atlas.json'), 'utf8'));
    expect(manifest.format).toBe('cytoclip-atlas/1');
    expect(manifest.generator).toEqual({
      name: GENERATOR_NAME,
      version: GENERATOR_VERSION,
      seed: 1,
      preset: 'tiny',
      presetRevision: PRESETS.tiny!.revision,
    });
    expect(new Set(manifest.sections.map((s: { plane: string }) => s.plane))).toEqual(
      new Set(['coronal', 'sagittal', 'axial']),
    );
    const ontology = JSON.parse(await readFile(join(first.dir, 'ontology.json'), 'utf8'));
    expect(ontology.format).toBe('cytoclip-ontology/1');
    for (const section of manifest.sections) {
      const geojson = JSON.parse(await readFile(join(first.dir, section.annotations), 'utf8'));
      expect(geojson.type).toBe('FeatureCollection');
      const names = geojson.features.map(
        (f: { properties: { classification: { name: string } } }) => f.properties.classification.name,
      );
      for (const name of names)
        expect(ontology.regions.some((r: { acronym: string }) => r.acronym === name)).toBe(true);
    }
  });

  it('is deterministic: the same seed gives byte-identical files, another seed different images', async () => {
    const again = await generateAtlas({ preset: 'tiny', seed: 1, out: join(root, 'b') });
    const other = await generateAtlas({ preset: 'tiny', seed: 2, out: join(root, 'c'), planes: ['coronal'] });
    const a = await files(first.dir);
    const b = await files(again.dir);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, bytes] of a) expect(b.get(name)!.equals(bytes), name).toBe(true);
    const c = await files(other.dir);
    const tif = [...c.keys()].find((k) => k.endsWith('.tif'))!;
    expect(c.get(tif)!.equals(a.get(tif)!)).toBe(false);
  });

  it('rejects an unknown preset, a week outside 13–40 and an unwritable folder, leaving nothing behind', async () => {
    await expect(generateAtlas({ preset: 'huge', seed: 1, out: join(root, 'x') })).rejects.toMatchObject({
      code: 'unknown_preset',
    });
    await expect(generateAtlas({ preset: 'tiny', seed: 1, out: join(root, 'x'), weeks: [12] })).rejects.toBeInstanceOf(
      CytoclipError,
    );
    await expect(generateAtlas({ preset: 'tiny', seed: 1, out: join(root, 'x'), weeks: [41] })).rejects.toMatchObject({
      code: 'week_out_of_range',
    });
    await expect(generateAtlas({ preset: 'tiny', seed: 1, out: first.dir })).rejects.toMatchObject({
      code: 'output_exists',
    });
    const locked = join(root, 'locked');
    await import('node:fs/promises').then((fs) => fs.mkdir(locked));
    await chmod(locked, 0o500);
    try {
      if (process.getuid?.() !== 0) {
        await expect(generateAtlas({ preset: 'tiny', seed: 1, out: join(locked, 'atlas') })).rejects.toMatchObject({
          code: 'output_unwritable',
        });
      }
      // A path under a regular file cannot be created whoever runs the test.
      await expect(
        generateAtlas({ preset: 'tiny', seed: 1, out: join(first.dir, 'atlas.json', 'sub') }),
      ).rejects.toMatchObject({ code: 'output_unwritable' });
    } finally {
      await chmod(locked, 0o700);
    }
    expect((await readdir(root)).sort()).toEqual(['a', 'b', 'c', 'locked']);
    expect(await readdir(locked)).toEqual([]);
  });
});
