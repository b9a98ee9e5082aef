import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256File } from '../src/package.js';

export const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixture-model');

/** A writable copy of the fixture package in a temp dir. */
export async function fixtureCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cytoclip-model-'));
  await cp(FIXTURE, dir, { recursive: true });
  return dir;
}

export async function readJson<T = Record<string, unknown>>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/** Edits a JSON file of a package copy and re-records its sha256 in model.json (so only the edit is wrong). */
export async function editPackageJson(
  dir: string,
  file: string,
  edit: (doc: Record<string, unknown>) => void,
): Promise<void> {
  const doc = await readJson(join(dir, file));
  edit(doc);
  await writeFile(join(dir, file), JSON.stringify(doc));
  const model = await readJson<{ files: Record<string, { path: string; sha256: string }> }>(join(dir, 'model.json'));
  for (const entry of Object.values(model.files))
    if (entry.path === file) entry.sha256 = await sha256File(join(dir, file));
  await writeFile(join(dir, 'model.json'), JSON.stringify(model));
}
