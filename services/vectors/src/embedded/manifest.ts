import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CytoclipError } from '@cytoclip/domain';
import { writeAtomic } from './files.js';

export const MANIFEST_FORMAT = 'cytoclip-vectors/1';

/** The one file that says what a collection holds; replaced atomically after each segment is durable. */
export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  /** The points' data format (`DATA_VERSION`); absent in manifests written before the stamp: 1. */
  dataVersion?: number;
  name: string;
  dim: number;
  quantization: 'none' | 'int8';
  segments: string[];
  nextSegment: number;
}

export function readManifest(dir: string): Manifest | null {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) return null;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch (cause) {
    throw new CytoclipError('corrupt_store', `vector manifest ${path} is not JSON`, { status: 500, cause });
  }
  if (manifest.format !== MANIFEST_FORMAT) {
    throw new CytoclipError(
      'unsupported_format',
      `vector manifest ${path} has format "${manifest.format}", expected ${MANIFEST_FORMAT}`,
      {
        status: 500,
      },
    );
  }
  return manifest;
}

export function writeManifest(dir: string, manifest: Manifest): void {
  writeAtomic(join(dir, 'manifest.json'), [Buffer.from(JSON.stringify(manifest, null, 1))]);
}

/** Removes what a killed writer left behind: temp files and segments the manifest never listed. */
export function removeLeftovers(dir: string, manifest: Manifest): void {
  const listed = new Set(manifest.segments);
  for (const file of readdirSync(dir)) {
    if (!listed.has(file) && (file.includes('.tmp-') || file.startsWith('seg-')))
      rmSync(join(dir, file), { force: true });
  }
}
