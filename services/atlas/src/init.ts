import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import {
  CytoclipError,
  isPlane,
  type AtlasManifest,
  type Ontology,
  type OntologyRegion,
  type SectionEntry,
  type Specimen,
} from '@cytoclip/domain';
import { writeAtlasFiles } from './atlas-files.js';
import { parseCsv } from './import/csv.js';

/**
 * An atlas made of a lab's own folder: section images, QuPath GeoJSON exports and a CSV with one row per image.
 * CSV columns (header names, case-insensitive): image (required), specimen (required), plane (required), week |
 * gestationalWeek | gw, or pcw (converted: GW = pcw + 2), and optionally section, index, stain (nissl),
 * micronsPerPixel | mpp, annotations.
 */
export interface AtlasInitOptions {
  folder: string;
  /** The atlas's name (default: the folder's name). */
  name?: string;
  /** The CSV (default: the one .csv in the folder). */
  csv?: string;
  /** µm per pixel for rows that give none. */
  micronsPerPixel?: number;
  /** Replace an existing atlas.json. */
  replace?: boolean;
}

export interface AtlasInitResult {
  /** The atlas.json written. */
  atlas: string;
  manifest: AtlasManifest;
  /** The ontology written from the annotations' class names, or null when the folder had an ontology.json. */
  ontology: Ontology | null;
  warnings: string[];
}

const IMAGE_EXT = new Set(['.tif', '.tiff', '.png', '.jpg', '.jpeg', '.svs', '.ndpi', '.mrxs']);

/**
 * Writes atlas.json (and, where the folder has none, ontology.json from the annotations' QuPath class names) for a
 * folder of section images. Every bad row is named in one `invalid_atlas` error and nothing is written; an existing
 * atlas.json is kept (`output_exists`) unless `replace`.
 */
export async function initAtlas(options: AtlasInitOptions): Promise<AtlasInitResult> {
  const folder = resolve(options.folder);
  const target = join(folder, 'atlas.json');
  if (existsSync(target) && !options.replace)
    throw new CytoclipError('output_exists', `${target} exists; pass --force to replace it`);
  const { manifest, ontology, warnings } = buildAtlasManifest({ ...options, folder });
  const written = await writeAtlasFiles(folder, { manifest, ontology });
  return { atlas: written.atlas, manifest, ontology, warnings };
}

function buildAtlasManifest(options: AtlasInitOptions): {
  manifest: AtlasManifest;
  ontology: Ontology | null;
  warnings: string[];
} {
  const folder = options.folder;
  if (!existsSync(folder)) throw new CytoclipError('invalid_argument', `no folder ${folder}`);
  const csvPath = options.csv ? resolve(options.csv) : findCsv(folder);
  const rows = readRows(csvPath);
  const errors: string[] = [];
  const warnings: string[] = [];
  const specimens = new Map<string, Specimen>();
  const sections: SectionEntry[] = [];
  const counters = new Map<string, number>();
  rows.forEach((row, i) => {
    const line = `${basename(csvPath)} row ${i + 2}`;
    const image = row.image;
    if (!image) return void errors.push(`${line}: no image`);
    if (!existsSync(join(folder, image))) errors.push(`${line}: image ${image} not found in ${folder}`);
    else if (!IMAGE_EXT.has(extname(image).toLowerCase()))
      errors.push(`${line}: ${image} is not a section image (${[...IMAGE_EXT].join(', ')})`);
    const plane = row.plane?.toLowerCase();
    if (!isPlane(plane))
      return void errors.push(`${line}: plane "${row.plane ?? ''}" is not coronal, sagittal or axial`);
    const specimen = row.specimen;
    if (!specimen) return void errors.push(`${line}: no specimen`);
    const age = ageOf(row);
    if (!age) return void errors.push(`${line}: give week (gestational weeks) or pcw`);
    const known = specimens.get(specimen);
    if (known && known.gestationalWeek !== age.gestationalWeek)
      errors.push(
        `${line}: specimen ${specimen} already has week ${known.gestationalWeek}, not ${age.gestationalWeek}`,
      );
    if (!known) specimens.set(specimen, { id: specimen, ...age });
    const mpp = Number(row.micronsperpixel ?? row.mpp ?? options.micronsPerPixel ?? NaN);
    if (!(mpp > 0)) return void errors.push(`${line}: give micronsPerPixel (a column, or --mpp)`);
    const key = `${specimen}/${plane}`;
    const index = row.index !== undefined ? Number(row.index) : (counters.get(key) ?? 0) + 1;
    if (!Number.isInteger(index)) return void errors.push(`${line}: index "${row.index}" is not an integer`);
    counters.set(key, index);
    const stem = basename(image, extname(image));
    const annotations = row.annotations ?? findAnnotations(folder, stem);
    // No GeoJSON: an unannotated section, tiled and searched with region null (atlas.json names no annotations).
    if (!annotations)
      warnings.push(`${line}: no GeoJSON for ${image} (expected ${stem}.geojson): imported as an unannotated section`);
    const id = row.section ?? `${specimen}-${plane.slice(0, 3)}-${String(index).padStart(4, '0')}`;
    if (sections.some((s) => s.id === id)) return void errors.push(`${line}: section id ${id} is used twice`);
    sections.push({
      id,
      specimen,
      plane,
      index,
      stain: row.stain ?? 'nissl',
      image,
      micronsPerPixel: mpp,
      ...(annotations ? { annotations } : {}),
    });
  });
  if (rows.length === 0) errors.push(`${csvPath} has no rows`);
  if (errors.length)
    throw new CytoclipError('invalid_atlas', `cannot build atlas.json:\n  ${errors.join('\n  ')}`, {
      detail: { errors },
    });
  const hasOntology = existsSync(join(folder, 'ontology.json'));
  const ontology = hasOntology ? null : ontologyFromAnnotations(folder, sections);
  const manifest: AtlasManifest = {
    format: 'cytoclip-atlas/1',
    name: options.name ?? basename(folder),
    ontology: 'ontology.json',
    specimens: [...specimens.values()],
    sections,
  };
  return { manifest, ontology, warnings };
}

