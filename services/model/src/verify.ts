import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CytoclipError } from '@cytoclip/domain';
import { CytoclipModel, type ModelOpenOptions } from './model.js';
import { cosine, l2normalize, rows } from './vector.js';

export const REFERENCE_FORMAT = 'cytoclip-model-reference/1';

/**
 * reference.json of a model package, as services/trainer writes it (see README "Reference embeddings"). Every
 * embedding is PyTorch's raw graph output, not normalised.
 */
export interface ModelReference {
  format: typeof REFERENCE_FORMAT;
  text: { caption: string; inputIds: number[]; embedding: number[] }[];
  pixelValues: { path: string; dtype: 'float32'; byteOrder: 'little'; shape: number[]; embeddings: number[][] };
  images: { path: string; embedding: number[] }[];
}

export interface VerifyReport {
  model: string;
  ok: boolean;
  tokenIds: { captions: number; mismatches: { caption: string; expected: number[]; actual: number[] }[] };
  /** Largest |Δ| between L2-normalised ONNX and PyTorch embeddings (tolerance 1e-5). */
  textMaxAbsDiff: number;
  pixelMaxAbsDiff: number;
  /** Smallest cosine between embeddings of the reference image files and PyTorch's (tolerance 0.999). */
  imageMinCosine: number;
  failures: string[];
}

export const EMBEDDING_TOLERANCE = 1e-5;
export const IMAGE_MIN_COSINE = 0.999;

async function readF32(dir: string, file: { path: string; shape: number[] }): Promise<Float32Array> {
  const bytes = await readFile(join(dir, file.path)).catch((error: unknown) => {
    throw new CytoclipError('model_file_missing', `reference file ${file.path} is missing`, {
      detail: { file: file.path },
      cause: error,
    });
  });
  const expected = file.shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== expected * 4)
    throw new CytoclipError(
      'invalid_model_package',
      `reference file ${file.path} has ${bytes.length} bytes, shape [${file.shape}] needs ${expected * 4}`,
    );
  const out = new Float32Array(expected);
  for (let i = 0; i < expected; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

function invalidReference(what: string): CytoclipError {
  return new CytoclipError('invalid_model_package', `reference.json: ${what}`, { detail: { file: 'reference.json' } });
}

export async function readReference(dir: string): Promise<ModelReference> {
  const text = await readFile(join(dir, 'reference.json'), 'utf8').catch((error: unknown) => {
    throw new CytoclipError('model_file_missing', `reference.json is missing in ${dir}`, { cause: error });
  });
  const ref = JSON.parse(text) as ModelReference;
  if (ref.format !== REFERENCE_FORMAT)
    throw new CytoclipError(
      'unsupported_format',
      `reference.json: format ${JSON.stringify(ref.format)} is not "${REFERENCE_FORMAT}"`,
    );
  if (!Array.isArray(ref.text) || ref.text.length === 0) throw invalidReference('"text" must list captions');
  if (!ref.pixelValues || ref.pixelValues.dtype !== 'float32' || ref.pixelValues.byteOrder !== 'little')
    throw invalidReference('"pixelValues" must be little-endian float32');
  if (!Array.isArray(ref.images)) throw invalidReference('"images" must be a list');
  return ref;
}

/** Largest |a_i − b_i| after L2-normalising each row of both [n, dim] arrays. */
function maxNormalizedDiff(a: Float32Array, b: Float32Array, n: number, dim: number): number {
  const ra = rows(a, n, dim).map(l2normalize);
  const rb = rows(b, n, dim).map(l2normalize);
  let max = 0;
  ra.forEach((row, i) => row.forEach((x, j) => (max = Math.max(max, Math.abs(x - rb[i]![j]!)))));
  return max;
}

/**
 * Proves a package's graphs reproduce the trainer: token ids from tokenizer.json equal the reference ids; the
 * text and image graphs reproduce PyTorch's embeddings of the reference ids and float tensors within 1e-5 (after
 * L2 normalisation); the reference image files through decoding and slides' preprocessing reach cosine ≥ 0.999.
 */
export async function verifyModelPackage(dir: string, options: ModelOpenOptions = {}): Promise<VerifyReport> {
  const model = await CytoclipModel.open(dir, options);
  try {
    const ref = await readReference(model.pkg.dir);
    const dim = model.info.embeddingDim;
    const failures: string[] = [];
    const mismatches = ref.text
      .map(({ caption, inputIds }) => ({ caption, expected: inputIds, actual: model.tokenizer.encode(caption) }))
      .filter((m) => m.expected.join(',') !== m.actual.join(','));
    if (mismatches.length > 0) failures.push(`${mismatches.length} caption(s) tokenise differently from the reference`);

    const n = ref.text.length;
    const ids = BigInt64Array.from(ref.text.flatMap((t) => t.inputIds).map((x) => BigInt(x)));
    const text = await model.rawTextEmbeddings(ids, n);
    const textMaxAbsDiff = maxNormalizedDiff(text, Float32Array.from(ref.text.flatMap((t) => t.embedding)), n, dim);
    if (!(textMaxAbsDiff <= EMBEDDING_TOLERANCE))
      failures.push(`text embeddings differ by ${textMaxAbsDiff} (> ${EMBEDDING_TOLERANCE})`);

    const m = ref.pixelValues.shape[0]!;
    const pixels = await model.rawImageEmbeddings(await readF32(model.pkg.dir, ref.pixelValues), m);
    const pixelMaxAbsDiff = maxNormalizedDiff(pixels, Float32Array.from(ref.pixelValues.embeddings.flat()), m, dim);
    if (!(pixelMaxAbsDiff <= EMBEDDING_TOLERANCE))
      failures.push(`image embeddings differ by ${pixelMaxAbsDiff} (> ${EMBEDDING_TOLERANCE})`);

    const embedded = await model.embedImages(ref.images.map((img) => join(model.pkg.dir, img.path)));
    const imageMinCosine = Math.min(...embedded.map((e, i) => cosine(e, ref.images[i]!.embedding)));
    if (ref.images.length === 0) failures.push('reference.json lists no image files for the end-to-end check');
    else if (!(imageMinCosine >= IMAGE_MIN_COSINE))
      failures.push(`image files reach cosine ${imageMinCosine} (< ${IMAGE_MIN_COSINE})`);

    return {
      model: model.info.id,
      ok: failures.length === 0,
      tokenIds: { captions: n, mismatches },
      textMaxAbsDiff,
      pixelMaxAbsDiff,
      imageMinCosine,
      failures,
    };
  } finally {
    await model.close();
  }
}
