import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** ../shared beside the checkout (formats, reference NISSL images), or null where it is absent. */
export function sharedDir(): string | null {
  const dir = process.env.CYTOCLIP_SHARED_DIR ?? join(REPO_ROOT, '..', 'shared');
  return existsSync(join(dir, 'reference')) ? dir : null;
}
