import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CytoclipError } from '@cytoclip/domain';
import type { Catalog } from '@cytoclip/catalog';
import { ONTOLOGY, manifest, section, sectionResult, tilesOf, vector } from './fixtures.js';
import { bandTests, leaseRuleTests, withdrawalTests } from './contract-ingest.js';

/**
 * The one suite every catalog backend passes (in the style of Hono's shared router tests). `open` returns a fresh,
 * empty catalog; `skip` is true where the backend is unavailable (needs() printed why).
 */
export function catalogContract(name: string, open: () => Promise<Catalog>, skip = false): void {
  describe.skipIf(skip)(`catalog contract: ${name}`, () => {
    let catalog: Catalog;
    beforeAll(async () => {
      catalog = await open();
      await catalog.upsertOntology(ONTOLOGY);
      await catalog.upsertAtlas({ name: 'demo', manifest: manifest('demo'), root: '/atlases/demo' });
      await catalog.upsertSpecimens('demo', manifest('demo').specimens);
    });
    afterAll(async () => catalog?.close());

    atlasTests(() => catalog);
    ontologyTests(() => catalog);
    tileTests(() => catalog);
    modelTests(() => catalog);
    ingestTests(() => catalog);
    ingestRequestTests(() => catalog);
    deleteTests(() => catalog);
    leaseRuleTests(() => catalog);
    withdrawalTests(() => catalog);
    bandTests(() => catalog);
    queryErrorTests(() => catalog);
    unannotatedTests(() => catalog);
    sameAsTests(() => catalog);
  });
}

function sameAsTests(get: () => Catalog): void {
  it('files an imported region under the platform regions it is the same as, keeping its own namespaced path', async () => {
    const c = get();
    const region = (acronym: string, parent: string | null, sameAs?: string[]) => ({
      id: acronym,
      acronym,
      name: acronym,
      parent,
      description: '',
      color: '#123456',
      ...(sameAs ? { sameAs } : {}),
    });
    await c.upsertOntology([
      region('x:Br', null),
      region('x:CP-F', 'x:Br', ['CP']),
      region('x:SP', 'x:Br'), // a homonym of the platform's SP, mapped to nothing
    ]);
    const byAcronym = new Map((await c.listRegions()).map((r) => [r.acronym, r]));
    expect(byAcronym.get('x:CP-F')).toMatchObject({ sameAs: ['CP'], path: ['Br', 'Tel', 'CP', 'x:Br', 'x:CP-F'] });
    expect(byAcronym.get('x:SP')).toMatchObject({ sameAs: null, path: ['x:Br', 'x:SP'] });
    expect((await c.descendants(['CP'])).sort()).toEqual(['CP', 'x:CP-F']);
    expect(await c.descendants(['SP'])).toEqual(['SP']);
    await expect(c.upsertOntology([region('x:Z', null, ['nowhere'])])).rejects.toThrow(/unknown region "nowhere"/);
  });
}

function unannotatedTests(get: () => Catalog): void {
  it('commits an unannotated section: no annotations, no region images, tiles and points with region null', async () => {
    const c = get();
    await c.upsertAtlas({ name: 'plain', manifest: manifest('plain'), root: '/atlases/plain' });
    await c.upsertSpecimens('plain', manifest('plain').specimens);
    const run = await c.startRun('plain', ['u@1'], ['S01-cor-1']);
    const job = await c.leaseJob(run.id, 'worker-u', 60_000);
    const tiles = tilesOf('plain', 'S01-cor-1', 3).map((t) => ({ ...t, region: null, regionFraction: 0 }));
    const payload = { kind: 'tile', atlas: 'plain', section: 'S01-cor-1', region: null, regionPath: [] };
    const result = {
      section: section('plain', 'S01-cor-1'),
      annotations: [],
      tiles,
      regionImages: [],
      points: tiles.map((t, i) => ({ collection: 'u_1', pointId: t.id, atlas: 'plain', payload, vector: vector(i) })),
    };
    expect(await c.completeJob(job!.id, 'worker-u', result)).toBeTruthy();
    expect(await c.listTiles('plain', 'S01-cor-1')).toEqual(tiles);
    expect(await c.getTile(tiles[0]!.id)).toMatchObject({ region: null, regionPath: [], regionName: null });
    expect((await c.getSection('S01-cor-1', 'plain'))!.annotations).toEqual([]);
    const outbox = await c.readOutbox(10, 'u_1');
    expect(outbox.map((e) => e.payload)).toEqual([payload, payload, payload]);
    await c.deleteOutbox(outbox.map((e) => e.id));
    expect(await c.deleteAtlas('plain')).toBe(true);
  });
}

