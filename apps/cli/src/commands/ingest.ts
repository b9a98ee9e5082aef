import { CytoclipError } from '@cytoclip/domain';
import { ingestAtlas, readAtlas, type IngestProgress, type IngestReport } from '@cytoclip/ingest';
import { openCatalog } from '@cytoclip/catalog';
import { output, type Command, type CommandArgs } from '../command.js';
import { openModels, openStores, settingsFromEnv, type Settings } from '../platform.js';
import { onTermination, Shutdown } from '../shutdown.js';

export const ingestCommand: Command = {
  path: 'ingest',
  summary: 'ingest an atlas folder (atlas.json) with the bundled models: cytoclip ingest <atlas> [--no-index]',
  usage: '<atlas-folder|atlas.json> [options]',
  details: [
    'Embeds every tile and region image of every section with each model package (models/ or CYTOCLIP_MODELS) into',
    'the catalog and the vector store. Reruns resume; a finished atlas is a no-op, and sections whose files or',
    'metadata changed are redone. With DATABASE_URL set, several processes may run it together. SIGTERM or Ctrl-C',
    'stops it gracefully (the current sections are handed back, exit 0; a rerun resumes). Exit status 1 when a',
    'section failed (each failure is listed).',
  ].join('\n'),
  options: {
    'no-index': {
      type: 'boolean',
      default: false,
      description: 'commit to the outbox only (parallel workers); one later run without it indexes',
    },
    replace: {
      type: 'boolean',
      default: false,
      description: 'an atlas of the same name from another folder is removed first (else the ingest is refused)',
    },
  },
  async run(args) {
    const atlas = args.positionals[0];
    if (!atlas) throw new CytoclipError('invalid_argument', 'give the atlas folder: cytoclip ingest <atlas>');
    await readAtlas(atlas); // a wrong manifest or ontology is reported before any store or model is opened
    const settings = settingsFromEnv();
    if (settings.modelDirs.length === 0)
      throw new CytoclipError('no_models', 'no model packages found (models/ or CYTOCLIP_MODELS)');
    // SIGTERM / Ctrl-C: the ingest hands its sections back and returns; then the models and stores close (and with
    // them the locks) as after any run, and the command exits 0. A signal while they open stops it before it starts.
    const shutdown = new Shutdown();
    const release = onTermination(() => shutdown.stop());
    try {
      return await ingestWith(args, atlas, settings, shutdown);
    } finally {
      if (!shutdown.stopping) release(); // while stopping, a second signal still exits at once
    }
  },
};

async function ingestWith(args: CommandArgs, atlas: string, settings: Settings, shutdown: Shutdown): Promise<number> {
  const indexing = args.values['no-index'] !== true;
  const stores = indexing ? await openStores(settings) : { catalog: await openCatalog(settings), vectors: undefined };
  const models = await openModels(settings).catch(async (error: unknown) => {
    await close(stores);
    throw error;
  });
  try {
    const report = await shutdown.track(
      ingestAtlas({
        atlas,
        catalog: stores.catalog,
        vectors: stores.vectors,
        models,
        dataDir: settings.dataDir,
        replace: args.values.replace === true,
        signal: shutdown.signal,
        onProgress: progressBar(),
      }),
    );
    output(args, report, () => summary(report));
    return report.status === 'failed' ? 1 : 0;
  } finally {
    await Promise.all(models.map((m) => m.close()));
    await close(stores);
  }
}

async function close(stores: {
  catalog: { close(): Promise<void> };
  vectors?: { close(): Promise<void> } | undefined;
}): Promise<void> {
  await stores.vectors?.close();
  await stores.catalog.close();
}

/** A bar on stderr (redrawn in place on a terminal, a line a second otherwise), so stdout stays for --json. */
function progressBar(): (e: IngestProgress) => void {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let last = 0;
  return (e) => {
    const final = e.state === 'finished';
    // Off a terminal (logs, supervisors), every section's outcome gets its line; the rest at most one a second.
    const always = final || e.state === 'stopping' || (!tty && e.state.startsWith('section-'));
    if (!always && Date.now() - last < (tty ? 200 : 1000)) return;
    last = Date.now();
    const share = e.sectionsTotal ? e.sectionsDone / e.sectionsTotal : 1;
    const filled = Math.round(share * 24);
    const elapsed = (Date.now() - started) / 1000;
    const eta =
      e.sectionsDone > 0 && !final
        ? `ETA ${Math.round((elapsed / e.sectionsDone) * (e.sectionsTotal - e.sectionsDone))} s`
        : '';
    // A big section takes minutes: how far into it the latest tiles are (its planned tiles, committed in bands).
    const within = e.sectionTiles ? `  ${e.section} ${e.sectionTiles.done}/${e.sectionTiles.planned}` : '';
    const line = `[${'#'.repeat(filled)}${'.'.repeat(24 - filled)}] ${e.sectionsDone}/${e.sectionsTotal} sections  ${e.tiles} tiles  ${e.tilesPerSecond.toFixed(0)} tiles/s  ${eta}  ${e.state}${within}`;
    process.stderr.write(tty ? `\r${line.padEnd(100)}${final ? '\n' : ''}` : `${line}\n`);
    if (e.state === 'section-failed')
      process.stderr.write(`${tty ? '\n' : ''}  ${e.section} failed: ${e.error?.message}\n`);
  };
}

function summary(r: IngestReport): string {
  const lines = [
    r.interrupted
      ? `${r.atlas}: run ${r.runId} stopped; run the same command again to resume it`
      : `${r.atlas}: run ${r.runId} ${r.status}`,
    `  sections ${r.progress.jobs.done}/${r.progress.jobs.total} done, ${r.progress.jobs.failed} failed; this process: ${r.processed.done} sections, ${r.processed.tiles} tiles`,
    `  ${r.indexed} vectors indexed; ${r.seconds.toFixed(1)} s, ${r.tilesPerSecond.toFixed(1)} tiles/s; models ${r.models.join(', ')}`,
  ];
  if (r.replaced) lines.push(`  replaced the atlas ingested earlier under this name`);
  if (r.withdrawn.length > 0) {
    const some = r.withdrawn.slice(0, 10).join(', ') + (r.withdrawn.length > 10 ? ', …' : '');
    lines.push(`  ${r.withdrawn.length} section(s) withdrawn because their files or metadata changed: ${some}`);
  }
  for (const f of r.progress.failures) lines.push(`  failed ${f.section}: [${f.error.code}] ${f.error.message}`);
  return lines.join('\n');
}
