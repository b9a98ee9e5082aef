import { realpath } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, resolve, win32 } from 'node:path';
import { CytoclipError } from './errors.js';

/**
 * The folders atlases may be read from: `CYTOCLIP_ATLAS_ROOTS` (`:`-separated), else `DATA_DIR/atlases`. The API reads
 * atlases only under them, and a symlink inside an atlas is followed only when its target lies under one of them.
 */
export function atlasRootsFromEnv(env: NodeJS.ProcessEnv = process.env, dataDir?: string): string[] {
  const roots = env.CYTOCLIP_ATLAS_ROOTS?.split(':').filter(Boolean);
  return (roots?.length ? roots : [join(dataDir ?? env.DATA_DIR ?? './data', 'atlases')]).map((r) => resolve(r));
}

/** True when `path` is `root` or lies below it (both absolute; no filesystem access). */
export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${posix.sep}`) && !isAbsolute(rel));
}

function refused(field: string, path: string, why: string): CytoclipError {
  return new CytoclipError('atlas_path_refused', `atlas.json ${field} ${JSON.stringify(path)}: ${why}`, {
    status: 422,
    detail: { field, path },
  });
}

/**
 * The file an atlas names (`image`, `annotations`, `ontology` in atlas.json), confined to the atlas: the name must be
 * relative and stay inside `root` as written, and where it exists, its real path (symlinks resolved) must lie inside
 * the atlas folder or under one of `roots` (imports link downloaded images from there). Anything else is refused,
 * naming the field and the path, before a byte of the file is read. A missing file resolves to its path inside the
 * atlas, so the caller reports it as missing.
 */
export async function resolveInAtlas(
  root: string,
  path: string,
  roots: readonly string[],
  field = 'path',
): Promise<string> {
  if (typeof path !== 'string' || path === '') throw refused(field, String(path), 'must name a file');
  if (path.includes('\0')) throw refused(field, path, 'contains a NUL byte');
  if (posix.isAbsolute(path) || win32.isAbsolute(path))
    throw refused(field, path, 'must be relative to the atlas folder');
  const full = resolve(root, path);
  if (!isInside(full, resolve(root)) || full === resolve(root)) throw refused(field, path, 'leaves the atlas folder');
  const real = await realpath(full).catch(() => null);
  if (real === null) return full;
  const allowed = await realRoots([root, ...roots]);
  if (!allowed.some((r) => isInside(real, r)))
    throw refused(
      field,
      path,
      'is a link to a file outside the atlas folder and the atlas roots (CYTOCLIP_ATLAS_ROOTS)',
    );
  return real;
}

async function realRoots(roots: readonly string[]): Promise<string[]> {
  const found = await Promise.all(roots.map((r) => realpath(r).catch(() => null)));
  return found.filter((r): r is string => r !== null);
}
