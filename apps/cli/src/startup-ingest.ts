import { drainOutbox, ingestAtlas, type IngestProgress, type IngestReport } from '@cytoclip/ingest';
import type { Platform, Settings } from './platform.js';

const DRAIN_EVERY_MS = 5_000;

/**
 * Ingests an atlas with the platform's models inside the serving process. Finished sections are drained into the
 * vector store every few seconds, so searches answer from the first sections while the rest are still embedded.
 */
export async function ingestInProcess(
  platform: Platform,
  atlasDir: string,
  settings: Settings,
  onProgress: (e: IngestProgress) => void = () => undefined,
  options: { signal?: AbortSignal; replace?: boolean } = {},
): Promise<IngestReport> {
  let draining: Promise<unknown> | null = null;
  let lastDrain = Date.now();
  const drain = () => {
    draining = drainOutbox(platform.catalog, platform.vectors)
      .catch(() => 0) // the final drain inside ingestAtlas retries whatever this one missed
      .finally(() => {
        draining = null;
        lastDrain = Date.now();
        platform.api.service.invalidate();
      });
  };
  const report = await ingestAtlas({
    atlas: atlasDir,
    catalog: platform.catalog,
    models: platform.models,
    vectors: platform.vectors,
    dataDir: settings.dataDir,
    ...options,
    onProgress: (event) => {
      platform.api.metrics.observeIngest(event); // the cytoclip_ingest_* series of /metrics
      onProgress(event);
      if (event.state === 'section-done' && !draining && Date.now() - lastDrain > DRAIN_EVERY_MS) drain();
    },
  });
  await draining;
  platform.api.service.invalidate();
  return report;
}

/** The start-up ingest of `cytoclip start`, with a progress line (sections, tiles/s, ETA) at most once a second. */
export async function startupIngest(
  platform: Platform,
  atlasDir: string,
  settings: Settings,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<string> {
  if (platform.models.length === 0) {
    log('no model packages found (models/ or CYTOCLIP_MODELS): serving without ingesting');
    return 'no models';
  }
  log(`ingesting ${atlasDir} with ${platform.models.map((m) => m.info.id).join(', ')} …`);
  let last = 0;
  const started = Date.now();
  const progress = (e: IngestProgress) => {
    if (Date.now() - last < 1000 && e.state !== 'finished' && e.state !== 'stopping') return;
    last = Date.now();
    const elapsed = (Date.now() - started) / 1000;
    const eta = e.sectionsDone > 0 ? ((elapsed / e.sectionsDone) * (e.sectionsTotal - e.sectionsDone)).toFixed(0) : '?';
    log(
      `  ${e.state.padEnd(12)} ${e.sectionsDone}/${e.sectionsTotal} sections  ${e.tiles} tiles  ${e.tilesPerSecond.toFixed(0)} tiles/s  ETA ${eta} s`,
    );
  };
  const report = await ingestInProcess(platform, atlasDir, settings, progress, signal ? { signal } : {});
  const failed = report.progress.failures.map((f) => `\n  failed ${f.section}: ${f.error.message}`).join('');
  const status = report.interrupted ? 'stopped' : report.status;
  return `${report.atlas}: ${report.progress.jobs.done}/${report.progress.jobs.total} sections, ${report.processed.tiles} new tiles, ${report.indexed} vectors indexed (${status})${failed}`;
}
