import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAtlas, GENERATOR_VERSION } from '@cytoclip/atlas';

/** The tiny preset, generated once per machine and generator version, shared read-only by the test files. */
export async function tinyAtlas(): Promise<string> {
  const dir = join(tmpdir(), `cytoclip-ingest-tiny-${GENERATOR_VERSION}`);
  if (await exists(join(dir, 'atlas.json'))) return dir;
  try {
    await generateAtlas({ preset: 'tiny', seed: 7, out: dir });
  } catch (error) {
    // Another test file is generating it: wait for its atlas.json (written last, after the atomic rename).
    if ((error as { code?: string }).code !== 'output_exists') throw error;
    while (!(await exists(join(dir, 'atlas.json')))) await new Promise((r) => setTimeout(r, 500));
  }
  return dir;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
