import { readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CytoclipError,
  isCytoclipError,
  type ErrorCode,
  type Ontology,
  type Plane,
  type SectionEntry,
} from '@cytoclip/domain';
import { parseAnnotations } from '@cytoclip/slides';
import { checkImage, type ImageHeader } from '../image-check.js';
import { convertAnnotations } from './annotations.js';
import { BUCKET_URL, type ListingRow, type SectionFiles } from './layout.js';
import type { ConvertedOntology } from './ontology.js';
import { addStats, type ImportFailure, type ImportReport } from './report.js';

/** Section metadata kept from DHARANI: where to see and fetch it, as published. */
export interface DharaniSource {
  specimen: number;
  section: number;
  imageUrl: string;
  annotationsUrl: string | null;
  viewerUrl: string | null;
  width: number;
  height: number;
  micronsPerPixel: number;
  /** Where micronsPerPixel came from: the listing CSV, or the bucket's rule (annotated 1 µm/px, others 4). */
  micronsPerPixelFrom: 'listing' | 'annotated sections are 1 µm/px' | 'unannotated sections are 4 µm/px';
}

export type DharaniSectionEntry = SectionEntry & { source: DharaniSource };

/** What one section import needs: where to read, where to write, what to report into. */
export interface SectionContext {
  /** The download folder (absolute). */
  folder: string;
  /** The atlas folder being written (a temporary sibling of the target until the end). */
  out: string;
  specimen: { number: number; id: string; plane: Plane };
  ontology: ConvertedOntology;
  listing: Map<number, ListingRow> | null;
  report: ImportReport;
  mapped: Set<string>;
}

function fail(
  ctx: SectionContext,
  file: string,
  section: string,
  error: unknown,
  consequence: ImportFailure['consequence'] = 'section not imported',
): void {
  const code = isCytoclipError(error) ? error.code : 'import_error';
  const message = error instanceof Error ? error.message : String(error);
  // Every message names the file, so a line of the summary says where to look.
  ctx.report.failed.push({
    file,
    section,
    code,
    message: message.includes(file) ? message : `${file}: ${message}`,
    consequence,
  });
}

const problem = (code: ErrorCode, message: string, file: string, cause?: unknown) =>
  new CytoclipError(code, message, { status: 422, cause, detail: { file } });

async function readJson(ctx: SectionContext, file: string): Promise<unknown> {
  const text = await readFile(join(ctx.folder, file), 'utf8').catch((cause: unknown) => {
    throw problem('unreadable_file', `${file}: cannot be read (${(cause as Error).message})`, file, cause);
  });
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse quotes what it choked on; the message names the file only.
    throw problem('invalid_json', `${file}: not valid JSON`, file);
  }
}

/**
 * Imports one annotated section: the image must decode, the GeoJSON must parse; its features are converted (and
 * counted), the result is checked as ingest will check it, then written beside a symlink to the downloaded image.
 * Returns the atlas.json entry, or null when the section failed (recorded in the report).
 */
export async function importSection(ctx: SectionContext, files: SectionFiles): Promise<DharaniSectionEntry | null> {
  const { image, annotations } = files as Required<SectionFiles>;
  const id = `${ctx.specimen.id}_${files.number}`;
  let header: ImageHeader;
  let raw: unknown;
  try {
    header = await checkImage(join(ctx.folder, image), image);
  } catch (error) {
    fail(ctx, image, id, error);
    return null;
  }
  try {
    raw = await readJson(ctx, annotations);
  } catch (error) {
    fail(ctx, annotations, id, error);
    return null;
  }
  const geojson = convert(ctx, raw, annotations, id);
  if (!geojson) return null;
  const entry = sectionEntry(ctx, files, id, header);
  await writeFile(join(ctx.out, entry.annotations!), `${JSON.stringify(geojson)}\n`);
  await symlink(await realpath(join(ctx.folder, image)), join(ctx.out, entry.image));
  return entry;
}

