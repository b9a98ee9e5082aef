import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Catalog } from '@cytoclip/catalog';
import { CytoclipError, type SectionEntry } from '@cytoclip/domain';
import type { VectorStore } from '@cytoclip/vectors';
import { sectionPaths, type AtlasFiles } from './atlas-files.js';
import { hashText, type FileHashes } from './hashes.js';
import { removeAtlas, removeCopies } from './remove.js';

/** Bump when what goes into a fingerprint changes: every section is then redone once. */
const FINGERPRINT_VERSION = 1;

export interface SectionSource {
  /** SHA-256 of the section image's bytes: its copy under DATA_DIR is named by it. */
  imageHash: string;
  fingerprint: string;
}

/**
 * Everything a section's rows and points are made from, as one hash: its manifest entry (specimen, plane, index,
 * stain, µm/px), its specimen's gestational week, the content of its image and annotations, and the ontology's tree
 * (region paths travel in the points). Paths are left out, so a moved or renamed file with the same bytes is the same.
 */
export async function sectionSource(
  atlas: AtlasFiles,
  entry: SectionEntry,
  hashes: FileHashes,
): Promise<SectionSource> {
  const paths = await sectionPaths(atlas, entry);
  const imageHash = await hashes.of(paths.image);
  const specimen = atlas.manifest.specimens.find((s) => s.id === entry.specimen);
  const made = {
    v: FINGERPRINT_VERSION,
    specimen: entry.specimen,
    week: specimen?.gestationalWeek ?? null,
    plane: entry.plane,
    index: entry.index,
    stain: entry.stain,
    micronsPerPixel: entry.micronsPerPixel,
    image: imageHash,
    annotations: paths.annotations === null ? null : await hashes.of(paths.annotations),
    tree: treeHash(atlas),
  };
  return { imageHash, fingerprint: hashText(JSON.stringify(made)) };
}

const trees = new WeakMap<AtlasFiles, string>();

function treeHash(atlas: AtlasFiles): string {
  let hash = trees.get(atlas);
  if (hash === undefined) {
    // A region mapped to platform regions (sameAs) is filed under their paths too: a changed mapping redoes it.
    const edges = atlas.ontology.regions
      .map((r) => `${r.acronym}<${r.parent ?? ''}${r.sameAs?.length ? `=${r.sameAs.join(',')}` : ''}`)
      .sort();
    hash = hashText(edges.join('\n'));
    trees.set(atlas, hash);
  }
  return hash;
}

export interface Reconciled {
  /** Sections taken out because their source changed or they left the manifest; this run redoes those still listed. */
  withdrawn: string[];
  /** The atlas of that name was removed first (`replace`). */
  replaced: boolean;
}

/**
 * Before an atlas is (re)ingested, compares what the catalog holds under its name with what its files say now, so
 * nothing is served that catalog and vectors (or the files) disagree on:
 * - `replace`: the atlas of that name is removed first (rows, vectors, section copies), then ingested anew;
 * - a section whose fingerprint changed, or that left the manifest, is withdrawn (rows, outbox points, its copy; its
 *   vectors through the indexer) and, if still listed, redone by the run;
 * - the same name read from another folder where any stored section differs is another atlas: refused
 *   (`atlas_exists`, 409) naming both folders. A moved folder with the same content is the same atlas.
 * Rows written before fingerprints existed adopt the current one (they are trusted, not redone).
 */
export async function reconcileAtlas(options: {
  catalog: Catalog;
  vectors: VectorStore | undefined;
  dataDir: string;
  atlas: AtlasFiles;
  hashes: FileHashes;
  replace: boolean;
}): Promise<Reconciled> {
  const { catalog, atlas } = options;
  const name = atlas.manifest.name;
  const existing = await catalog.getAtlas(name);
  if (!existing) return { withdrawn: [], replaced: false };
  if (options.replace) {
    await removeAtlas({ catalog, vectors: options.vectors, dataDir: options.dataDir, name });
    return { withdrawn: [], replaced: true };
  }
  const { changed, adopt } = await compareSections(catalog, atlas, options.hashes);
  if (changed.length > 0 && !(await sameFolder(existing.root, atlas.root)))
    throw new CytoclipError(
      'atlas_exists',
      `an atlas named ${name} is already ingested from ${existing.root}, and ${atlas.root} holds a different one ` +
        `(${changed.length} section(s) differ): ingest it under another name, or replace the old one ` +
        `(cytoclip ingest --replace, POST /v1/ingest with "replace": true)`,
      {
        status: 409,
        detail: { atlas: name, ingestedFrom: existing.root, given: atlas.root, differ: changed.slice(0, 20) },
      },
    );
  if (adopt.size > 0) await catalog.adoptFingerprints(name, adopt);
  await removeCopies(options.dataDir, await catalog.withdrawSections(name, changed));
  await options.hashes.save();
  return { withdrawn: changed, replaced: false };
}

async function compareSections(catalog: Catalog, atlas: AtlasFiles, hashes: FileHashes) {
  const listed = new Map(atlas.manifest.sections.map((s) => [s.id, s]));
  const changed: string[] = [];
  const adopt = new Map<string, string>();
  for (const stored of await catalog.listSections(atlas.manifest.name)) {
    const entry = listed.get(stored.id);
    if (!entry) {
      changed.push(stored.id);
      continue;
    }
    // A file that cannot be read now keeps what is served; its job (if any) reports why.
    const now = await sectionSource(atlas, entry, hashes).catch(() => null);
    if (!now) continue;
    if (stored.fingerprint == null) adopt.set(stored.id, now.fingerprint);
    else if (stored.fingerprint !== now.fingerprint) changed.push(stored.id);
  }
  return { changed, adopt };
}

async function sameFolder(a: string, b: string): Promise<boolean> {
  const real = (p: string) => realpath(p).catch(() => resolve(p));
  return (await real(a)) === (await real(b));
}