function queryErrorTests(get: () => Catalog): void {
  it('fails a query the database refuses with a short error: no SQL, no parameters', async () => {
    // PostgreSQL refuses a NUL byte in text; drizzle's own error printed the statement and its parameters.
    const error = await get()
      .getSection('S01-\0-secret-id')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CytoclipError);
    expect(error).toMatchObject({ code: 'catalog_query_failed', status: 500 });
    const printed = inspect(error, { depth: 5 });
    for (const leak of ['select', 'secret-id', 'params']) expect(printed.toLowerCase()).not.toContain(leak);
    expect((error as Error).message.length).toBeLessThan(200);
  });
}

function atlasTests(get: () => Catalog): void {
  it('stores atlases and specimens, with fractional weeks and the age source', async () => {
    const atlas = await get().getAtlas('demo');
    expect(atlas).toMatchObject({ name: 'demo', root: '/atlases/demo', specimens: 2, sections: 0 });
    const specimens = await get().listSpecimens({ atlas: 'demo' });
    expect(specimens.map((s) => [s.id, s.gestationalWeek])).toEqual([
      ['S02', 16.5],
      ['S01', 21],
    ]);
    expect(specimens[0]!.ageSource).toBe('pcw 14.5');
  });

  it('upserts a section and replaces its annotations, idempotently', async () => {
    await get().upsertSection(section('demo', 'S01-cor-9'));
    const polygon = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [0, 0],
          [10, 0],
          [10, 10],
          [0, 0],
        ],
      ],
    };
    await get().replaceAnnotations('demo', 'S01-cor-9', [{ region: 'CP', geometry: polygon }]);
    await get().replaceAnnotations('demo', 'S01-cor-9', [
      { region: 'CP', geometry: polygon },
      { region: 'SP', geometry: polygon },
    ]);
    await get().upsertSection({ ...section('demo', 'S01-cor-9'), width: 1000 });
    const found = await get().getSection('S01-cor-9');
    expect(found).toMatchObject({ atlas: 'demo', width: 1000, plane: 'coronal', gestationalWeek: 21 });
    expect(found!.annotations.map((a) => a.region)).toEqual(['CP', 'SP']);
    expect(found!.annotations[0]!.geometry).toEqual(polygon);
    expect(await get().getSection('nope')).toBeNull();
    expect((await get().listSections('demo')).map((s) => s.id)).toContain('S01-cor-9');
  });

  it('rejects a section of an unknown specimen and writes nothing', async () => {
    await expect(get().upsertSection(section('demo', 'X-1', 'S99'))).rejects.toThrow();
    expect(await get().getSection('X-1')).toBeNull();
  });
}

