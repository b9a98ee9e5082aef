import { CytoclipError } from '@cytoclip/domain';
import { EmbeddedVectorStore } from './embedded/store.js';
import { openStoreThread } from './embedded/threaded.js';
import { QdrantVectorStore } from './qdrant/store.js';
import type { VectorStore } from './types.js';

export interface OpenVectorStoreOptions {
  /** Qdrant's URL (QDRANT_URL); without it the embedded store is used. */
  qdrantUrl?: string;
  qdrantApiKey?: string;
  /** The platform's DATA_DIR: the embedded store lives in `<dataDir>/vectors`. */
  dataDir: string;
  /**
   * Threads the embedded store runs in besides the main one (CYTOCLIP_SEARCH_THREADS): 0 (default) in the main
   * thread; 1 in a worker thread of its own, so searches and writes leave the main thread to HTTP and the models.
   */
  searchThreads?: number;
}

/** Qdrant when a URL is given, else the embedded store under dataDir. */
export async function openVectorStore(options: OpenVectorStoreOptions): Promise<VectorStore> {
  if (options.qdrantUrl) return QdrantVectorStore.open({ url: options.qdrantUrl, apiKey: options.qdrantApiKey });
  const threads = options.searchThreads ?? searchThreadsFromEnv(process.env.CYTOCLIP_SEARCH_THREADS);
  return threads === 1 ? openStoreThread(options.dataDir) : EmbeddedVectorStore.open(options.dataDir);
}

export function searchThreadsFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (value !== '0' && value !== '1') {
    throw new CytoclipError('invalid_argument', `CYTOCLIP_SEARCH_THREADS must be 0 or 1, not "${value}"`, {
      status: 400,
    });
  }
  return Number(value);
}
