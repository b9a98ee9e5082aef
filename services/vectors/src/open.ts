import { EmbeddedVectorStore } from './embedded/store.js';
import { QdrantVectorStore } from './qdrant/store.js';
import type { VectorStore } from './types.js';

export interface OpenVectorStoreOptions {
  /** Qdrant's URL (QDRANT_URL); without it the embedded store is used. */
  qdrantUrl?: string;
  qdrantApiKey?: string;
  /** The platform's DATA_DIR: the embedded store lives in `<dataDir>/vectors`. */
  dataDir: string;
}

/** Qdrant when a URL is given, else the embedded store under dataDir. */
export async function openVectorStore(options: OpenVectorStoreOptions): Promise<VectorStore> {
  if (options.qdrantUrl) return QdrantVectorStore.open({ url: options.qdrantUrl, apiKey: options.qdrantApiKey });
  return EmbeddedVectorStore.open(options.dataDir);
}
