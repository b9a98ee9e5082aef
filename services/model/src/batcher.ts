import { CytoclipError } from '@cytoclip/domain';

interface Job<I, O> {
  items: I[];
  results: O[];
  done: number;
  resolve(out: O[]): void;
  reject(error: unknown): void;
}

/**
 * Micro-batches concurrent callers onto a session (or `concurrency` slots of a worker pool): whatever items are queued
 * when a runner frees up run together, up to maxBatch. `maxQueue` bounds items waiting; a call that would exceed it
 * (while others wait) is refused with a 503 'busy' error instead of growing memory without bound.
 */
export class MicroBatcher<I, O> {
  private readonly queue: { job: Job<I, O>; index: number }[] = [];
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly maxBatch: number,
    private readonly maxQueue: number,
    private readonly what: string,
    /** Batches out at once (a worker pool's workers × the batches each holds). */
    private readonly concurrency = 1,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  /**
   * Resolves once nothing is queued or running: what a close awaits before it releases the sessions, because
   * onnxruntime-node aborts the whole process (`terminate … Napi::Error`) when a session goes while a run is in flight.
   */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((done) => this.waiting.push(done));
  }

  submit(items: I[]): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    if (this.queue.length > 0 && this.queue.length + items.length > this.maxQueue)
      return Promise.reject(
        new CytoclipError(
          'busy',
          `the model is busy: ${this.queue.length} ${this.what} queued (limit ${this.maxQueue}); retry shortly`,
          {
            status: 503,
            detail: { queued: this.queue.length, limit: this.maxQueue },
          },
        ),
      );
    return new Promise<O[]>((resolve, reject) => {
      const job: Job<I, O> = { items, results: new Array<O>(items.length), done: 0, resolve, reject };
      items.forEach((_, index) => this.queue.push({ job, index }));
      this.drain();
    });
  }

  private drain(): void {
    while (this.queue.length > 0 && this.active < this.concurrency) {
      this.active++;
      void this.runBatch(this.queue.splice(0, this.maxBatch)).finally(() => {
        this.active--;
        this.drain();
        if (this.active === 0 && this.queue.length === 0) this.waiting.splice(0).forEach((done) => done());
      });
    }
  }

  private async runBatch(batch: { job: Job<I, O>; index: number }[]): Promise<void> {
    try {
      const out = await this.run(batch.map(({ job, index }) => job.items[index]!));
      batch.forEach(({ job, index }, i) => {
        job.results[index] = out[i]!;
        if (++job.done === job.items.length) job.resolve(job.results);
      });
    } catch (error) {
      // A failed batch fails every caller in it; their other queued items are dropped with them.
      const failed = new Set(batch.map(({ job }) => job));
      for (const job of failed) job.reject(error);
      for (let i = this.queue.length - 1; i >= 0; i--) if (failed.has(this.queue[i]!.job)) this.queue.splice(i, 1);
    }
  }
}
