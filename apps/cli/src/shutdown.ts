/** A graceful stop that overruns this is cut short (the next run resumes; leases lapse, pid locks are taken over). */
export const STOP_GRACE_MS = 9_000;

/**
 * How a command that holds the stores stops on SIGTERM / SIGINT: `signal` aborts (ingests take no new section and
 * hand the current ones back), then `stop()` waits for the work registered with `track` (an ingest winding down, a
 * request record saved) so the caller can close the server and the stores cleanly and exit 0.
 */
export class Shutdown {
  private readonly controller = new AbortController();
  private readonly work = new Set<Promise<unknown>>();
  readonly signal: AbortSignal = this.controller.signal;

  get stopping(): boolean {
    return this.signal.aborted;
  }

  /** Registers work that stop() waits for; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    this.work.add(work);
    const forget = () => void this.work.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Aborts `signal` and waits until every tracked piece of work has settled (work tracked meanwhile included). */
  async stop(): Promise<void> {
    this.controller.abort();
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }
}

/**
 * Runs `onStop` on the first SIGTERM or SIGINT; `then` is called with its outcome (the caller exits, or lets its
 * command return). A second signal, or an `onStop` that takes longer than `graceMs`, exits at once with status 1.
 * Returns a function that removes the handlers.
 */
export function onTermination(
  onStop: (signal: NodeJS.Signals) => Promise<void>,
  options: { graceMs?: number; log?: (line: string) => void; then?: (error?: unknown) => void } = {},
): () => void {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal} again: exiting now (the next run resumes what was left)`);
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: stopping (a second ${signal} exits at once) …`);
    const grace = options.graceMs ?? STOP_GRACE_MS;
    setTimeout(() => {
      log(`not stopped within ${grace / 1000} s: exiting now (the next run resumes what was left)`);
      process.exit(1);
    }, grace).unref();
    onStop(signal).then(
      () => options.then?.(),
      (error: unknown) => options.then?.(error),
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
