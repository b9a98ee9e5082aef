import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CytoclipError,
  type Calibration,
  type ImageSpec,
  type ModelManifest,
  type Ontology,
  type Variant,
} from '@cytoclip/domain';
import { prepareModelInput, type ImageInput, type RawImage } from '@cytoclip/slides';
import { MicroBatcher } from './batcher.js';
import { ImageWorkers, WORKER_DEPTH, type WorkerBatch } from './image-workers.js';
import { loadModelPackage, type ModelPackage } from './package.js';
import { regionPrompts } from './prompts.js';
import { openSession, ort, type Device, type SessionOptions } from './session.js';
import { TextTokenizer } from './text.js';
import { cosine, l2normalize, meanNormalized, rows, softmax } from './vector.js';

export interface ModelOpenOptions extends Partial<SessionOptions> {
  /** Items (images or texts) that may wait per encoder before calls are refused with 503 'busy' (default 1024). */
  maxQueue?: number;
  /** Largest batch one graph run takes (default 32; WORKER_BATCH = 16 per worker run with imageWorkers). */
  maxBatch?: number;
  /**
   * Run the image graph in this many worker threads, each with its own session of intraOpNumThreads threads
   * (CPU only; default 0: in this thread). For bulk embedding: a worker per core with one thread each embeds more
   * than one session with a thread per core, and the event loop stays free while it does.
   */
  imageWorkers?: number;
  /**
   * Which image graph runs: `fp32` (default) or `int8`, the package's optional dynamically quantized graph
   * (`files.imageEncoderInt8`, written by the trainer's `export --quantize int8`; its model card gives its agreement
   * with fp32). Text always runs in fp32.
   */
  precision?: Precision;
}

export type Precision = 'fp32' | 'int8';

export interface ModelInfo {
  id: string;
  name: string;
  version: string;
  variant: Variant;
  embeddingDim: number;
  image: ImageSpec;
  labels: string[];
  promptTemplates: string[];
  logitScale: number;
  micronsPerPixel: number | null;
  device: Device;
  /** The image graph that runs (ModelOpenOptions.precision). */
  precision: Precision;
  /** model.json `calibration` (fitted on the val split), or null for a package without one. */
  calibration: Calibration | null;
  /** What it was trained on, from model.json `training`: a synthetic atlas's generator when it was one. */
  trainedOn: TrainedOn;
}

export interface TrainedOn {
  dataset: string | null;
  /** Present when the training data came from the synthetic atlas generator (services/atlas). */
  atlasGenerator: { name: string; version: string; preset?: string; seed?: number } | null;
}

/** `training.dataset` and `training.atlasGenerator` of model.json, read leniently (the trainer's free-form record). */
function trainedOn(training: unknown): TrainedOn {
  const t = (typeof training === 'object' && training !== null ? training : {}) as Record<string, unknown>;
  const g = t.atlasGenerator as Record<string, unknown> | undefined;
  const generator =
    g && typeof g === 'object' && typeof g.name === 'string'
      ? {
          name: g.name,
          version: String(g.version ?? ''),
          ...(typeof g.preset === 'string' ? { preset: g.preset } : {}),
          ...(typeof g.seed === 'number' ? { seed: g.seed } : {}),
        }
      : null;
  return { dataset: typeof t.dataset === 'string' ? t.dataset : null, atlasGenerator: generator };
}

export interface RegionScore {
  acronym: string;
  probability: number;
}

type ImageLike = Buffer | string | RawImage | Uint8Array;

/** What waits for the image graph: normalised CHW pixels, or RGB at the model's size still to be normalised. */
type ImageItem = Float32Array | RawImage;

/**
 * Images per worker run: 16 embedded the demo atlas 8-12 % faster than 8 (seven interleaved pairs; 32 no faster):
 * half the messages, splits and wake-ups on the main thread per tile. Under load a query's image may wait for two
 * such batches on its worker (the one running and the one queued: ~80 ms for the mini model on one core).
 */
const WORKER_BATCH = 16;

/** True when a view is its whole buffer, which can then be transferred to a worker without copying. */
function ownsBuffer(data: Uint8Array): boolean {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
}

