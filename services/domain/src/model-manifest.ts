import type { Variant } from './atlas-types.js';
import { CytoclipError } from './errors.js';

// The one reader of model.json (formats.md §3), beside the atlas.json and ontology.json readers (formats.ts): a pure
// function over parsed JSON, so the model runtime and anything else that opens a model package hold it to the same
// rules. Reading the file (and naming a missing one) stays with the caller.

export const MODEL_FORMAT = 'cytoclip-model/1';
export const CALIBRATION_FORMAT = 'cytoclip-calibration/1';

export interface ModelFileEntry {
  path: string;
  sha256: string;
}

export interface ImageSpec {
  size: number;
  mean: [number, number, number];
  std: [number, number, number];
  resize: 'bicubic' | 'bilinear';
  crop: 'center' | 'none';
  /** The scale a tile model was trained at; null for region models. */
  micronsPerPixel: number | null;
}

export interface TextSpec {
  contextLength: number;
  lowercase: boolean;
  bosTokenId: number;
  eosTokenId: number;
  padTokenId: number;
  pooling: 'first-eos';
  truncation: 'keep-eos';
}

/**
 * model.json `calibration` (written by `python3 -m cytoclip_trainer calibrate`, fitted on the validation split only):
 * the classify temperature T (probabilities = softmax(logitScale · cos / T)), the search cutoffs (cosines above which
 * a text or an image result counts as relevant) and the out-of-distribution threshold (an image whose nearest indexed
 * image scores below `nearestCosine` is unlike anything the model was fitted on). Other fields the trainer records
 * (F1, counts) are kept as they are.
 */
export interface Calibration {
  format: typeof CALIBRATION_FORMAT;
  fittedOn: Record<string, unknown>;
  classify: { temperature: number } & Record<string, unknown>;
  search: { textCutoff: number; imageCutoff: number } & Record<string, unknown>;
  outOfDistribution: { nearestCosine: number; quantile: number } & Record<string, unknown>;
}

/** model.json of formats.md §3, as `parseModelManifest` returns it. */
export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  name: string;
  version: string;
  variant: Variant;
  embeddingDim: number;
  image: ImageSpec;
  text: TextSpec;
  labels: { ontology: string; regions: string[] };
  logitScale: number;
  promptTemplates: string[];
  files: Record<string, ModelFileEntry> & {
    imageEncoder: ModelFileEntry;
    textEncoder: ModelFileEntry;
    tokenizer: ModelFileEntry;
  };
  training?: unknown;
  metrics?: unknown;
  /** Thresholds and a temperature fitted on the validation split; absent in older packages. */
  calibration?: Calibration;
}

type Json = Record<string, unknown>;

/** A part of model.json being read: the file's name and the dotted path of the object (`''` at the top level). */
interface At {
  file: string;
  path: string;
}

const fieldOf = (at: At, key: string) => (at.path ? `${at.path}.${key}` : key);
const inside = (at: At, key: string): At => ({ file: at.file, path: fieldOf(at, key) });

function invalid(at: At, field: string, what: string): CytoclipError {
  return new CytoclipError('invalid_model_package', `${at.file}: "${field}" ${what}`, {
    detail: { file: at.file, field },
  });
}

function unsupported(file: string, what: string, format: unknown, expected: string): CytoclipError {
  return new CytoclipError(
    'unsupported_format',
    `${file}: ${what} ${JSON.stringify(format)} is not supported (this runtime reads "${expected}")`,
    { detail: { file, format } },
  );
}

function object(value: unknown, at: At, key: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(at, fieldOf(at, key) || '(top level)', 'must be an object');
  return value as Json;
}

function str(obj: Json, key: string, at: At): string {
  const v = obj[key];
  if (typeof v !== 'string' || v === '') throw invalid(at, fieldOf(at, key), 'must be a non-empty string');
  return v;
}

function int(obj: Json, key: string, at: At, min = 0): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw invalid(at, fieldOf(at, key), `must be an integer ≥ ${min}`);
  return v;
}

