import { CytoclipError, parseOntology, type Variant } from '@cytoclip/domain';

export const MODEL_FORMAT = 'cytoclip-model/1';

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

/** model.json of formats.md §3, as validated by `parseModelManifest`. */
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
  /** Thresholds and a temperature fitted on the validation split (`cytoclip_trainer calibrate`); absent in older packages. */
  calibration?: Calibration;
}

export const CALIBRATION_FORMAT = 'cytoclip-calibration/1';

/**
 * model.json `calibration` (written by `python3 -m cytoclip_trainer calibrate`, fitted on the val split only):
 * the classify temperature T (probabilities = softmax(logitScale · cos / T)), the search cutoffs (cosines above
 * which a text or an image result counts as relevant) and the out-of-distribution threshold (an image whose nearest
 * indexed image scores below `nearestCosine` is unlike anything the model was fitted on). Other fields the trainer
 * records (F1, counts) are kept as they are.
 */
export interface Calibration {
  format: typeof CALIBRATION_FORMAT;
  fittedOn: Record<string, unknown>;
  classify: { temperature: number } & Record<string, unknown>;
  search: { textCutoff: number; imageCutoff: number } & Record<string, unknown>;
  outOfDistribution: { nearestCosine: number; quantile: number } & Record<string, unknown>;
}

function invalid(where: string, what: string): CytoclipError {
  return new CytoclipError('invalid_model_package', `${where}: ${what}`, { detail: { file: where } });
}

type Json = Record<string, unknown>;

function object(value: unknown, where: string, key: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(where, `"${key}" must be an object`);
  return value as Json;
}

function str(obj: Json, key: string, where: string): string {
  const v = obj[key];
  if (typeof v !== 'string' || v === '') throw invalid(where, `"${key}" must be a non-empty string`);
  return v;
}

function int(obj: Json, key: string, where: string, min = 0): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw invalid(where, `"${key}" must be an integer ≥ ${min}`);
  return v;
}

