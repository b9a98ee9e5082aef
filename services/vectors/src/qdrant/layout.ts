import type { QdrantClient, Schemas } from '@qdrant/js-client-rest';
import { DATA_VERSION } from '../data-version.js';
import type { CollectionSpec } from '../types.js';
import { createCollectionRequest, DATA_VERSION_KEY, fromRecord, PAYLOAD_INDEXES, toQdrantPoint } from './builders.js';

/**
 * Collections behind aliases. The platform names one collection per model version (the catalog's `collection`, e.g.
 * `cytoclip-mini-tile_1`); on Qdrant that name is an alias over a physical collection `<name>_v<n>`. A reindex that
 * needs a new layout builds `<name>_v<n+1>`, copies the points and switches the alias in one atomic alias update, so
 * searches never see a half-built collection. A collection created before aliases (a real collection under the
 * name) is still read as it is, and the first rebuild turns it into an alias.
 */

export type Call = <T>(request: () => Promise<T>) => Promise<T>;

/** How many points one scroll page of a rebuild copies. */
const COPY_PAGE = 256;

export function physicalName(name: string, generation: number): string {
  return `${name}_v${generation}`;
}

/** The generation of a physical collection behind `name` (`<name>_v3` → 3); 0 for a pre-alias collection. */
export function generationOf(name: string, physical: string): number {
  const match = physical.startsWith(`${name}_v`) ? /^\d+$/.exec(physical.slice(name.length + 2)) : null;
  return match ? Number(match[0]) : 0;
}

/** alias → the collection it points to. */
export async function aliasTargets(client: QdrantClient, call: Call): Promise<Map<string, string>> {
  const { aliases } = await call(() => client.getAliases());
  return new Map(aliases.map((a) => [a.alias_name, a.collection_name]));
}

function status(error: unknown): number | undefined {
  return (error as { status?: number }).status;
}

/** "Already exists" from a create that another worker won: Qdrant answers 409 (older servers 400 with that text). */
export function alreadyExists(error: unknown): boolean {
  const text = String((error as { message?: string }).message ?? '');
  return status(error) === 409 || /already exists/i.test(text);
}

/** A physical collection with the current layout: vectors, sparse vector, payload indexes, the data version stamp. */
export async function createPhysical(
  client: QdrantClient,
  call: Call,
  physical: string,
  spec: CollectionSpec,
  dataVersion = DATA_VERSION,
): Promise<void> {
  const request = { ...createCollectionRequest(spec), metadata: { [DATA_VERSION_KEY]: dataVersion } };
  try {
    await call(() => client.createCollection(physical, request));
  } catch (error) {
    if (!alreadyExists(error)) throw error; // a concurrent worker created it: the same request, so the same layout
  }
  // Creating an index that exists is a no-op in Qdrant, so concurrent workers may both send them.
  for (const index of PAYLOAD_INDEXES) {
    await call(() => client.createPayloadIndex(physical, { ...index, wait: true }));
  }
}

/** Points `alias` at `physical`, in one atomic alias update (dropping the alias's old target from it first). */
export async function pointAlias(client: QdrantClient, call: Call, alias: string, physical: string, had: boolean) {
  const actions: Schemas['AliasOperations'][] = [];
  if (had) actions.push({ delete_alias: { alias_name: alias } });
  actions.push({ create_alias: { collection_name: physical, alias_name: alias } });
  await call(() => client.updateCollectionAliases({ actions }));
}

/** Copies every point of `from` into `to` (scroll pages of COPY_PAGE, vectors and payload as stored). */
export async function copyPoints(client: QdrantClient, call: Call, from: string, to: string): Promise<number> {
  let offset: Schemas['ExtendedPointId'] | undefined = undefined;
  let copied = 0;
  do {
    const page = await call(() =>
      client.scroll(from, { limit: COPY_PAGE, with_payload: true, with_vector: true, ...(offset ? { offset } : {}) }),
    );
    const points = page.points.map((record) => {
      const stored = fromRecord(record, true);
      return toQdrantPoint({ id: stored.id, vector: stored.vector!, payload: stored.payload, lexical: stored.lexical });
    });
    if (points.length) await call(() => client.upsert(to, { wait: true, points }));
    copied += points.length;
    offset = (page.next_page_offset as Schemas['ExtendedPointId'] | null | undefined) ?? undefined;
  } while (offset !== undefined && offset !== null);
  return copied;
}