/** Normalised float32 CHW pixels of one prepared image. */
function toChw(raw: RawImage, spec: ImageSpec): Float32Array {
  const n = raw.width * raw.height;
  const out = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    const scale = 1 / (255 * spec.std[c]!);
    const shift = spec.mean[c]! / spec.std[c]!;
    for (let p = 0; p < n; p++) out[c * n + p] = raw.data[p * 3 + c]! * scale - shift;
  }
  return out;
}

/** The model.json `files` key of the image graph for a precision; a package without an int8 graph refuses int8. */
function imageGraphKey(pkg: ModelPackage, precision: Precision): 'imageEncoder' | 'imageEncoderInt8' {
  if (precision === 'fp32') return 'imageEncoder';
  if (precision !== 'int8')
    throw new CytoclipError('invalid_argument', `precision must be fp32 or int8, got ${String(precision)}`);
  if (!pkg.paths.imageEncoderInt8)
    throw new CytoclipError(
      'invalid_argument',
      `${pkg.manifest.name}@${pkg.manifest.version} has no int8 image graph (files.imageEncoderInt8 in model.json); ` +
        'write one with the trainer: python3 -m cytoclip_trainer.export --quantize int8 --package <dir>',
      { detail: { field: 'precision' } },
    );
  return 'imageEncoderInt8';
}

/** The graphs' input and output names are part of the format (formats.md §3). */
function checkNames(file: string, session: ort.InferenceSession, input: string, output: string): void {
  if (!session.inputNames.includes(input) || !session.outputNames.includes(output))
    throw new CytoclipError(
      'invalid_model_package',
      `${file} must take "${input}" and give "${output}"; it takes ${session.inputNames.join(', ')} and gives ${session.outputNames.join(', ')}`,
      { detail: { file } },
    );
}

/** The CytoCLIP runtime: one loaded model package, shared by concurrent callers. Embeddings are L2-normalised. */
export class CytoclipModel {
  readonly info: ModelInfo;
  readonly tokenizer: TextTokenizer;
  private readonly images: MicroBatcher<ImageItem, Float32Array>;
  private readonly texts: MicroBatcher<string, Float32Array>;
  private readonly regionCache = new Map<string, Float32Array>();
  private preparing = 0;
  /** Started at the first image batch, so a process that only embeds text never spawns them. */
  private workers: ImageWorkers | null = null;
  private closed = false;
  /** Set once the sessions are being released: nothing may run on them after. */
  private released = false;
  /** Images whose pixel buffers embedRgb's caller handed over (see embedRgb). */
  private readonly handedOver = new WeakSet<RawImage>();

  private constructor(
    readonly pkg: ModelPackage,
    private readonly imageSession: ort.InferenceSession,
    private readonly textSession: ort.InferenceSession,
    device: Device,
    private readonly options: ModelOpenOptions,
    private readonly workerCount: number,
  ) {
    const m = pkg.manifest;
    this.info = {
      id: `${m.name}@${m.version}`,
      name: m.name,
      version: m.version,
      variant: m.variant,
      embeddingDim: m.embeddingDim,
      image: m.image,
      labels: m.labels.regions,
      promptTemplates: m.promptTemplates,
      logitScale: m.logitScale,
      micronsPerPixel: m.image.micronsPerPixel,
      device,
      precision: options.precision ?? 'fp32',
      calibration: m.calibration ?? null,
      trainedOn: trainedOn(m.training),
    };
    this.tokenizer = new TextTokenizer(pkg.tokenizer, m.text);
    const maxBatch = options.maxBatch ?? 32;
    const maxQueue = options.maxQueue ?? 1024;
    this.images =
      workerCount > 0
        ? new MicroBatcher(
            (b) => this.runInWorkers(b),
            options.maxBatch ?? WORKER_BATCH,
            maxQueue,
            'images',
            workerCount * WORKER_DEPTH,
          )
        : new MicroBatcher((b) => this.runImages(b), maxBatch, maxQueue, 'images');
    this.texts = new MicroBatcher((b) => this.runTexts(b), maxBatch, maxQueue, 'texts');
  }

