// The embedded store's own thread: opens the store in `workerData.dataDir` and answers the calls `threaded.ts` posts
// ({ id, method, args } → { id, result } or { id, error }), one at a time and in order, so a search sees every write
// posted before it.
import { parentPort, workerData } from 'node:worker_threads';
import { isCytoclipError } from '@cytoclip/domain';
import type { CollectionOptions } from './collection.js';
import { EmbeddedVectorStore } from './store.js';

export interface ThreadCall {
  id: number;
  method: string;
  args: unknown[];
}

export interface ThreadError {
  message: string;
  code?: string;
  status?: number;
  detail?: Record<string, unknown>;
}

const port = parentPort!;
const { dataDir, options } = workerData as { dataDir: string; options: Partial<CollectionOptions> };

function serialize(error: unknown): ThreadError {
  if (isCytoclipError(error))
    return { message: error.message, code: error.code, status: error.status, detail: error.detail };
  return { message: error instanceof Error ? error.message : String(error) };
}

let store: EmbeddedVectorStore;
try {
  store = await EmbeddedVectorStore.open(dataDir, options);
  port.postMessage({ id: 0, result: null });
} catch (error) {
  port.postMessage({ id: 0, error: serialize(error) });
  process.exit(0);
}

port.on('message', async ({ id, method, args }: ThreadCall) => {
  try {
    const call = (store as unknown as Record<string, unknown>)[method];
    if (typeof call !== 'function') throw new Error(`the vector store has no method ${method}`);
    port.postMessage({ id, result: await (call as (...a: unknown[]) => unknown).apply(store, args) });
  } catch (error) {
    port.postMessage({ id, error: serialize(error) });
  }
});