function oneOf<T extends string>(obj: Json, key: string, allowed: readonly T[], where: string): T {
  const v = obj[key];
  if (!allowed.includes(v as T))
    throw invalid(where, `"${key}" must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function triple(obj: Json, key: string, where: string): [number, number, number] {
  const v = obj[key];
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
    throw invalid(where, `"${key}" must be three numbers`);
  return v as [number, number, number];
}

function strings(obj: Json, key: string, where: string): string[] {
  const v = obj[key];
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string'))
    throw invalid(where, `"${key}" must be a non-empty list of strings`);
  return v as string[];
}

function imageSpec(raw: unknown, where: string): ImageSpec {
  const o = object(raw, where, 'image');
  const std = triple(o, 'std', where);
  if (std.some((s) => s <= 0)) throw invalid(where, '"image.std" must be positive');
  const mpp = o.micronsPerPixel ?? null;
  if (mpp !== null && (typeof mpp !== 'number' || mpp <= 0))
    throw invalid(where, '"image.micronsPerPixel" must be positive or null');
  return {
    size: int(o, 'size', where, 1),
    mean: triple(o, 'mean', where),
    std,
    resize: oneOf(o, 'resize', ['bicubic', 'bilinear'] as const, where),
    crop: oneOf(o, 'crop', ['center', 'none'] as const, where),
    micronsPerPixel: mpp as number | null,
  };
}

function textSpec(raw: unknown, where: string): TextSpec {
  const o = object(raw, where, 'text');
  if (typeof o.lowercase !== 'boolean') throw invalid(where, '"text.lowercase" must be true or false');
  return {
    contextLength: int(o, 'contextLength', where, 3),
    lowercase: o.lowercase,
    bosTokenId: int(o, 'bosTokenId', where),
    eosTokenId: int(o, 'eosTokenId', where),
    padTokenId: int(o, 'padTokenId', where),
    pooling: oneOf(o, 'pooling', ['first-eos'] as const, where),
    truncation: oneOf(o, 'truncation', ['keep-eos'] as const, where),
  };
}

function files(raw: unknown, where: string): ModelManifest['files'] {
  const o = object(raw, where, 'files');
  const out: Record<string, ModelFileEntry> = {};
  for (const [key, value] of Object.entries(o)) {
    const entry = object(value, where, `files.${key}`);
    const sha = str(entry, 'sha256', where).toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(sha)) throw invalid(where, `"files.${key}.sha256" must be 64 hex digits`);
    const path = str(entry, 'path', where);
    if (path.startsWith('/') || path.split(/[\\/]/).includes('..'))
      throw invalid(where, `"files.${key}.path" must stay inside the package`);
    out[key] = { path, sha256: sha };
  }
  for (const required of ['imageEncoder', 'textEncoder', 'tokenizer'])
    if (!out[required]) throw invalid(where, `"files.${required}" is required`);
  return out as ModelManifest['files'];
}

function finite(obj: Json, key: string, where: string, min: number, max: number, path: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw invalid(where, `"calibration.${path}.${key}" must be a number in [${min}, ${max}]`);
  return v;
}

/** Validates `calibration` when present: every figure the platform applies must be there and in range. */
function calibration(raw: unknown, where: string): Calibration | undefined {
  if (raw === undefined || raw === null) return undefined;
  const o = object(raw, where, 'calibration');
  if (o.format !== CALIBRATION_FORMAT)
    throw new CytoclipError(
      'unsupported_format',
      `${where}: calibration format ${JSON.stringify(o.format)} is not supported (this runtime reads "${CALIBRATION_FORMAT}")`,
      { detail: { file: where, format: o.format } },
    );
  const classify = object(o.classify, where, 'calibration.classify');
  const search = object(o.search, where, 'calibration.search');
  const ood = object(o.outOfDistribution, where, 'calibration.outOfDistribution');
  // A temperature of 0 would divide by zero; the trainer's grid spans 0.05..20.
  const temperature = finite(classify, 'temperature', where, 1e-6, 1e6, 'classify');
  return {
    format: CALIBRATION_FORMAT,
    fittedOn: o.fittedOn === undefined ? {} : object(o.fittedOn, where, 'calibration.fittedOn'),
    classify: { ...classify, temperature },
    search: {
      ...search,
      textCutoff: finite(search, 'textCutoff', where, -1, 1, 'search'),
      imageCutoff: finite(search, 'imageCutoff', where, -1, 1, 'search'),
    },
    outOfDistribution: {
      ...ood,
      nearestCosine: finite(ood, 'nearestCosine', where, -1, 1, 'outOfDistribution'),
      quantile: finite(ood, 'quantile', where, 0, 1, 'outOfDistribution'),
    },
  };
}

const calibrated = (c: Calibration | undefined) => (c ? { calibration: c } : {});

/** Validates a parsed model.json; unknown format versions are rejected before anything else is read. */
export function parseModelManifest(raw: unknown, where = 'model.json'): ModelManifest {
  const o = object(raw, where, '(top level)');
  if (o.format !== MODEL_FORMAT)
    throw new CytoclipError(
      'unsupported_format',
      `${where}: format ${JSON.stringify(o.format)} is not supported (this runtime reads "${MODEL_FORMAT}")`,
      { detail: { file: where, format: o.format } },
    );
  const labels = object(o.labels, where, 'labels');
  const logitScale = o.logitScale;
  if (typeof logitScale !== 'number' || !(logitScale > 0))
    throw invalid(where, '"logitScale" must be a positive number');
  return {
    format: MODEL_FORMAT,
    name: str(o, 'name', where),
    version: str(o, 'version', where),
    variant: oneOf(o, 'variant', ['region', 'tile'] as const, where),
    embeddingDim: int(o, 'embeddingDim', where, 1),
    image: imageSpec(o.image, where),
    text: textSpec(o.text, where),
    labels: { ontology: str(labels, 'ontology', where), regions: strings(labels, 'regions', where) },
    logitScale,
    promptTemplates: strings(o, 'promptTemplates', where),
    files: files(o.files, where),
    training: o.training,
    metrics: o.metrics,
    ...calibrated(calibration(o.calibration, where)),
  };
}

// ontology.json has one reader, domain's (the ingest service and the dataset builder use it too).
export { parseOntology };
