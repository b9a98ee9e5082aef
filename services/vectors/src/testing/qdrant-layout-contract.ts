import { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, documentVector } from '@cytoclip/domain';
import { DATA_VERSION } from '../data-version.js';
import { QdrantVectorStore } from '../qdrant/store.js';
import { makePoints, randomUnit, rng } from './fixtures.js';

const DIM = 16;

/**
 * Qdrant's own part of the contract, on a real server (QDRANT_URL): collections behind aliases, concurrent creation,
 * and the rebuild of a collection made before sparse vectors and the stamp into one that holds lexical vectors.
 */
export function qdrantLayoutContract(url: string, apiKey: string | undefined): void {
  describe(`Qdrant layout contract (${url})`, () => {
    const client = new QdrantClient({ url, apiKey, checkCompatibility: false });
    const run = `${process.pid}_${Date.now()}`;
    const names: string[] = [];
    const open = () => QdrantVectorStore.open({ url, apiKey });
    afterAll(async () => {
      const store = await open();
      for (const name of names) await store.dropCollection(name).catch(() => undefined);
      await store.close();
    });

    it('creates <name>_v1 behind the alias <name>, once, however many workers ask together', async () => {
      const name = `contract_alias_${run}`;
      names.push(name);
      const stores = await Promise.all([open(), open(), open(), open()]);
      await Promise.all(stores.map((s) => s.ensureCollection(name, { dim: DIM })));
      const { aliases } = await client.getCollectionAliases(`${name}_v1`);
      expect(aliases.map((a) => a.alias_name)).toEqual([name]);
      expect(await stores[0]!.dataVersion(name)).toBe(DATA_VERSION);
      expect((await stores[1]!.listCollections()).map((c) => c.name)).toContain(name);
      expect((await stores[1]!.listCollections()).map((c) => c.name)).not.toContain(`${name}_v1`);
    });

    it('rebuilds a collection from before sparse vectors behind an alias, keeping its points, then holds lexical ones', async () => {
      const name = `contract_legacy_${run}`;
      names.push(name);
      await client.createCollection(name, { vectors: { size: DIM, distance: 'Cosine' } });
      await client.createPayloadIndex(name, { field_name: 'gestationalWeek', field_schema: 'float', wait: true });
      const points = makePoints(DIM, 6);
      await client.upsert(name, {
        wait: true,
        points: points.map((p) => ({ id: p.id, vector: Array.from(p.vector), payload: { ...p.payload } })),
      });
      const store = await open();
      expect(await store.dataVersion(name)).toBe(1);
      await store.upgradeLayout(name);
      const { aliases } = await client.getAliases();
      expect(aliases.find((a) => a.alias_name === name)?.collection_name).toBe(`${name}_v1`);
      expect(await store.count(name)).toBe(points.length);
      const lexical = documentVector(analyze('subplate neurons'));
      await store.upsert(name, [{ ...points[0]!, lexical }]);
      expect((await store.lexicalCoverage(name)).lexical).toBe(1);
      await store.markDataVersion(name, DATA_VERSION);
      expect(await store.dataVersion(name)).toBe(DATA_VERSION);
      const groups = await store.topPerGroup(name, randomUnit(rng(3), DIM), { field: 'gestationalWeek', perGroup: 2 });
      expect(groups.map((g) => g.value)).toEqual([16, 21, 30.5]);
      await store.close();
    });
  });
}
