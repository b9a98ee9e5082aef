import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CytoclipError } from '@cytoclip/domain';
import { parseCsv } from '../csv.js';

/** One section as the bucket holds it: its image and, for annotated sections, its GeoJSON (paths relative). */
export interface SectionFiles {
  number: number;
  image?: string;
  annotations?: string;
}

/** A row of `directory-listings/Dharani_Specimen_N.csv`. */
export interface ListingRow {
  section: number;
  imageUrl: string;
  micronsPerPixel: number | null;
  width: number | null;
  height: number | null;
  atlasUrl: string | null;
  viewerUrl: string | null;
}

export interface SpecimenFiles {
  number: number;
  /** Section number → files, in section order. */
  sections: SectionFiles[];
  /** Files of the specimen folder that are not sections (`_geo.tif` companions and anything else). */
  ignored: string[];
  listing: Map<number, ListingRow> | null;
  /** The listing's path relative to the download folder, when there is one. */
  listingFile: string | null;
  /** Listing rows that could not be read. */
  listingProblems: string[];
}

export const BUCKET_URL = 'https://dharani-fetal-brain-atlas.s3.us-west-2.amazonaws.com';

const specimenDir = (n: number) => `data2d/specimen_${n}`;

/** Specimen numbers with a `data2d/specimen_N` folder, ascending. */
export async function specimensIn(folder: string): Promise<number[]> {
  const entries = await readdir(join(folder, 'data2d'), { withFileTypes: true }).catch((cause: unknown) => {
    throw new CytoclipError(
      'import_folder_invalid',
      `${join(folder, 'data2d')} not found: the folder must mirror the bucket (data2d/specimen_N/, ontology/ontology.json)`,
      { status: 404, cause, detail: { folder } },
    );
  });
  return entries
    .map((e) => (e.isDirectory() || e.isSymbolicLink() ? /^specimen_(\d+)$/.exec(e.name) : null))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** The sections of one specimen folder: `Specimen_N_S.tif` and `Specimen_N_S.json`; `_geo.tif` files are not sections. */
export async function scanSpecimen(folder: string, n: number): Promise<SpecimenFiles> {
  const dir = specimenDir(n);
  const names = (await readdir(join(folder, dir))).sort();
  const byNumber = new Map<number, SectionFiles>();
  const ignored: string[] = [];
  const pattern = new RegExp(`^Specimen_${n}_(\\d+)\\.(tif|json)$`);
  for (const name of names) {
    const match = pattern.exec(name);
    if (!match) {
      ignored.push(`${dir}/${name}`);
      continue;
    }
    const number = Number(match[1]);
    const entry = byNumber.get(number) ?? { number };
    if (match[2] === 'tif') entry.image = `${dir}/${name}`;
    else entry.annotations = `${dir}/${name}`;
    byNumber.set(number, entry);
  }
  const sections = [...byNumber.values()].sort((a, b) => a.number - b.number);
  return { number: n, sections, ignored, ...(await readListing(folder, n)) };
}

async function readListing(
  folder: string,
  n: number,
): Promise<Pick<SpecimenFiles, 'listing' | 'listingFile' | 'listingProblems'>> {
  const file = `directory-listings/Dharani_Specimen_${n}.csv`;
  const text = await readFile(join(folder, file), 'utf8').catch(() => null);
  if (text === null) return { listing: null, listingFile: null, listingProblems: [] };
  const listing = new Map<number, ListingRow>();
  const problems: string[] = [];
  parseCsv(text).forEach((row, i) => {
    const section = Number(row.section_number);
    if (!Number.isInteger(section) || row.section_number === '')
      problems.push(`${file} row ${i + 2}: section_number ${JSON.stringify(row.section_number)} is not a number`);
    else listing.set(section, listingRow(section, row));
  });
  return { listing, listingFile: file, listingProblems: problems };
}

const positive = (text: string | undefined): number | null => {
  const value = Number(text);
  return text && Number.isFinite(value) && value > 0 ? value : null;
};

/** A published URL; the listing gives image paths relative to the bucket. */
const url = (text: string | undefined): string | null =>
  !text ? null : /^[a-z]+:\/\//i.test(text) ? text : `${BUCKET_URL}/${text.replace(/^\/+/, '')}`;

function listingRow(section: number, row: Record<string, string>): ListingRow {
  return {
    section,
    imageUrl: url(row.image_url) ?? '',
    micronsPerPixel: positive(row.image_resolution_mpp),
    width: positive(row.image_width),
    height: positive(row.image_height),
    atlasUrl: url(row.atlas_url),
    viewerUrl: row.viewer_url || null,
  };
}