function ontologyTests(get: () => Catalog): void {
  it('materialises ancestor paths and builds the tree', async () => {
    const regions = await get().listRegions();
    expect(regions.find((r) => r.acronym === 'CP')!.path).toEqual(['Br', 'Tel', 'CP']);
    const tree = await get().regionTree();
    expect(tree.map((r) => r.acronym)).toEqual(['Br']);
    expect(tree[0]!.children.map((c) => c.acronym).sort()).toEqual(['Tel', 'Th']);
  });

  it('expands a region to its descendants in one match', async () => {
    expect((await get().descendants(['Tel'])).sort()).toEqual(['CP', 'SP', 'Tel']);
    expect(await get().descendants(['CP'])).toEqual(['CP']);
    expect((await get().descendants(['Br'])).length).toBe(5);
  });

  it('answers an unknown region, an unknown parent and a cycle with clear errors, changing nothing', async () => {
    await expect(get().descendants(['CP', 'XYZ'])).rejects.toMatchObject({
      code: 'unknown_region',
      message: expect.stringContaining('XYZ'),
    });
    const orphan = { id: 9, acronym: 'Or', name: 'orphan', parent: 'Missing', description: '', color: '' };
    await expect(get().upsertOntology([orphan])).rejects.toMatchObject({ code: 'ontology_invalid' });
    const a = { id: 10, acronym: 'A', name: 'a', parent: 'B', description: '', color: '' };
    const b = { id: 11, acronym: 'B', name: 'b', parent: 'A', description: '', color: '' };
    await expect(get().upsertOntology([a, b])).rejects.toBeInstanceOf(CytoclipError);
    expect((await get().listRegions()).length).toBe(5);
  });
}

function tileTests(get: () => Catalog): void {
  it('bulk-inserts tiles idempotently and returns them with section, specimen and region metadata', async () => {
    await get().upsertSection(section('demo', 'S01-cor-7'));
    const tiles = tilesOf('demo', 'S01-cor-7', 250);
    expect(await get().insertTiles(tiles.slice(0, 100))).toBe(100);
    expect(await get().insertTiles(tiles)).toBe(150);
    expect(await get().insertTiles(tiles)).toBe(0);
    expect(await get().countTiles({ atlas: 'demo', section: 'S01-cor-7' })).toBe(250);
    const wanted = [tiles[4]!.id, 'not-a-uuid', tiles[0]!.id, '00000000-0000-5000-8000-000000000000'];
    const found = await get().getTiles(wanted);
    expect(found.map((t) => t.id)).toEqual([tiles[4]!.id, tiles[0]!.id]);
    expect(found[1]).toMatchObject({
      specimen: 'S01',
      gestationalWeek: 21,
      plane: 'coronal',
      region: 'CP',
      regionPath: ['Br', 'Tel', 'CP'],
    });
    expect(found[1]!.regionFraction).toBeCloseTo(0.75);
    expect((await get().getTile(tiles[2]!.id))!.region).toBeNull();
    expect((await get().listTiles('demo', 'S01-cor-7')).length).toBe(250);
  });

  it('stores tile text and numbers exactly, whatever characters they hold', async () => {
    await get().upsertSection(section('demo', 'S01-cor-8'));
    const regions = ['tab\there', 'back\\slash \\N', 'line\nbreak\r', null];
    const odd = tilesOf('demo', 'S01-cor-8', 4).map((t, i) => ({
      ...t,
      region: regions[i]!,
      micronsPerPixel: 0.1 + i / 3,
    }));
    expect(await get().insertTiles(odd)).toBe(4);
    expect(await get().listTiles('demo', 'S01-cor-8')).toEqual(odd);
  });

  it('rejects tiles of an unknown section as a whole', async () => {
    await expect(get().insertTiles(tilesOf('demo', 'no-such-section', 3))).rejects.toThrow();
    expect(await get().countTiles({ section: 'no-such-section' })).toBe(0);
  });

  it('stores region images', async () => {
    const result = sectionResult('demo', 'S01-cor-7');
    expect(await get().insertRegionImages(result.regionImages)).toBe(1);
    const image = await get().getRegionImage(result.regionImages[0]!.id);
    expect(image).toMatchObject({ region: 'CP', regionName: 'cortical plate', width: 448, gestationalWeek: 21 });
    expect(await get().countRegionImages({ atlas: 'demo' })).toBe(1);
  });
}

