import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateAtlas } from '@cytoclip/atlas';
import { CytoclipError } from '@cytoclip/domain';
import type { Command } from '../command.js';
import { inProcessIngest } from '../ingest-jobs.js';
import { openPlatform, settingsFromEnv } from '../platform.js';
import { Shutdown } from '../shutdown.js';
import { startupIngest } from '../startup-ingest.js';
import { listen } from './serve.js';

export const DEMO_ATLAS = 'demo-fetal-nissl';

export const startCommand: Command = {
  path: 'start',
  summary: 'generate the demo atlas if absent, ingest it with the bundled models, serve, print the URL',
  usage: '[--preset demo|tiny] [--json]',
  details: 'Serves at once; /readyz answers 200 when the start-up ingest has finished.',
  options: {
    preset: { type: 'string', value: 'demo|tiny', default: 'demo', description: 'which synthetic atlas to generate' },
  },
  async run(args) {
    const settings = settingsFromEnv();
    const preset = args.values.preset;
    if (preset !== 'demo' && preset !== 'tiny')
      throw new CytoclipError('invalid_argument', `--preset is demo or tiny, got "${String(preset)}"`);
    const atlasDir = join(settings.dataDir, 'atlases', preset === 'demo' ? DEMO_ATLAS : 'tiny-fetal-nissl');
    const log = (line: string) => (args.json ? console.error(line) : console.log(line));
    let ready = false;
    const shutdown = new Shutdown();
    const platform = await openPlatform(settings, {
      web: true,
      isReady: () => ready,
      ingest: (p) => inProcessIngest(p, settings, { shutdown }),
    });
    // Serve first: the URL is printed at once, /readyz says 503 until the atlas is generated and ingested, and
    // searches answer from the first ingested sections on. SIGTERM stops the start-up ingest too (listen).
    await listen(platform, args, shutdown, { atlas: atlasDir });
    if (!existsSync(join(atlasDir, 'atlas.json'))) {
      log(`generating the ${preset} atlas into ${atlasDir} …`);
      const result = await generateAtlas({ preset, seed: 1, out: atlasDir });
      log(`  ${result.stats.sections} sections, ${result.stats.tiles} tiles in ${result.stats.seconds.toFixed(1)} s`);
    }
    const started = performance.now();
    const summary = await shutdown.track(startupIngest(platform, atlasDir, settings, log, shutdown.signal));
    if (shutdown.stopping) {
      log(`stopped: ${summary}; the next start resumes it`);
      return new Promise(() => undefined); // the signal handler closes everything and exits
    }
    ready = true;
    platform.api.service.invalidate();
    const seconds = (performance.now() - started) / 1000;
    // With --json, stdout holds only the listening document; progress and readiness go to stderr.
    log(`ready: ${summary} in ${seconds.toFixed(1)} s`);
    await new Promise(() => undefined);
  },
};
