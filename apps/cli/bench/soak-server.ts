// The server half of bench:soak, in its own process so its RSS is the server's alone: `cytoclip serve` without the web
// app (no build), with in-process ingest, over the environment the soak gives it. Prints `SOAK_URL <url>` once
// listening; stops gracefully on SIGTERM as serve does.
import { serve } from '@cytoclip/query';
import { inProcessIngest } from '../src/ingest-jobs.js';
import { openPlatform, settingsFromEnv } from '../src/platform.js';
import { onTermination, Shutdown } from '../src/shutdown.js';

const settings = settingsFromEnv();
const shutdown = new Shutdown();
const platform = await openPlatform(settings, { ingest: (p) => inProcessIngest(p, settings, { shutdown }) });
const server = await serve(platform.api.app, { port: 0, host: '127.0.0.1' });
onTermination(
  async () => {
    const closed = server.close();
    await shutdown.stop();
    await closed;
    await platform.close();
  },
  { then: (error) => process.exit(error === undefined ? 0 : 1) },
);
process.stdout.write(`SOAK_URL ${server.url}\n`);