function modelTests(get: () => Catalog): void {
  it('registers models once, with a collection each, and tracks their status', async () => {
    const model = await get().registerModel({ name: 'cytoclip-mini-tile', version: '1', variant: 'tile', dim: 256 });
    expect(model).toMatchObject({
      id: 'cytoclip-mini-tile@1',
      collection: 'cytoclip-mini-tile_1',
      status: 'indexing',
      completedAt: null,
    });
    await get().setModelStatus(model.id, 'complete');
    const again = await get().registerModel({ name: 'cytoclip-mini-tile', version: '1', variant: 'tile', dim: 256 });
    expect(again.status).toBe('complete');
    expect(again.completedAt).toBeInstanceOf(Date);
    await expect(
      get().registerModel({ name: 'cytoclip-mini-tile', version: '1', variant: 'tile', dim: 512 }),
    ).rejects.toMatchObject({
      code: 'model_conflict',
    });
    await expect(get().setModelStatus('nope@0', 'complete')).rejects.toMatchObject({ code: 'unknown_model' });
    expect((await get().listModels()).map((m) => m.id)).toEqual(['cytoclip-mini-tile@1']);
  });
}

function ingestTests(get: () => Catalog): void {
  const sections = ['S01-cor-0', 'S01-cor-1', 'S01-cor-2'];

  it('leases each job to one owner, commits a section with its outbox points in one step, and finishes the run', async () => {
    const c = get();
    const run = await c.startRun('demo', ['m@1'], sections);
    expect(run.status).toBe('running');
    expect((await c.startRun('demo', ['m@1'], sections)).id).toBe(run.id);
    const a = await c.leaseJob(run.id, 'worker-a', 60_000);
    const b = await c.leaseJob(run.id, 'worker-b', 60_000);
    expect(a!.section).not.toBe(b!.section);
    expect(await c.completeJob(a!.id, 'worker-b', sectionResult('demo', a!.section))).toBe(false);
    expect(await c.countTiles({ section: a!.section })).toBe(0);
    const committed = await c.completeJob(a!.id, 'worker-a', sectionResult('demo', a!.section));
    // The points' outbox ids come back, for an indexer that holds the points to delete once they are stored.
    expect(committed && committed.outboxIds).toHaveLength(3);
    const outbox = await c.readOutbox(100);
    expect(outbox.map((e) => e.id).sort((x, y) => x - y)).toEqual(
      [...(committed ? committed.outboxIds : [])].sort((x, y) => x - y),
    );
    expect(await c.completeJob(a!.id, 'worker-a', sectionResult('demo', a!.section))).toBe(false);
    expect(await c.countTiles({ section: a!.section })).toBe(2);
    expect(await c.failJob(b!.id, 'worker-b', { code: 'image_corrupt', message: 'truncated TIFF' })).toBe(true);
    const c3 = await c.leaseJob(run.id, 'worker-a', 60_000);
    expect(await c.leaseJob(run.id, 'worker-b', 60_000)).toBeNull();
    expect((await c.finishRun(run.id)).status).toBe('running');
    await c.completeJob(c3!.id, 'worker-a', sectionResult('demo', c3!.section));
    const progress = await c.runProgress(run.id);
    expect(progress.jobs).toEqual({ total: 3, pending: 0, leased: 0, done: 2, failed: 1 });
    expect(progress.failures).toEqual([
      { section: b!.section, error: { code: 'image_corrupt', message: 'truncated TIFF' } },
    ]);
    expect(progress.outboxPending).toBe(6);
    expect((await c.finishRun(run.id)).status).toBe('failed');
  });

  it('drains the outbox with exact vectors and payloads', async () => {
    const c = get();
    const first = await c.readOutbox(4, 'mini_1');
    expect(first.length).toBe(4);
    expect(first[0]!.payload).toEqual({ section: expect.any(String), regions: ['Br', 'Tel', 'CP'] });
    expect(Array.from(first[0]!.vector)).toEqual(Array.from(vector(0)));
    await c.deleteOutbox(first.map((e) => e.id));
    expect(await c.countOutbox('mini_1')).toBe(2);
    await c.deleteOutbox((await c.readOutbox(100)).map((e) => e.id));
    expect(await c.countOutbox()).toBe(0);
  });

  it('reruns only what is not yet embedded: a failed section, then nothing', async () => {
    const c = get();
    const rerun = await c.startRun('demo', ['m@1'], sections);
    expect((await c.runProgress(rerun.id)).jobs.total).toBe(1);
    const job = await c.leaseJob(rerun.id, 'w', 60_000);
    await c.completeJob(job!.id, 'w', sectionResult('demo', job!.section));
    expect((await c.finishRun(rerun.id)).status).toBe('complete');
    const noop = await c.startRun('demo', ['m@1'], sections);
    expect(noop.status).toBe('complete');
    expect((await c.runProgress(noop.id)).jobs.total).toBe(0);
    const newModel = await c.startRun('demo', ['m@1', 'm@2'], sections);
    expect((await c.runProgress(newModel.id)).jobs.total).toBe(3);
    await c.deleteOutbox((await c.readOutbox(100)).map((e) => e.id));
  });

  it('lets another worker take over an expired lease, and the late owner cannot commit', async () => {
    const c = get();
    const run = (await c.listRuns('demo')).find((r) => r.status === 'running')!;
    const slow = await c.leaseJob(run.id, 'slow', 1);
    await new Promise((r) => setTimeout(r, 20));
    const fast = await c.leaseJob(run.id, 'fast', 60_000);
    expect(fast!.id).toBe(slow!.id);
    expect(fast!.attempts).toBe(2);
    expect(await c.renewLease(slow!.id, 'slow', 60_000)).toBe(false);
    expect(await c.completeJob(slow!.id, 'slow', sectionResult('demo', slow!.section))).toBe(false);
    expect(await c.renewLease(fast!.id, 'fast', 60_000)).toBe(true);
    expect(await c.releaseLeases(run.id)).toBe(1);
    const third = await c.leaseJob(run.id, 'next', 1);
    expect(third).toMatchObject({ id: fast!.id, attempts: 3 });
    await new Promise((r) => setTimeout(r, 20));
    // Its worker died a third time: the section is failed with a clear error instead of being retried forever.
    expect((await c.leaseJob(run.id, 'other', 60_000))!.id).not.toBe(fast!.id);
    const failures = (await c.runProgress(run.id)).failures;
    expect(failures).toEqual([
      { section: fast!.section, error: { code: 'too_many_attempts', message: expect.any(String) } },
    ]);
  });

  it('refuses a run for an unknown atlas or without models', async () => {
    await expect(get().startRun('nope', ['m@1'], [])).rejects.toMatchObject({ code: 'unknown_atlas' });
    await expect(get().startRun('demo', [], [])).rejects.toMatchObject({ code: 'ingest_invalid' });
  });
}

