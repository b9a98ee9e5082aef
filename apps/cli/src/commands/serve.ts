import { serve } from '@cytoclip/query';
import { output, type Command, type CommandArgs } from '../command.js';
import { inProcessIngest } from '../ingest-jobs.js';
import { openPlatform, settingsFromEnv, type Platform } from '../platform.js';

/** Closes the platform on SIGINT/SIGTERM so PGlite and the embedded store flush cleanly. */
export function closeOnSignal(close: () => Promise<void>): void {
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export async function listen(platform: Platform, args: CommandArgs, extra: Record<string, unknown> = {}) {
  const settings = settingsFromEnv();
  const server = await serve(platform.api.app, { port: settings.port, host: settings.host });
  closeOnSignal(async () => {
    await server.close();
    await platform.close();
  });
  const models = platform.models.map((m) => m.info.id);
  output(args, { url: server.url, models, dataDir: settings.dataDir, ...extra }, () =>
    [
      `CytoCLIP Atlas Search on ${server.url}`,
      `  models: ${models.join(', ') || 'none (set CYTOCLIP_MODELS)'}`,
      `  data:   ${settings.dataDir}`,
      `  API docs: ${server.url}/docs`,
    ].join('\n'),
  );
  return server;
}

export const serveCommand: Command = {
  path: 'serve',
  summary: 'serve the search API and web app (PORT, HOST, DATA_DIR, DATABASE_URL, QDRANT_URL, CYTOCLIP_MODELS)',
  usage: '[--json]',
  details:
    'Listens on $HOST:$PORT (127.0.0.1:8080) over the stores in $DATA_DIR (./data) or $DATABASE_URL / $QDRANT_URL.',
  async run(args) {
    const settings = settingsFromEnv();
    const platform = await openPlatform(settings, { web: true, ingest: (p) => inProcessIngest(p, settings) });
    await listen(platform, args);
    await new Promise(() => undefined); // serve until a signal
  },
};
