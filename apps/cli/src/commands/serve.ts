import { serve } from '@cytoclip/query';
import { output, type Command, type CommandArgs } from '../command.js';
import { inProcessIngest } from '../ingest-jobs.js';
import { openPlatform, settingsFromEnv, type Platform } from '../platform.js';
import { onTermination, Shutdown } from '../shutdown.js';

/**
 * Serves the platform's app until SIGTERM / SIGINT, then stops gracefully: the server stops accepting connections
 * (requests under way finish), ingests take no new section and hand the current ones back (`shutdown`), the models and
 * stores close (releasing their locks), and the process exits 0 (1 when a step failed or overran STOP_GRACE_MS).
 */
export async function listen(
  platform: Platform,
  args: CommandArgs,
  shutdown: Shutdown,
  extra: Record<string, unknown> = {},
) {
  const settings = settingsFromEnv();
  const server = await serve(platform.api.app, { port: settings.port, host: settings.host });
  onTermination(
    async () => {
      const closed = server.close();
      await shutdown.stop();
      await closed;
      await platform.close();
    },
    { then: (error) => process.exit(error === undefined ? 0 : 1) },
  );
  const models = platform.models.map((m) => m.info.id);
  const { staleData } = platform;
  output(args, { url: server.url, models, dataDir: settings.dataDir, staleData, ...extra }, () =>
    [
      `CytoCLIP Atlas Search on ${server.url}`,
      `  models: ${models.join(', ') || 'none (set CYTOCLIP_MODELS)'}`,
      `  data:   ${settings.dataDir}`,
      `  API docs: ${server.url}/docs`,
      ...(staleData ? [`  warning: ${staleData}`] : []),
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
    const shutdown = new Shutdown();
    const platform = await openPlatform(settings, {
      web: true,
      ingest: (p) => inProcessIngest(p, settings, { shutdown }),
    });
    await listen(platform, args, shutdown);
    await new Promise(() => undefined); // serve until a signal
  },
};