/**
 * The CSV's rows through the package's one CSV reader, header names folded (`Microns per pixel` → `micronsperpixel`)
 * and empty cells left out, so a column a row leaves blank falls back like a missing one.
 */
function readRows(path: string): Record<string, string>[] {
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') throw new CytoclipError('invalid_csv', `${path} is empty`);
  // Every quote of a well-formed CSV is paired (open and close, or "" inside a quoted field).
  if ((text.match(/"/g)?.length ?? 0) % 2 === 1) throw new CytoclipError('invalid_csv', `${path}: unterminated quote`);
  return parseCsv(text).map((row) =>
    Object.fromEntries(
      Object.entries(row)
        .filter(([, value]) => value !== '')
        .map(([key, value]) => [key.toLowerCase().replace(/[^a-z]/g, ''), value]),
    ),
  );
}

function ageOf(row: Record<string, string>): { gestationalWeek: number; ageSource?: string } | null {
  const week = row.week ?? row.gestationalweek ?? row.gw;
  if (week !== undefined && Number.isFinite(Number(week))) return { gestationalWeek: Number(week) };
  if (row.pcw !== undefined && Number.isFinite(Number(row.pcw)))
    return { gestationalWeek: Number(row.pcw) + 2, ageSource: `pcw ${row.pcw}` };
  return null;
}

function findCsv(folder: string): string {
  const csvs = readdirSync(folder).filter((f) => f.toLowerCase().endsWith('.csv'));
  if (csvs.length !== 1)
    throw new CytoclipError(
      'invalid_argument',
      `${folder} must hold exactly one .csv (found ${csvs.length}); or pass --csv`,
    );
  return join(folder, csvs[0]!);
}

function findAnnotations(folder: string, stem: string): string | null {
  for (const name of [`${stem}.geojson`, `${stem}.json`]) if (existsSync(join(folder, name))) return name;
  return null;
}

interface QuPathFeature {
  properties?: { classification?: { name?: string; color?: number[] | number }; region?: string };
}

/** Regions named in the annotations (QuPath classification names), flat, with QuPath's colours where given. */
function ontologyFromAnnotations(folder: string, sections: SectionEntry[]): Ontology {
  const regions = new Map<string, OntologyRegion>();
  for (const section of sections) {
    if (!section.annotations) continue;
    let doc: { features?: QuPathFeature[] };
    try {
      doc = JSON.parse(readFileSync(join(folder, section.annotations), 'utf8'));
    } catch (error) {
      throw new CytoclipError(
        'invalid_geojson',
        `${section.annotations} is not valid JSON: ${(error as Error).message}`,
      );
    }
    for (const feature of doc.features ?? []) {
      const name = feature.properties?.classification?.name ?? feature.properties?.region;
      if (!name || regions.has(name)) continue;
      regions.set(name, {
        id: regions.size + 1,
        acronym: name,
        name,
        parent: null,
        description: '',
        color: colour(feature.properties?.classification?.color),
      });
    }
  }
  if (regions.size === 0)
    throw new CytoclipError(
      'invalid_atlas',
      `no region names in the annotations (QuPath classifications) to write ontology.json from: add the GeoJSON ` +
        `exports, or an ontology.json, to ${folder}`,
    );
  return { format: 'cytoclip-ontology/1', regions: [...regions.values()] };
}

function colour(value: number[] | number | undefined): string {
  if (Array.isArray(value))
    return `#${value
      .slice(0, 3)
      .map((c) => Math.max(0, Math.min(255, c)).toString(16).padStart(2, '0'))
      .join('')}`;
  if (typeof value === 'number') return `#${(value & 0xffffff).toString(16).padStart(6, '0')}`;
  return '#888888';
}
