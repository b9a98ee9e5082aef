import { CytoclipError } from '@cytoclip/domain';

interface Job<I, O> {
  items: I[];
  results: O[];
  done: number;
  resolve(out: O[]): void;
  reject(error: unknown): void;
}

/**
 * Serialises work on one session and micro-batches concurrent callers: whatever items are queued when the session
 * frees up run together, up to maxBatch. `maxQueue` bounds items waiting; a call that would exceed it (while
 * others wait) is refused with a 503 'busy' error instead of growing memory without bound.
 */
export class MicroBatcher<I, O> {
  private readonly queue: { job: Job<I, O>; index: number }[] = [];
  private running = false;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly maxBatch: number,
    private readonly maxQueue: number,
    private readonly what: string,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  submit(items: I[]): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    if (this.queue.length > 0 && this.queue.length + items.length > this.maxQueue)
      return Promise.reject(
        new CytoclipError('busy', `the model is busy: ${this.queue.length} ${this.what} queued (limit ${this.maxQueue}); retry shortly`, {
          status: 503,
          detail: { queued: this.queue.length, limit: this.maxQueue },
        }),
      );
    return new Promise<O[]>((resolve, reject) => {
      const job: Job<I, O> = { items, results: new Array<O>(items.length), done: 0, resolve, reject };
      items.forEach((_, index) => this.queue.push({ job, index }));
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      const failed = new Set<Job<I, O>>();
      try {
        const out = await this.run(batch.map(({ job, index }) => job.items[index]!));
        batch.forEach(({ job, index }, i) => {
          job.results[index] = out[i]!;
          if (++job.done === job.items.length) job.resolve(job.results);
        });
      } catch (error) {
        // A failed batch fails every caller in it; their other queued items are dropped with them.
        for (const { job } of batch) failed.add(job);
        for (const job of failed) job.reject(error);
        for (let i = this.queue.length - 1; i >= 0; i--) if (failed.has(this.queue[i]!.job)) this.queue.splice(i, 1);
      }
    }
    this.running = false;
  }
}