  static async open(dir: string, options: ModelOpenOptions = {}): Promise<CytoclipModel> {
    const pkg = await loadModelPackage(dir);
    const session = { device: options.device ?? 'cpu', ...options } as SessionOptions;
    const imageKey = imageGraphKey(pkg, options.precision ?? 'fp32');
    const image = await openSession(pkg.paths[imageKey]!, session);
    const text = await openSession(pkg.paths.textEncoder!, { ...session, device: image.device });
    checkNames(pkg.manifest.files[imageKey]!.path, image.session, 'pixel_values', 'image_embeds');
    checkNames(pkg.manifest.files.textEncoder.path, text.session, 'input_ids', 'text_embeds');
    const count = image.device === 'cpu' ? (options.imageWorkers ?? 0) : 0;
    if (!(Number.isInteger(count) && count >= 0))
      throw new CytoclipError('invalid_argument', `imageWorkers must be a whole number, got ${count}`);
    return new CytoclipModel(pkg, image.session, text.session, image.device, options, count);
  }

  get manifest(): ModelManifest {
    return this.pkg.manifest;
  }

  get ontology(): Ontology {
    return this.pkg.ontology;
  }

  /** The package's MODEL_CARD.md (what it can and cannot do), or null when it has none. */
  async modelCard(): Promise<string | null> {
    return readFile(join(this.pkg.dir, 'MODEL_CARD.md'), 'utf8').catch(() => null);
  }

  /**
   * Opens what the first image batch would otherwise wait for: starts the image workers (each loads the graph) and
   * runs one blank image through every worker, or through this thread's session without workers. Loading a model,
   * not embedding: a benchmark's clock starts after it, as a PyTorch loop's starts after the weights are loaded.
   */
  async warmUp(): Promise<void> {
    if (this.closed) throw new CytoclipError('model_closed', 'the model was closed', { status: 503 });
    const { size } = this.info.image;
    const blank = () => new Uint8Array(size * size * 3);
    if (this.workerCount === 0) {
      await this.runImages([{ data: blank(), width: size, height: size, channels: 3 }]);
      return;
    }
    const pool = this.pool();
    // Submitted together, the least-loaded dispatch gives each worker one.
    await Promise.all(Array.from({ length: this.workerCount }, () => pool.run({ kind: 'rgb', data: blank(), n: 1 })));
  }

  async close(): Promise<void> {
    this.closed = true;
    // Work already accepted finishes first — images still being decoded, then what is queued or running: releasing a
    // session mid-run aborts the process (see MicroBatcher.idle).
    while (this.preparing > 0) await new Promise((tick) => setTimeout(tick, 5));
    await Promise.all([this.images.idle(), this.texts.idle()]);
    this.released = true;
    await Promise.all([this.imageSession.release(), this.textSession.release(), this.workers?.close()]);
  }

  /** Image files, encoded bytes or decoded RGB, prepared by slides' prepareModelInput, embedded in batches. */
  async embedImages(inputs: ImageLike[]): Promise<Float32Array[]> {
    const limit = this.options.maxQueue ?? 1024;
    if (this.preparing + this.images.queued > 0 && this.preparing + this.images.queued + inputs.length > limit)
      throw new CytoclipError(
        'busy',
        `the model is busy: ${this.preparing + this.images.queued} images waiting (limit ${limit}); retry shortly`,
        {
          status: 503,
        },
      );
    this.preparing += inputs.length;
    let pixels: Float32Array[];
    try {
      pixels = await this.prepareAll(inputs);
    } finally {
      this.preparing -= inputs.length;
    }
    return this.images.submit(pixels);
  }

  /** Decodes and prepares a few images at a time (sharp has its own thread pool). */
  private async prepareAll(inputs: ImageLike[]): Promise<Float32Array[]> {
    const { size, resize, crop } = this.info.image;
    const out: Float32Array[] = new Array(inputs.length);
    for (let i = 0; i < inputs.length; i += 8) {
      const slice = inputs.slice(i, i + 8);
      const prepared = await Promise.all(
        slice.map((input) => prepareModelInput(input as ImageInput, { size, resize, crop })),
      );
      prepared.forEach((raw, j) => (out[i + j] = toChw(raw, this.info.image)));
    }
    return out;
  }

