import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CytoclipModel } from '@cytoclip/model';
import { REPO_ROOT } from '../../../test/support/index.js';

export { tinyAtlas } from '../../../test/support/index.js';

export const FIXTURE_MODEL = join(REPO_ROOT, 'services/model/test/fixture-model');
/** Tests cut 64 px tiles at the sections' own 2 µm/px: no resize, a few hundred tiles for the tiny atlas. */
export const TEST_GRID = { micronsPerPixel: 2, size: 64 };

/** A writable copy of an atlas folder, for tests that break a section. */
export async function atlasCopy(src: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cytoclip-atlas-'));
  await cp(src, dir, { recursive: true });
  return dir;
}

/** The fixture as a region model: same graphs, its own name (a package's model.json is not hash-checked). */
export async function regionModelDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cytoclip-region-model-'));
  await cp(FIXTURE_MODEL, dir, { recursive: true });
  const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  manifest.name = 'cytoclip-tiny-random-region';
  manifest.variant = 'region';
  manifest.image.crop = 'none';
  manifest.image.micronsPerPixel = null;
  await writeFile(join(dir, 'model.json'), JSON.stringify(manifest));
  return dir;
}

export async function withVersion(dir: string, version: string): Promise<string> {
  const copy = await mkdtemp(join(tmpdir(), 'cytoclip-model-v-'));
  await cp(dir, copy, { recursive: true });
  const manifest = JSON.parse(await readFile(join(copy, 'model.json'), 'utf8'));
  manifest.version = version;
  await writeFile(join(copy, 'model.json'), JSON.stringify(manifest));
  return copy;
}

export async function openModels(): Promise<CytoclipModel[]> {
  return [
    await CytoclipModel.open(FIXTURE_MODEL, { intraOpNumThreads: 1 }),
    await CytoclipModel.open(await regionModelDir(), { intraOpNumThreads: 1 }),
  ];
}
