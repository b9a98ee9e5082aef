import { Worker } from 'node:worker_threads';
import { CytoclipError, type ErrorCode } from '@cytoclip/domain';
import type { CollectionOptions } from './collection.js';
import { EmbeddedVectorStore } from './store.js';
import type { ThreadCall, ThreadError } from './store-thread.js';

/** The embedded store's public face (every `VectorStore` method, plus `compact` and `stats`). */
export type EmbeddedStore = Pick<EmbeddedVectorStore, keyof EmbeddedVectorStore>;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * The embedded store in a worker thread of its own: the same store, opened and run there, every call posted to it
 * and answered in order. The main thread keeps only HTTP, JSON and the models; searches, payloads and writes use the
 * other core. No memory is copied or shared (usearch's binding refuses SharedArrayBuffer-backed arrays, so a pool of
 * threads over one copy of the int8 lists is not possible); calls cost a structured clone of their arguments and
 * answers (~tens of µs for a page of hits).
 */
export async function openStoreThread(
  dataDir: string,
  options: Omit<Partial<CollectionOptions>, 'compactProbe'> = {},
): Promise<EmbeddedStore> {
  const worker = startWorker({ dataDir, options });
  const pending = new Map<number, Pending>();
  let next = 0;
  let failure: Error | null = null;
  const fail = (error: Error) => {
    failure ??= error;
    for (const call of pending.values()) call.reject(failure);
    pending.clear();
  };
  worker.on('message', ({ id, result, error }: { id: number; result?: unknown; error?: ThreadError }) => {
    const call = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) worker.unref(); // an idle store thread does not keep the process alive
    if (error) call?.reject(revive(error));
    else call?.resolve(result);
  });
  worker.on('error', (error) => fail(unavailable(`the vector store thread failed: ${error.message}`)));
  worker.on('exit', (code) => fail(unavailable(`the vector store thread exited (${code})`)));

  const call = (method: string, args: unknown[]): Promise<unknown> => {
    if (failure) return Promise.reject(failure);
    const id = ++next;
    worker.ref();
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, method, args } satisfies ThreadCall);
    });
  };
  // The thread answers id 0 once the store is open (or with the error that kept it shut: a lock, a bad manifest).
  worker.ref();
  await new Promise((resolve, reject) => pending.set(0, { resolve, reject }));

  let closed = false;
  return new Proxy({} as EmbeddedStore, {
    get(_, method) {
      // Only the store's methods: nothing else (not `then`: the proxy is no thenable) reads as a function.
      if (typeof method !== 'string' || !isStoreMethod(method)) return undefined;
      if (method === 'close') {
        return async () => {
          if (closed) return;
          await call('close', []);
          closed = true;
          await worker.terminate();
        };
      }
      return (...args: unknown[]) => call(method, args);
    },
  });
}

/** The built thread entry, or from the sources (tests, `tsx` scripts) through a small entry that loads tsx first. */
function startWorker(workerData: unknown): Worker {
  const source = import.meta.url.endsWith('.ts');
  const entry = new URL(source ? './store-thread-source.mjs' : './store-thread.js', import.meta.url);
  return new Worker(entry, { workerData, ...(source ? { execArgv: ['--conditions=source'] } : {}) });
}

function isStoreMethod(name: string): boolean {
  return name !== 'constructor' && typeof Reflect.get(EmbeddedVectorStore.prototype, name) === 'function';
}

function revive(error: ThreadError): Error {
  if (error.code === undefined) return new Error(error.message);
  return new CytoclipError(error.code as ErrorCode, error.message, {
    status: error.status,
    ...(error.detail ? { detail: error.detail } : {}),
  });
}

function unavailable(message: string): CytoclipError {
  return new CytoclipError('internal', message, { status: 500 });
}
