import { expect, it } from 'vitest';
import type { Catalog } from '@cytoclip/catalog';
import { manifest, section, sectionResult, tilesOf, vector } from './fixtures.js';

// Contract rules for ingest across processes: who may take a section over, and how a changed source is withdrawn.

async function atlasWithRun(c: Catalog, name: string, models: string[]) {
  await c.upsertAtlas({ name, manifest: manifest(name), root: `/atlases/${name}` });
  await c.upsertSpecimens(name, manifest(name).specimens);
  const sections = manifest(name).sections.map((s) => s.id);
  return { run: await c.startRun(name, models, sections), sections };
}

export function leaseRuleTests(get: () => Catalog): void {
  it("lists who holds which section; a stopping owner's job comes back uncounted, a dead owner's counted", async () => {
    const c = get();
    const { run } = await atlasWithRun(c, 'leases', ['m@1']);
    const alive = await c.leaseJob(run.id, 'host/1/alive', 60_000);
    const dead = [await c.leaseJob(run.id, 'host/2/dead', 60_000), await c.leaseJob(run.id, 'host/2/dead', 60_000)];
    const held = (await c.runProgress(run.id)).leases;
    expect(held.map((l) => [l.section, l.owner])).toEqual([
      [alive!.section, 'host/1/alive'],
      [dead[0]!.section, 'host/2/dead'],
      [dead[1]!.section, 'host/2/dead'],
    ]);
    expect(held.every((l) => l.expiresAt.getTime() > Date.now())).toBe(true);

    expect(await c.releaseJob(alive!.id, 'host/2/dead')).toBe(false);
    expect(await c.releaseJob(alive!.id, 'host/1/alive')).toBe(true);
    expect(await c.releaseJob(alive!.id, 'host/1/alive')).toBe(false);
    expect(await c.leaseJob(run.id, 'next', 60_000)).toMatchObject({ id: alive!.id, attempts: 1 });

    expect(await c.releaseLeases(run.id, 'host/2/dead')).toBe(2);
    expect((await c.runProgress(run.id)).leases.map((l) => l.owner)).toEqual(['next']);
    expect(await c.leaseJob(run.id, 'next', 60_000)).toMatchObject({ id: dead[0]!.id, attempts: 2 });
    expect(await c.renewLease(dead[1]!.id, 'host/2/dead', 60_000)).toBe(false);
  });

  it('counts, per model, the sections every atlas lists and those the model embedded', async () => {
    const c = get();
    await c.registerModel({ name: 'sections-model', version: '1', variant: 'tile', dim: 8 });
    const before = (await c.modelSections()).get('sections-model@1')!;
    const { run, sections } = await atlasWithRun(c, 'counted', ['sections-model@1']);
    const grown = (await c.modelSections()).get('sections-model@1')!;
    expect(grown).toEqual({ done: before.done, total: before.total + sections.length });
    const job = await c.leaseJob(run.id, 'w', 60_000);
    await c.completeJob(job!.id, 'w', sectionResult('counted', job!.section));
    expect((await c.modelSections()).get('sections-model@1')).toEqual({ done: grown.done + 1, total: grown.total });
    await c.deleteAtlas('counted');
    expect((await c.modelSections()).get('sections-model@1')).toEqual(before);
  });
}