/**
 * Imports one unannotated section (DHARANI's 4 µm/px sections between the annotated ones): the image must decode;
 * its atlas.json entry names no annotations, so ingest tiles its tissue with region null. Null when it failed.
 */
export async function importUnannotatedSection(
  ctx: SectionContext,
  files: SectionFiles,
): Promise<DharaniSectionEntry | null> {
  const image = files.image!;
  const id = `${ctx.specimen.id}_${files.number}`;
  let header: ImageHeader;
  try {
    header = await checkImage(join(ctx.folder, image), image);
  } catch (error) {
    fail(ctx, image, id, error);
    return null;
  }
  const entry = sectionEntry(ctx, files, id, header);
  await symlink(await realpath(join(ctx.folder, image)), join(ctx.out, entry.image));
  return entry;
}

/** The converted GeoJSON, or null when nothing usable is left (recorded). Unknown ids leave their features out. */
function convert(ctx: SectionContext, raw: unknown, file: string, id: string): object | null {
  const { ontology, report } = ctx;
  let converted;
  try {
    converted = convertAnnotations(raw, file, ontology.acronymOf, (acronym) => colourOf(ontology.ontology, acronym));
  } catch (error) {
    fail(ctx, file, id, error);
    return null;
  }
  addStats(report, converted.stats, file, ctx.mapped);
  const unknown = Object.entries(converted.stats.unknownIds);
  if (unknown.length) {
    const list = unknown.map(([rid, n]) => `${rid} (${n} feature${n === 1 ? '' : 's'})`).join(', ');
    const message = `${file}: region id${unknown.length === 1 ? '' : 's'} ${list} not in ontology/ontology.json`;
    fail(ctx, file, id, problem('unknown_region', message, file), 'features left out');
  }
  if (converted.geojson.features.length === 0) {
    report.sections.notImported.push({ section: id, file, reason: 'no usable annotations' });
    return null;
  }
  try {
    // Exactly what ingest will run on the file: a section that would fail there fails here, named.
    parseAnnotations(converted.geojson, ontology.ontology, file);
  } catch (error) {
    fail(ctx, file, id, error);
    return null;
  }
  return converted.geojson;
}

function colourOf(ontology: Ontology, acronym: string): string {
  return ontology.regions.find((r) => r.acronym === acronym)?.color ?? '#aaaaaa';
}

function sectionEntry(ctx: SectionContext, files: SectionFiles, id: string, header: ImageHeader): DharaniSectionEntry {
  const listed = ctx.listing?.get(files.number);
  const annotated = files.annotations !== undefined;
  const mpp = listed?.micronsPerPixel ?? (annotated ? 1 : 4);
  if (listed?.width && listed.height && (listed.width !== header.width || listed.height !== header.height))
    ctx.report.warnings.push(
      `${files.image}: ${header.width}×${header.height} px, but the listing says ${listed.width}×${listed.height}`,
    );
  if (header.pages === 1 && header.width * header.height > 64e6)
    ctx.report.warnings.push(`${files.image}: not a pyramid (one page): ingest will convert it first, slowly`);
  return {
    id,
    specimen: ctx.specimen.id,
    plane: ctx.specimen.plane,
    index: files.number,
    stain: 'nissl',
    image: `sections/${id}.tif`,
    micronsPerPixel: mpp,
    ...(annotated ? { annotations: `sections/${id}.geojson` } : {}),
    source: {
      specimen: ctx.specimen.number,
      section: files.number,
      imageUrl: listed?.imageUrl || `${BUCKET_URL}/${files.image}`,
      annotationsUrl: annotated ? (listed?.atlasUrl ?? `${BUCKET_URL}/${files.annotations}`) : null,
      viewerUrl: listed?.viewerUrl ?? null,
      width: header.width,
      height: header.height,
      micronsPerPixel: mpp,
      micronsPerPixelFrom: listed?.micronsPerPixel
        ? 'listing'
        : annotated
          ? 'annotated sections are 1 µm/px'
          : 'unannotated sections are 4 µm/px',
    },
  };
}
