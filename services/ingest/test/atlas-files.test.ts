import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '@cytoclip/catalog';
import { ingestAtlas, readAtlas } from '@cytoclip/ingest';
import { CytoclipModel } from '@cytoclip/model';
import { openVectorStore, type VectorStore } from '@cytoclip/vectors';
import { atlasCopy, FIXTURE_MODEL, TEST_GRID, tinyAtlas } from './helpers.js';

// What an atlas may name: files inside its folder, or links into the atlas roots (imports link downloaded images).
// Absolute paths, `../` and links elsewhere are refused before a byte is read, so nothing outside leaks through the
// Deep Zoom route (the section copy) or through a recorded error (the annotations' first line).
const SECRET = 'root:x:0:0:root:/root:/bin/bash';

describe('atlas confinement', () => {
  let base: string;
  let dataDir: string;
  let roots: string;
  let catalog: Catalog;
  let vectors: VectorStore;
  let model: CytoclipModel;
  let manifest: { name: string; ontology: string; sections: { id: string; image: string; annotations: string }[] };
  let atlasDir: string;
  let outside: string;
  let copy: string;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'cytoclip-confine-'));
    dataDir = join(base, 'data');
    roots = join(base, 'atlases');
    outside = join(base, 'private');
    await mkdir(outside, { recursive: true });
    await mkdir(join(roots, 'downloads'), { recursive: true });
    const tiny = await tinyAtlas();
    atlasDir = join(roots, 'lab');
    copy = await atlasCopy(tiny);
    await symlink(copy, atlasDir);
    manifest = JSON.parse(await readFile(join(atlasDir, 'atlas.json'), 'utf8'));
    const [first] = manifest.sections;
    // A readable section image and a passwd-like text outside every root.
    await copyFile(join(atlasDir, first!.image), join(outside, 'secret.tif'));
    await writeFile(join(outside, 'passwd'), `${SECRET}\n`);
    catalog = await openCatalog({ dataDir });
    vectors = await openVectorStore({ dataDir });
    model = await CytoclipModel.open(FIXTURE_MODEL, { intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await model?.close();
    await vectors?.close();
    await catalog?.close();
    await rm(base, { recursive: true, force: true });
    await rm(copy, { recursive: true, force: true });
  });

  const ingest = (atlas: string) =>
    ingestAtlas({ atlas, catalog, vectors, models: [model], dataDir, tileGrid: TEST_GRID, atlasRoots: [roots] });

  it('refuses absolute, ../ and outward-linked section files, each section alone, naming the path', async () => {
    const [absImage, absAnnotations, upImage, linked, downloaded] = manifest.sections.map((s) => s.id);
    const edit = structuredClone(manifest);
    edit.name = 'lab-hostile';
    const entry = (id: string) => edit.sections.find((s) => s.id === id)!;
    entry(absImage!).image = join(outside, 'secret.tif');
    entry(absAnnotations!).annotations = join(outside, 'passwd');
    entry(upImage!).image = '../../private/secret.tif';
    await symlink(join(outside, 'passwd'), join(atlasDir, 'sections', 'linked.geojson'));
    entry(linked!).annotations = 'sections/linked.geojson';
    // A link into an atlas root is followed: the imported image ingests like any other.
    const image = join(roots, 'downloads', `${downloaded}.tif`);
    await copyFile(join(atlasDir, entry(downloaded!).image), image);
    await symlink(image, join(atlasDir, 'sections', 'downloaded.tif'));
    entry(downloaded!).image = 'sections/downloaded.tif';
    await writeFile(join(atlasDir, 'hostile.json'), JSON.stringify(edit));

    const report = await ingest(join(atlasDir, 'hostile.json'));
    const failures = Object.fromEntries(report.progress.failures.map((f) => [f.section, f.error]));
    const refused = {
      [absImage!]: 'image',
      [absAnnotations!]: 'annotations',
      [upImage!]: 'image',
      [linked!]: 'annotations',
    };
    for (const [id, field] of Object.entries(refused)) {
      expect(failures[id], id).toMatchObject({ code: 'atlas_path_refused' });
      expect(failures[id]!.message).toContain(`section ${id} ${field}`);
      expect(failures[id]!.message).toContain(JSON.stringify(entry(id)[field as 'image' | 'annotations']));
      expect(failures[id]!.message).not.toContain('root:x');
      expect(await catalog.getSection(id, 'lab-hostile')).toBeNull();
      expect(existsSync(join(dataDir, 'sections', 'lab-hostile', `${id}.tif`))).toBe(false);
    }
    expect(failures[downloaded!]).toBeUndefined();
    expect(await catalog.getSection(downloaded!, 'lab-hostile')).not.toBeNull();
    expect(report.processed.done).toBe(manifest.sections.length - 4);
  });

  it('refuses an ontology outside the atlas before anything is written', async () => {
    for (const ontology of [join(outside, 'passwd'), '../../private/passwd']) {
      await writeFile(join(atlasDir, 'outward.json'), JSON.stringify({ ...manifest, name: 'lab-outward', ontology }));
      const error = await ingest(join(atlasDir, 'outward.json')).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'atlas_path_refused', detail: { field: 'ontology', path: ontology } });
      expect((error as Error).message).not.toContain('root:x');
    }
    expect((await catalog.listAtlases()).map((a) => a.name)).not.toContain('lab-outward');
  });

  it('names a file that is not JSON without quoting it', async () => {
    await writeFile(join(atlasDir, 'notjson.json'), SECRET);
    await writeFile(join(atlasDir, 'bad.json'), JSON.stringify({ ...manifest, ontology: 'notjson.json' }));
    const error = await readAtlas(join(atlasDir, 'bad.json'), [roots]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'atlas_invalid', message: expect.stringContaining('notjson.json') });
    expect((error as Error).message).not.toContain('root:x');
  });
});