function oneOf<T extends string>(obj: Json, key: string, allowed: readonly T[], at: At): T {
  const v = obj[key];
  if (!allowed.includes(v as T))
    throw invalid(at, fieldOf(at, key), `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function triple(obj: Json, key: string, at: At): [number, number, number] {
  const v = obj[key];
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
    throw invalid(at, fieldOf(at, key), 'must be three numbers');
  return v as [number, number, number];
}

function strings(obj: Json, key: string, at: At): string[] {
  const v = obj[key];
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string'))
    throw invalid(at, fieldOf(at, key), 'must be a non-empty list of strings');
  return v as string[];
}

function finite(obj: Json, key: string, at: At, min: number, max: number): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw invalid(at, fieldOf(at, key), `must be a number in [${min}, ${max}]`);
  return v;
}

function imageSpec(o: Json, at: At): ImageSpec {
  const std = triple(o, 'std', at);
  if (std.some((s) => s <= 0)) throw invalid(at, fieldOf(at, 'std'), 'must be positive');
  const mpp = o.micronsPerPixel ?? null;
  if (mpp !== null && (typeof mpp !== 'number' || !(mpp > 0)))
    throw invalid(at, fieldOf(at, 'micronsPerPixel'), 'must be positive or null');
  return {
    size: int(o, 'size', at, 1),
    mean: triple(o, 'mean', at),
    std,
    resize: oneOf(o, 'resize', ['bicubic', 'bilinear'] as const, at),
    crop: oneOf(o, 'crop', ['center', 'none'] as const, at),
    micronsPerPixel: mpp as number | null,
  };
}

function textSpec(o: Json, at: At): TextSpec {
  if (typeof o.lowercase !== 'boolean') throw invalid(at, fieldOf(at, 'lowercase'), 'must be true or false');
  return {
    contextLength: int(o, 'contextLength', at, 3),
    lowercase: o.lowercase,
    bosTokenId: int(o, 'bosTokenId', at),
    eosTokenId: int(o, 'eosTokenId', at),
    padTokenId: int(o, 'padTokenId', at),
    pooling: oneOf(o, 'pooling', ['first-eos'] as const, at),
    truncation: oneOf(o, 'truncation', ['keep-eos'] as const, at),
  };
}

/** Every entry a path inside the package and a sha256; the two graphs and the tokenizer required. */
function files(o: Json, at: At): ModelManifest['files'] {
  const out: Record<string, ModelFileEntry> = {};
  for (const [key, value] of Object.entries(o)) {
    const entryAt = inside(at, key);
    const entry = object(value, at, key);
    const sha = str(entry, 'sha256', entryAt).toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(sha)) throw invalid(at, fieldOf(entryAt, 'sha256'), 'must be 64 hex digits');
    const path = str(entry, 'path', entryAt);
    if (path.startsWith('/') || path.split(/[\\/]/).includes('..'))
      throw invalid(at, fieldOf(entryAt, 'path'), 'must stay inside the package');
    out[key] = { path, sha256: sha };
  }
  for (const required of ['imageEncoder', 'textEncoder', 'tokenizer'])
    if (!out[required]) throw invalid(at, fieldOf(at, required), 'is required');
  return out as ModelManifest['files'];
}

/** `calibration` when present: every figure the platform applies must be there and in range. */
function calibration(raw: unknown, at: At): Calibration | undefined {
  if (raw === undefined || raw === null) return undefined;
  const o = object(raw, at, 'calibration');
  if (o.format !== CALIBRATION_FORMAT) throw unsupported(at.file, 'calibration format', o.format, CALIBRATION_FORMAT);
  const cal = inside(at, 'calibration');
  const classify = object(o.classify, cal, 'classify');
  const search = object(o.search, cal, 'search');
  const ood = object(o.outOfDistribution, cal, 'outOfDistribution');
  // A temperature of 0 would divide by zero; the trainer's grid spans 0.05..20.
  const temperature = finite(classify, 'temperature', inside(cal, 'classify'), 1e-6, 1e6);
  const searchAt = inside(cal, 'search');
  const oodAt = inside(cal, 'outOfDistribution');
  return {
    format: CALIBRATION_FORMAT,
    fittedOn: o.fittedOn === undefined ? {} : object(o.fittedOn, cal, 'fittedOn'),
    classify: { ...classify, temperature },
    search: {
      ...search,
      textCutoff: finite(search, 'textCutoff', searchAt, -1, 1),
      imageCutoff: finite(search, 'imageCutoff', searchAt, -1, 1),
    },
    outOfDistribution: {
      ...ood,
      nearestCosine: finite(ood, 'nearestCosine', oodAt, -1, 1),
      quantile: finite(ood, 'quantile', oodAt, 0, 1),
    },
  };
}

const calibrated = (c: Calibration | undefined) => (c ? { calibration: c } : {});

/**
 * model.json checked: its format (an unknown version is refused before anything else is read, `unsupported_format`),
 * then every field the runtime uses, each wrong one an `invalid_model_package` naming it by its dotted path
 * (`image.resize`, `calibration.search.textCutoff`). Whether the listed files exist and match their sha256, and
 * whether the labels are in the ontology, is the caller's to check (it holds the folder).
 */
export function parseModelManifest(raw: unknown, file = 'model.json'): ModelManifest {
  const top: At = { file, path: '' };
  const o = object(raw, top, '');
  if (o.format !== MODEL_FORMAT) throw unsupported(file, 'format', o.format, MODEL_FORMAT);
  const labels = object(o.labels, top, 'labels');
  const logitScale = o.logitScale;
  if (typeof logitScale !== 'number' || !(logitScale > 0) || !Number.isFinite(logitScale))
    throw invalid(top, 'logitScale', 'must be a positive number');
  return {
    format: MODEL_FORMAT,
    name: str(o, 'name', top),
    version: str(o, 'version', top),
    variant: oneOf(o, 'variant', ['region', 'tile'] as const, top),
    embeddingDim: int(o, 'embeddingDim', top, 1),
    image: imageSpec(object(o.image, top, 'image'), inside(top, 'image')),
    text: textSpec(object(o.text, top, 'text'), inside(top, 'text')),
    labels: {
      ontology: str(labels, 'ontology', inside(top, 'labels')),
      regions: strings(labels, 'regions', inside(top, 'labels')),
    },
    logitScale,
    promptTemplates: strings(o, 'promptTemplates', top),
    files: files(object(o.files, top, 'files'), inside(top, 'files')),
    training: o.training,
    metrics: o.metrics,
    ...calibrated(calibration(o.calibration, top)),
  };
}