function ingestRequestTests(get: () => Catalog): void {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('keeps an API ingest request through its states; only its owner changes it', async () => {
    const c = get();
    const created = await c.createIngestRequest({ atlasPath: '/atlases/demo', owner: 'api-1', leaseMs: 60_000 });
    expect(created).toMatchObject({
      atlasPath: '/atlases/demo',
      atlas: null,
      state: 'queued',
      sectionsDone: 0,
      sectionsTotal: 0,
      error: null,
      runId: null,
      startedAt: null,
    });
    expect(created.leaseExpiresAt.getTime()).toBeGreaterThan(Date.now() + 30_000);
    const runId = crypto.randomUUID();
    expect(await c.updateIngestRequest(created.id, 'api-2', { state: 'failed' }, 60_000)).toBe(false);
    expect(
      await c.updateIngestRequest(created.id, 'api-1', { state: 'running', runId, sectionsTotal: 3 }, 60_000),
    ).toBe(true);
    expect(await c.updateIngestRequest(created.id, 'api-1', { sectionsDone: 2 }, 60_000)).toBe(true);
    const running = await c.getIngestRequest(created.id);
    expect(running).toMatchObject({ state: 'running', runId, sectionsDone: 2, sectionsTotal: 3, finishedAt: null });
    expect(running!.startedAt).toBeInstanceOf(Date);
    await c.updateIngestRequest(created.id, 'api-1', { state: 'done', atlas: 'demo', sectionsDone: 3 }, 60_000);
    const done = await c.getIngestRequest(created.id);
    expect(done).toMatchObject({
      state: 'done',
      atlas: 'demo',
      sectionsDone: 3,
      error: null,
      startedAt: running!.startedAt,
    });
    expect(done!.finishedAt!.getTime()).toBeGreaterThanOrEqual(done!.startedAt!.getTime());
    expect(await c.getIngestRequest(crypto.randomUUID())).toBeNull();
    expect(await c.getIngestRequest('not-a-uuid')).toBeNull();
    expect(await c.updateIngestRequest('not-a-uuid', 'api-1', { state: 'done' }, 1)).toBe(false);
  });

  it('fails a live request whose owner stopped renewing it, never leaving it running; a heartbeat keeps it alive', async () => {
    const c = get();
    const orphan = await c.createIngestRequest({ atlasPath: '/atlases/demo', owner: 'dead', leaseMs: 1 });
    await c.updateIngestRequest(orphan.id, 'dead', { state: 'running' }, 1);
    const kept = await c.createIngestRequest({ atlasPath: '/atlases/demo', owner: 'alive', leaseMs: 1 });
    expect(await c.renewIngestRequests('alive', 60_000)).toBe(1);
    await sleep(20);
    const failed = await c.getIngestRequest(orphan.id);
    expect(failed).toMatchObject({ state: 'failed', error: expect.stringContaining('interrupted') });
    expect(failed!.finishedAt).toBeInstanceOf(Date);
    expect(await c.getIngestRequest(kept.id)).toMatchObject({ state: 'queued', error: null });
    // A finished request stays as it is once its lease lapses.
    const finished = await c.createIngestRequest({ atlasPath: '/atlases/demo', owner: 'quick', leaseMs: 1 });
    await c.updateIngestRequest(finished.id, 'quick', { state: 'done' }, 1);
    await sleep(20);
    expect((await c.getIngestRequest(finished.id))!.state).toBe('done');
  });

  it('interrupts, at start-up, every live request of other processes and none of its own', async () => {
    const c = get();
    const other = await c.createIngestRequest({ atlasPath: '/atlases/demo', owner: 'previous', leaseMs: 60_000 });
    const own = await c.createIngestRequest({ atlasPath: '/atlases/demo', owner: 'current', leaseMs: 60_000 });
    expect(await c.interruptIngestRequests('current')).toBe(2); // `other` and the heartbeat test's `kept`
    expect(await c.getIngestRequest(other.id)).toMatchObject({
      state: 'failed',
      error: expect.stringContaining('POST /v1/ingest again'),
    });
    expect((await c.getIngestRequest(own.id))!.state).toBe('queued');
    expect(await c.interruptIngestRequests()).toBe(1);
    expect((await c.getIngestRequest(own.id))!.state).toBe('failed');
  });
}

function deleteTests(get: () => Catalog): void {
  it('lists atlases with counts and deletes one with everything under it', async () => {
    const c = get();
    await c.upsertAtlas({ name: 'other', manifest: manifest('other'), root: '/atlases/other' });
    const listed = await c.listAtlases();
    expect(listed.map((a) => a.name)).toEqual(['demo', 'other']);
    expect(listed[0]).toMatchObject({ tiles: 260, regionImages: 4 });
    expect(await c.deleteAtlas('demo')).toBe(true);
    expect(await c.deleteAtlas('demo')).toBe(false);
    expect(await c.countTiles({ atlas: 'demo' })).toBe(0);
    expect(await c.countRegionImages()).toBe(0);
    expect(await c.listSpecimens({ atlas: 'demo' })).toEqual([]);
    expect(await c.listRuns('demo')).toEqual([]);
    expect((await c.listAtlases()).map((a) => a.name)).toEqual(['other']);
    expect((await c.listRegions()).length).toBe(5);
  });
}
