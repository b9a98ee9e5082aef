import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { CytoclipError, type ImageSpec } from '@cytoclip/domain';

/**
 * A batch for a worker: float32 NCHW pixels already normalised, or uint8 RGB (HWC) at the model's size that the
 * worker normalises itself — packed tile after tile, or one array per tile handed over as they are (no packing copy).
 * Every buffer is transferred: the caller's views of it are empty afterwards.
 */
export type WorkerBatch =
  | { kind: 'chw'; data: Float32Array; n: number }
  | { kind: 'rgb'; data: Uint8Array; n: number }
  | { kind: 'tiles'; data: Uint8Array[]; n: number };

interface Pending {
  resolve(out: Float32Array): void;
  reject(error: Error): void;
}

/*
 * The worker is plain CommonJS given as a string (`eval`), so it runs the same from TypeScript sources, the built
 * package and under test runners, with no file to ship beside the build. It loads onnxruntime-node by the path the
 * parent resolved, opens its own session and answers one batch at a time: raw graph outputs, L2-normalised.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ort);
const { path, threads, size, mean, std, dim } = workerData;
const opened = ort.InferenceSession.create(path, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1 });
opened.catch(() => undefined);
const scale = std.map((s) => 1 / (255 * s));
const shift = mean.map((m, c) => m / std[c]);
// One input buffer, grown as needed and reused: a fresh 1 MB array per batch kept this thread's GC busy.
let pixelBuffer = new Float32Array(0);
function fromRgb(tiles) {
  const per = size * size, n = tiles.length;
  if (pixelBuffer.length < n * 3 * per) pixelBuffer = new Float32Array(n * 3 * per);
  const out = pixelBuffer.subarray(0, n * 3 * per);
  for (let k = 0; k < n; k++) {
    const rgb = tiles[k];
    for (let c = 0; c < 3; c++) {
      const dst = (k * 3 + c) * per, a = scale[c], b = shift[c];
      for (let p = 0, q = c; p < per; p++, q += 3) out[dst + p] = rgb[q] * a - b;
    }
  }
  return out;
}
function split(rgb, n) {
  const bytes = size * size * 3;
  return Array.from({ length: n }, (_, k) => rgb.subarray(k * bytes, (k + 1) * bytes));
}
// Batches queue up here (the pool sends the next before this one is done); one at a time, since the input buffer is
// shared and run() itself is synchronous.
let chain = Promise.resolve();
parentPort.on('message', (message) => {
  chain = chain.then(() => embed(message));
});
async function embed({ id, kind, data, n }) {
  try {
    const session = await opened;
    const pixels = kind === 'chw' ? data : fromRgb(kind === 'tiles' ? data : split(data, n));
    const result = await session.run({ pixel_values: new ort.Tensor('float32', pixels, [n, 3, size, size]) });
    const raw = result.image_embeds;
    if (!raw || raw.type !== 'float32' || raw.data.length !== n * dim) throw new Error('graph output image_embeds is not float32 [' + n + ', ' + dim + ']');
    const out = new Float32Array(raw.data);
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let i = k * dim; i < (k + 1) * dim; i++) s += out[i] * out[i];
      const norm = Math.sqrt(s) || 1;
      for (let i = k * dim; i < (k + 1) * dim; i++) out[i] /= norm;
    }
    parentPort.postMessage({ id, out }, [out.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
}
`;

/** Batches sent to one worker at once: the one it runs and the next, waiting in its port. */
export const WORKER_DEPTH = 2;

/**
 * The image graph in `count` worker threads, each with its own session (one intra-op thread by default). On a small
 * CPU two single-threaded sessions embed at least as much as one session with two threads (bench:embed), and
 * inference no longer blocks the event loop, so cutting, packing and catalog commits overlap with it. Each worker
 * holds up to WORKER_DEPTH batches: one that finishes while this thread is busy (a catalog commit runs synchronous
 * WebAssembly for tens of milliseconds) starts its next batch instead of waiting to be handed one. `run` picks the
 * least loaded worker or waits for one.
 */
export class ImageWorkers {
  /** Batches each worker holds now. */
  private readonly load: Map<Worker, number>;
  private readonly waiting: (() => void)[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;

  private constructor(private readonly workers: Worker[]) {
    this.load = new Map(workers.map((w) => [w, 0]));
  }

  static start(path: string, spec: ImageSpec, dim: number, options: { count: number; threads?: number }): ImageWorkers {
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    const data = {
      ort: ortPath,
      path,
      threads: options.threads ?? 1,
      size: spec.size,
      mean: spec.mean,
      std: spec.std,
      dim,
    };
    const workers = Array.from(
      { length: options.count },
      () => new Worker(WORKER_SOURCE, { eval: true, workerData: data }),
    );
    const pool = new ImageWorkers(workers);
    for (const w of workers) pool.listen(w);
    return pool;
  }

  private listen(worker: Worker): void {
    worker.on('message', (m: { id: number; out?: Float32Array; error?: string }) => {
      const job = this.pending.get(m.id);
      this.pending.delete(m.id);
      this.release(worker);
      if (!job) return;
      if (m.out) job.resolve(m.out);
      else
        job.reject(
          new CytoclipError('inference_failed', `image embedding failed in a worker: ${m.error}`, { status: 500 }),
        );
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (code !== 0) this.fail(new Error(`an image worker exited with code ${code}`));
    });
  }

  /** True once a worker died (or the pool was closed): the owner starts a new pool for later calls. */
  get failed(): boolean {
    return this.failure !== null;
  }

  /** A worker that dies takes the pool with it: every waiting and later call fails with the reason. */
  private fail(error: Error): void {
    this.failure ??= new CytoclipError('inference_failed', `image worker failed: ${error.message}`, {
      status: 500,
      cause: error,
    });
    for (const job of this.pending.values()) job.reject(this.failure);
    this.pending.clear();
    for (const wake of this.waiting.splice(0)) wake();
  }

  private release(worker: Worker): void {
    this.load.set(worker, this.load.get(worker)! - 1);
    this.waiting.shift()?.();
  }

  private async acquire(): Promise<Worker> {
    for (;;) {
      if (this.failure) throw this.failure;
      let best: Worker | null = null;
      for (const [worker, n] of this.load)
        if (n < WORKER_DEPTH && (best === null || n < this.load.get(best)!)) best = worker;
      if (best) {
        this.load.set(best, this.load.get(best)! + 1);
        return best;
      }
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
  }

  /** L2-normalised embeddings of one batch, n × dim values in one array. The batch's buffer is transferred. */
  async run(batch: WorkerBatch): Promise<Float32Array> {
    const worker = await this.acquire();
    const id = this.nextId++;
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const buffers =
        batch.kind === 'tiles' ? batch.data.map((t) => t.buffer as ArrayBuffer) : [batch.data.buffer as ArrayBuffer];
      worker.postMessage({ id, kind: batch.kind, data: batch.data, n: batch.n }, buffers);
    });
  }

  async close(): Promise<void> {
    this.failure ??= new CytoclipError('model_closed', 'the model was closed', { status: 503 });
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