  /**
   * Tiles already cut at the model's input size (8-bit RGB): only the model's normalisation is left, done where the
   * graph runs. Images of any other size go through embedImages (resized as prepareModelInput would). `handOver`:
   * the caller is done with these images, so image workers may take their pixel buffers as they are instead of
   * copying them into one (each image's data is empty afterwards; only images that own their whole buffer qualify).
   */
  async embedRgb(images: RawImage[], options: { handOver?: boolean } = {}): Promise<Float32Array[]> {
    const { size } = this.info.image;
    if (
      images.some(
        (im) => im.width !== size || im.height !== size || im.channels !== 3 || im.data.length !== size * size * 3,
      )
    )
      return this.embedImages(images);
    if (options.handOver) for (const im of images) if (ownsBuffer(im.data)) this.handedOver.add(im);
    return this.images.submit(images);
  }

  /** Already-normalised pixels: float32 NCHW of n images at the model's size. */
  async embedPixels(pixels: Float32Array, n: number): Promise<Float32Array[]> {
    const per = 3 * this.info.image.size ** 2;
    if (!Number.isInteger(n) || n < 0 || pixels.length !== n * per)
      throw new CytoclipError(
        'bad_tensor_shape',
        `pixels must be float32 [${n}, 3, ${this.info.image.size}, ${this.info.image.size}] (${n * per} values), got ${pixels.length} values`,
        { detail: { expected: n * per, actual: pixels.length } },
      );
    return this.images.submit(Array.from({ length: n }, (_, i) => pixels.subarray(i * per, (i + 1) * per)));
  }

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    for (const t of texts)
      if (typeof t !== 'string') throw new CytoclipError('invalid_argument', 'texts must be strings');
    return this.texts.submit(texts);
  }

  /** Query words this model's tokenizer does not know as whole words (see TextTokenizer.unknownWords). */
  unknownWords(text: string): string[] {
    return this.tokenizer.unknownWords(text);
  }

  /** Raw graph outputs (not normalised) for float NCHW pixels: what the parity check compares. */
  async rawImageEmbeddings(pixels: Float32Array, n: number): Promise<Float32Array> {
    this.checkSessions();
    const s = this.info.image.size;
    const out = await this.imageSession.run({ pixel_values: new ort.Tensor('float32', pixels, [n, 3, s, s]) });
    return this.output(out, 'image_embeds', n);
  }

  /** Raw graph outputs (not normalised) for int64 input_ids [n, contextLength]. */
  async rawTextEmbeddings(ids: BigInt64Array, n: number): Promise<Float32Array> {
    this.checkSessions();
    const ctx = this.manifest.text.contextLength;
    const out = await this.textSession.run({ input_ids: new ort.Tensor('int64', ids, [n, ctx]) });
    return this.output(out, 'text_embeds', n);
  }

  /** A released session must never run (onnxruntime-node would abort the process): a clear 503 instead. */
  private checkSessions(): void {
    if (this.released) throw new CytoclipError('model_closed', 'the model was closed', { status: 503 });
  }

  private output(out: ort.InferenceSession.ReturnType, name: string, n: number): Float32Array {
    const tensor = out[name];
    const dim = this.info.embeddingDim;
    if (!tensor || tensor.type !== 'float32' || tensor.data.length !== n * dim)
      throw new CytoclipError('invalid_model_package', `graph output ${name} is not float32 [${n}, ${dim}]`, {
        status: 500,
      });
    return tensor.data as Float32Array;
  }

  private async runImages(batch: ImageItem[]): Promise<Float32Array[]> {
    const raw = await this.rawImageEmbeddings(this.packChw(batch), batch.length);
    return rows(raw, batch.length, this.info.embeddingDim).map(l2normalize);
  }

  private async runInWorkers(batch: ImageItem[]): Promise<Float32Array[]> {
    const out = await this.pool().run(this.workerBatch(batch));
    return rows(out, batch.length, this.info.embeddingDim);
  }

  /** The image workers, started at the first batch; a pool whose worker died is replaced. */
  private pool(): ImageWorkers {
    if (this.closed) throw new CytoclipError('model_closed', 'the model was closed', { status: 503 });
    if (this.workers?.failed) {
      // The dead worker's batches failed with the reason; later batches get a fresh pool, not the same error.
      void this.workers.close();
      this.workers = null;
    }
    this.workers ??= ImageWorkers.start(
      this.pkg.paths[imageGraphKey(this.pkg, this.info.precision)]!,
      this.info.image,
      this.info.embeddingDim,
      {
        count: this.workerCount,
        threads: this.options.intraOpNumThreads,
      },
    );
    return this.workers;
  }

  /** RGB bytes when every item is still RGB (the worker normalises them), else CHW floats. */
  private workerBatch(batch: ImageItem[]): WorkerBatch {
    if (batch.some((item) => item instanceof Float32Array))
      return { kind: 'chw', data: this.packChw(batch), n: batch.length };
    if (batch.every((item) => this.handedOver.has(item as RawImage)))
      return { kind: 'tiles', data: batch.map((item) => (item as RawImage).data), n: batch.length };
    const per = (batch[0] as RawImage).data.length;
    const data = new Uint8Array(batch.length * per);
    batch.forEach((item, i) => data.set((item as RawImage).data, i * per));
    return { kind: 'rgb', data, n: batch.length };
  }

  private packChw(batch: ImageItem[]): Float32Array {
    const per = 3 * this.info.image.size ** 2;
    const data = new Float32Array(batch.length * per);
    batch.forEach((item, i) => data.set(item instanceof Float32Array ? item : toChw(item, this.info.image), i * per));
    return data;
  }

  private async runTexts(batch: string[]): Promise<Float32Array[]> {
    const raw = await this.rawTextEmbeddings(this.tokenizer.encodeBatch(batch), batch.length);
    return rows(raw, batch.length, this.info.embeddingDim).map(l2normalize);
  }

  /**
   * One embedding per region: its prompts (every template filled from the ontology) embedded, averaged and
   * re-normalised. Cached per region. `ontology` names regions the model's own ontology lacks.
   */
  async regionEmbeddings(acronyms: string[], ontology: Ontology = this.ontology): Promise<Float32Array[]> {
    const missing = acronyms.filter((a) => !this.regionCache.has(a));
    if (missing.length > 0) {
      const lookup = { format: ontology.format, regions: [...this.ontology.regions, ...ontology.regions] } as Ontology;
      const prompts = missing.map((a) => regionPrompts(this.info.promptTemplates, lookup, a));
      const embedded = await this.embedTexts(prompts.flat());
      const k = this.info.promptTemplates.length;
      missing.forEach((a, i) => this.regionCache.set(a, meanNormalized(embedded.slice(i * k, (i + 1) * k))));
    }
    return acronyms.map((a) => this.regionCache.get(a)!);
  }

  /**
   * Zero-shot region classification: softmax(logitScale · cosine / T) over `regions` (default the model's labels),
   * ranked. T is `temperature`, by default the package's calibrated one (`calibration.classify.temperature`, fitted
   * on the val split so that a 0.9 means about 9 in 10), else 1 (the raw CLIP softmax).
   */
  async zeroShotClassify(
    imageEmbedding: Float32Array,
    regions: string[] = this.info.labels,
    options: { temperature?: number } = {},
  ): Promise<RegionScore[]> {
    if (imageEmbedding.length !== this.info.embeddingDim)
      throw new CytoclipError(
        'bad_tensor_shape',
        `image embedding must have ${this.info.embeddingDim} values, got ${imageEmbedding.length}`,
      );
    if (regions.length === 0)
      throw new CytoclipError('invalid_argument', 'zero-shot classification needs at least one region');
    const classes = await this.regionEmbeddings(regions);
    const t = options.temperature ?? this.info.calibration?.classify.temperature ?? 1;
    if (!(t > 0)) throw new CytoclipError('invalid_argument', `temperature must be positive, got ${t}`);
    const probabilities = softmax(classes.map((c) => (this.info.logitScale * cosine(c, imageEmbedding)) / t));
    return regions
      .map((acronym, i) => ({ acronym, probability: probabilities[i]! }))
      .sort((a, b) => b.probability - a.probability);
  }
}
