import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  CytoclipError,
  DATASET_FORMAT,
  isPlane,
  parseOntology,
  SPLITS,
  type DatasetItem,
  type ErrorCode,
  type Ontology,
  type Split,
} from '@cytoclip/domain';

export { DATASET_FORMAT, SPLITS, type DatasetItem, type Split };

export interface Dataset {
  dir: string;
  name: string;
  variant: 'region' | 'tile';
  ontology: Ontology;
  items: DatasetItem[];
}

function bad(code: ErrorCode, message: string, detail?: Record<string, unknown>): CytoclipError {
  return new CytoclipError(code, message, detail ? { detail } : {});
}

async function readJson(path: string, what: string): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw bad('dataset_file_missing', `${what} not found: ${path}`, { file: path });
  });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw bad('invalid_dataset', `${what} is not valid JSON: ${(error as Error).message}`, { file: path });
  }
}

function parseItem(line: string, lineNo: number): DatasetItem {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line) as Record<string, unknown>;
  } catch (error) {
    throw bad('invalid_dataset', `items.jsonl line ${lineNo}: ${(error as Error).message}`, { line: lineNo });
  }
  const id = typeof raw.id === 'string' ? raw.id : `(line ${lineNo})`;
  for (const key of ['id', 'image', 'region', 'specimen'])
    if (typeof raw[key] !== 'string' || raw[key] === '')
      throw bad('invalid_dataset', `item ${id}: "${key}" must be a non-empty string`, { item: id });
  if (typeof raw.gestationalWeek !== 'number' || !Number.isFinite(raw.gestationalWeek))
    throw bad('invalid_dataset', `item ${id}: "gestationalWeek" must be a number`, { item: id });
  if (!isPlane(raw.plane))
    throw bad('invalid_dataset', `item ${id}: plane ${JSON.stringify(raw.plane)} is not coronal, sagittal or axial`, {
      item: id,
    });
  if (!SPLITS.includes(raw.split as Split))
    throw bad('invalid_dataset', `item ${id}: split ${JSON.stringify(raw.split)} is not train, val or test`, {
      item: id,
    });
  if (typeof raw.section !== 'string')
    throw bad('invalid_dataset', `item ${id}: "section" must be a string`, { item: id });
  if (!Array.isArray(raw.captions) || !raw.captions.every((c) => typeof c === 'string'))
    throw bad('invalid_dataset', `item ${id}: "captions" must be a list of strings`, { item: id });
  return raw as unknown as DatasetItem;
}

async function checkImages(dir: string, items: DatasetItem[]): Promise<void> {
  const missing: string[] = [];
  for (const item of items) await access(join(dir, item.image)).catch(() => missing.push(item.image));
  if (missing.length > 0)
    throw bad(
      'dataset_images_missing',
      `${missing.length} image(s) missing under ${dir}: ${missing.slice(0, 5).join(', ')}`,
      {
        missing: missing.slice(0, 20),
      },
    );
}

/** Reads dataset.json, the ontology and items.jsonl; every item's region must be in the ontology and its image present. */
export async function loadDataset(dirIn: string): Promise<Dataset> {
  const dir = resolve(dirIn);
  const meta = (await readJson(join(dir, 'dataset.json'), 'dataset.json')) as Record<string, unknown>;
  if (meta.format !== DATASET_FORMAT)
    throw new CytoclipError(
      'unsupported_format',
      `${dir}/dataset.json: format ${JSON.stringify(meta.format)} is not "${DATASET_FORMAT}"`,
    );
  if (meta.variant !== 'region' && meta.variant !== 'tile')
    throw bad('invalid_dataset', `dataset.json: variant ${JSON.stringify(meta.variant)} is not region or tile`);
  const ontologyFile = typeof meta.ontology === 'string' ? meta.ontology : 'ontology.json';
  const ontology = parseOntology(await readJson(join(dir, ontologyFile), ontologyFile), ontologyFile);
  const text = await readFile(join(dir, 'items.jsonl'), 'utf8').catch(() => {
    throw bad('dataset_file_missing', `items.jsonl not found in ${dir}`);
  });
  const items = text.split('\n').flatMap((line, i) => (line.trim() ? [parseItem(line, i + 1)] : []));
  if (items.length === 0) throw bad('invalid_dataset', `${dir}/items.jsonl has no items`);
  const known = new Set(ontology.regions.map((r) => r.acronym));
  const unknown = items.filter((i) => !known.has(i.region));
  if (unknown.length > 0)
    throw bad(
      'unknown_region',
      `regions not in ${ontologyFile}: ${[...new Set(unknown.map((i) => i.region))].join(', ')} (items ${unknown
        .slice(0, 5)
        .map((i) => i.id)
        .join(', ')})`,
    );
  await checkImages(dir, items);
  return { dir, name: typeof meta.name === 'string' ? meta.name : dir, variant: meta.variant, ontology, items };
}

/** Regions no other region names as its parent. */
export function leafRegions(ontology: Ontology): Set<string> {
  const parents = new Set(ontology.regions.map((r) => r.parent).filter((p): p is string => p !== null));
  return new Set(ontology.regions.map((r) => r.acronym).filter((a) => !parents.has(a)));
}
