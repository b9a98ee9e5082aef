import { CytoclipError } from '@cytoclip/domain';
import type { VectorStore } from '@cytoclip/vectors';
import { output, type Command } from '../command.js';
import { openStores, settingsFromEnv } from '../platform.js';

interface CompactReport {
  points: number;
  deadBefore: number;
  bytesBefore: number;
  bytesAfter: number;
  seconds: number;
}

/** The embedded store compacts on demand; Qdrant's own optimizer vacuums its segments, so it has no such method. */
interface Compactable {
  compact(name: string): Promise<CompactReport>;
}

function compactable(store: VectorStore): store is VectorStore & Compactable {
  return typeof (store as Partial<Compactable>).compact === 'function';
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export const compactCommand: Command = {
  path: 'compact',
  summary:
    'reclaim deleted and overwritten points of the embedded vector store (all collections, or one); run it with the server stopped. Qdrant vacuums its own segments',
  usage: '[<collection>] [--json]',
  async run(args) {
    const stores = await openStores(settingsFromEnv());
    try {
      if (!compactable(stores.vectors))
        throw new CytoclipError(
          'invalid_argument',
          'compact works on the embedded vector store; Qdrant (QDRANT_URL) reclaims deleted points by itself',
        );
      const names = (await stores.vectors.listCollections()).map((c) => c.name);
      const wanted = args.positionals[0];
      if (wanted !== undefined && !names.includes(wanted))
        throw new CytoclipError('not_found', `no collection named ${wanted} (have: ${names.join(', ') || 'none'})`, {
          status: 404,
        });
      const collections: (CompactReport & { collection: string })[] = [];
      for (const name of wanted === undefined ? names : [wanted])
        collections.push({ collection: name, ...(await stores.vectors.compact(name)) });
      output(args, { collections }, () =>
        collections.length === 0
          ? 'no collection to compact'
          : collections
              .map(
                (c) =>
                  `${c.collection.padEnd(28)} ${c.points} points, ${c.deadBefore} dead rows reclaimed, ` +
                  `${mb(c.bytesBefore)} → ${mb(c.bytesAfter)} in ${c.seconds.toFixed(1)} s`,
              )
              .join('\n'),
      );
    } finally {
      await stores.close();
    }
  },
};
