import { CytoclipError } from '@cytoclip/domain';

/**
 * The format of the points a collection holds, stamped when it is created (embedded: its manifest's `dataVersion`;
 * Qdrant: the collection's metadata) and raised by `cytoclip reindex` once its points are brought up to date. Data
 * from before the stamp existed reads as 1.
 *
 * 1. dense vectors and the filter payload.
 * 2. the lexical (BM25) vector of every annotated point; on Qdrant also the named sparse vector and the `weekKey`
 *    payload index that groups by gestational week.
 */
export const DATA_VERSION = 2;

/** What changed at each version, for the message that asks for a reindex. */
export const DATA_CHANGES: Record<number, string> = {
  2: 'lexical vectors for hybrid search (and, on Qdrant, grouping by week)',
};

export interface StaleCollection {
  collection: string;
  version: number;
}

/** The message `start`, `serve` and the API log for collections written before the current format. */
export function staleDataMessage(stale: StaleCollection[]): string | null {
  if (stale.length === 0) return null;
  const missing = new Set<string>();
  for (const s of stale)
    for (let v = s.version + 1; v <= DATA_VERSION; v++) if (DATA_CHANGES[v]) missing.add(DATA_CHANGES[v]!);
  const which = stale.map((s) => `${s.collection} (format ${s.version})`).join(', ');
  return (
    `vector data written before format ${DATA_VERSION}: ${which} lack ${[...missing].join('; ')}. ` +
    'Searches answer dense-only until then: run `cytoclip reindex` (with the server stopped) to bring them up to date.'
  );
}

/** A version to stamp: a whole number from 1 to DATA_VERSION (a store never claims a format it does not know). */
export function checkDataVersion(version: number): number {
  if (!Number.isInteger(version) || version < 1 || version > DATA_VERSION)
    throw new CytoclipError('invalid_argument', `data version must be an integer from 1 to ${DATA_VERSION}`, {
      status: 400,
      detail: { field: 'version', message: `not ${String(version)}` },
    });
  return version;
}