export function bandTests(get: () => Catalog): void {
  it('commits a section band by band: progress and lease per band, a repeated band a no-op, done only at the end', async () => {
    const c = get();
    await c.registerModel({ name: 'bands-model', version: '1', variant: 'tile', dim: 8 });
    const { run } = await atlasWithRun(c, 'banded', ['bands-model@1']);
    const job = (await c.leaseJob(run.id, 'w', 1_000))!;
    expect(job).toMatchObject({ bandsDone: 0, bandsTotal: null, tilesPlanned: null });
    const all = tilesOf('banded', job.section, 5);
    const band = (index: number) => {
      const tiles = all.slice(index * 2, index * 2 + 2);
      const points = tiles.map((t, i) => ({
        collection: 'bands_1',
        pointId: t.id,
        atlas: 'banded',
        payload: { section: job.section },
        vector: vector(index * 2 + i),
      }));
      return { section: section('banded', job.section), index, bands: 3, bandTiles: 2, tilesPlanned: 5, tiles, points };
    };
    const lease = async () => (await c.runProgress(run.id)).leases[0]!;
    const before = (await lease()).expiresAt.getTime();

    expect((await c.commitBand(job.id, 'w', band(0), 60_000)) as { outboxIds: number[] }).toMatchObject({
      outboxIds: [expect.any(Number), expect.any(Number)],
    });
    // The band renewed the lease (a worker that commits is alive) and says how far into the section it is.
    expect((await lease()).expiresAt.getTime()).toBeGreaterThan(before + 30_000);
    expect(await lease()).toMatchObject({ tiles: 2, tilesPlanned: 5 });
    expect((await c.runProgress(run.id)).tilesPlanned).toBe(5);
    expect(await c.countTiles({ atlas: 'banded', section: job.section })).toBe(2);

    // Re-committing a committed band writes nothing; skipping one is refused; another owner is refused.
    const outbox = await c.countOutbox('bands_1');
    expect(await c.commitBand(job.id, 'w', band(0), 60_000)).toEqual({ outboxIds: [] });
    expect(await c.countOutbox('bands_1')).toBe(outbox);
    await expect(c.commitBand(job.id, 'w', band(2), 60_000)).rejects.toMatchObject({ code: 'band_out_of_order' });
    expect(await c.commitBand(job.id, 'other', band(1), 60_000)).toBe(false);

    // A worker taking the job over (lease released as dead) sees where to resume.
    expect(await c.releaseLeases(run.id, 'w')).toBe(1);
    const again = (await c.leaseJob(run.id, 'w2', 60_000))!;
    expect(again).toMatchObject({ id: job.id, bandsDone: 1, bandsTotal: 3, bandTiles: 2, tilesPlanned: 5 });
    await c.commitBand(job.id, 'w2', band(1), 60_000);
    expect((await c.modelSections()).get('bands-model@1')!.done).toBe(0);
    // The last band commits with the region images and the job's completion.
    const result = { ...sectionResult('banded', job.section), tiles: band(2).tiles };
    result.points = [...band(2).points, ...result.points.filter((p) => p.pointId === result.regionImages[0]!.id)];
    expect(await c.completeJob(job.id, 'w2', result)).toBeTruthy();
    const done = (await c.runProgress(run.id)).jobs;
    expect(done.done).toBe(1);
    expect(await c.countTiles({ atlas: 'banded', section: job.section })).toBe(5);
    expect(await c.countOutbox('bands_1')).toBe(outbox + 3);
    expect(await c.runProgress(run.id)).toMatchObject({ tiles: 5, tilesPlanned: 5 });
    expect((await c.modelSections()).get('bands-model@1')!.done).toBe(1);
    await c.deleteAtlas('banded');
  });
}

export function withdrawalTests(get: () => Catalog): void {
  it('withdraws a changed section: rows, outbox points, running jobs; the resumed run gets a new job', async () => {
    const c = get();
    await c.deleteOutbox((await c.readOutbox(10_000)).map((e) => e.id));
    await c.deleteWithdrawals((await c.readWithdrawals()).map((w) => w.id));
    const { run, sections } = await atlasWithRun(c, 'changing', ['m@1']);
    const [changed, kept, late] = sections as [string, string, string];
    for (const owner of ['w', 'w']) {
      const job = await c.leaseJob(run.id, owner, 60_000);
      await c.completeJob(job!.id, owner, sectionResult('changing', job!.section));
    }
    const lateJob = await c.leaseJob(run.id, 'late', 60_000);
    expect(lateJob!.section).toBe(late);

    const paths = await c.withdrawSections('changing', [changed, late]);
    expect(paths).toEqual([`sections/changing/${changed}.tif`]);
    expect(await c.getSection(changed, 'changing')).toBeNull();
    expect(await c.countTiles({ atlas: 'changing', section: changed })).toBe(0);
    expect(await c.countTiles({ atlas: 'changing', section: kept })).toBe(2);
    const outbox = await c.readOutbox(10_000);
    expect(new Set(outbox.map((e) => e.payload.section))).toEqual(new Set([kept]));
    expect((await c.readWithdrawals()).map((w) => [w.atlas, w.section])).toEqual([
      ['changing', changed],
      ['changing', late],
    ]);
    // The late owner was working on the old source: its commit is refused.
    expect(await c.completeJob(lateJob!.id, 'late', sectionResult('changing', late))).toBe(false);

    const resumed = await c.startRun('changing', ['m@1'], sections);
    expect(resumed.id).toBe(run.id);
    const progress = await c.runProgress(run.id);
    expect(progress.jobs).toMatchObject({ total: 3, done: 1, pending: 2 });
    await c.deleteWithdrawals((await c.readWithdrawals()).map((w) => w.id));
    expect(await c.readWithdrawals()).toEqual([]);
  });

  it('records a withdrawal of the whole atlas when it is deleted, and adopts fingerprints only where none is', async () => {
    const c = get();
    await c.upsertSection({ ...sectionResult('changing', 'S01-cor-1').section, fingerprint: 'kept' });
    await c.upsertSection({ ...sectionResult('changing', 'S01-cor-9').section });
    const adopted = await c.adoptFingerprints(
      'changing',
      new Map([
        ['S01-cor-1', 'new'],
        ['S01-cor-9', 'adopted'],
      ]),
    );
    expect(adopted).toBe(1);
    expect((await c.getSection('S01-cor-1', 'changing'))!.fingerprint).toBe('kept');
    expect((await c.getSection('S01-cor-9', 'changing'))!.fingerprint).toBe('adopted');

    expect(await c.deleteAtlas('changing')).toBe(true);
    expect((await c.readWithdrawals()).map((w) => [w.atlas, w.section])).toEqual([['changing', null]]);
    await c.deleteWithdrawals((await c.readWithdrawals()).map((w) => w.id));
  });
}
