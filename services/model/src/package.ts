import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CytoclipError, parseModelManifest, parseOntology, type ModelManifest, type Ontology } from '@cytoclip/domain';

/** A model package folder whose model.json, files and hashes were checked. */
export interface ModelPackage {
  dir: string;
  manifest: ModelManifest;
  ontology: Ontology;
  /** Parsed tokenizer.json (Hugging Face tokenizers format). */
  tokenizer: Record<string, unknown>;
  /** Absolute path of each entry of model.json "files". */
  paths: Record<string, string>;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readJson(path: string, label: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw missing(label, path, error);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CytoclipError('invalid_model_package', `${label} is not valid JSON: ${(error as Error).message}`, {
      detail: { file: label },
    });
  }
}

function missing(label: string, path: string, cause: unknown): CytoclipError {
  return new CytoclipError('model_file_missing', `model package file ${label} is missing (${path})`, {
    detail: { file: label, path },
    cause,
  });
}

async function checkFile(dir: string, key: string, entry: { path: string; sha256: string }): Promise<string> {
  const path = join(dir, entry.path);
  const info = await stat(path).catch((error: unknown) => {
    throw missing(entry.path, path, error);
  });
  if (!info.isFile()) throw missing(entry.path, path, null);
  const actual = await sha256File(path);
  if (actual !== entry.sha256)
    throw new CytoclipError(
      'model_file_hash_mismatch',
      `model package file ${entry.path} (files.${key}) has sha256 ${actual}, model.json expects ${entry.sha256}`,
      { detail: { file: entry.path, expected: entry.sha256, actual } },
    );
  return path;
}

/**
 * Reads and validates a model package (formats.md §3): model.json, every listed file present with its sha256,
 * ontology.json with every label region, tokenizer.json. Throws a CytoclipError naming what is wrong.
 */
export async function loadModelPackage(dir: string): Promise<ModelPackage> {
  const root = resolve(dir);
  const manifest = parseModelManifest(await readJson(join(root, 'model.json'), 'model.json'));
  const paths: Record<string, string> = {};
  for (const [key, entry] of Object.entries(manifest.files)) paths[key] = await checkFile(root, key, entry);
  const ontology = parseOntology(await readJson(join(root, manifest.labels.ontology), manifest.labels.ontology));
  const known = new Set(ontology.regions.map((r) => r.acronym));
  const unknown = manifest.labels.regions.filter((r) => !known.has(r));
  if (unknown.length > 0)
    throw new CytoclipError(
      'invalid_model_package',
      `model.json labels ${unknown.join(', ')} are not in ${manifest.labels.ontology}`,
      {
        detail: { file: 'model.json', regions: unknown },
      },
    );
  const tokenizer = (await readJson(paths.tokenizer!, manifest.files.tokenizer.path)) as Record<string, unknown>;
  if (typeof tokenizer.model !== 'object' || tokenizer.model === null)
    throw new CytoclipError(
      'invalid_model_package',
      `${manifest.files.tokenizer.path} has no "model": not a Hugging Face tokenizer.json`,
      {
        detail: { file: manifest.files.tokenizer.path },
      },
    );
  return { dir: root, manifest, ontology, tokenizer, paths };
}
