import { serve, type Listening } from '@cytoclip/query';
import { buildWebIfStale, webDistDir } from '@cytoclip/web';
import { buildFixtureApp } from './fixture-atlas.js';

export interface RunningServer extends Listening {
  /** Which data is behind it, for reports: 'fixture' until the real atlas + ingest pipeline is wired here. */
  atlas: string;
}

/**
 * The query API serving the built web app on a free port. Today the data is the synthetic fixture atlas behind the
 * real query app (routes, Deep Zoom, problem answers); the real atlas preset ingested by services/ingest replaces it
 * here once those services exist.
 */
export async function startServer(): Promise<RunningServer> {
  buildWebIfStale({ quiet: true });
  const { app } = await buildFixtureApp({ staticDir: webDistDir() });
  const listening = await serve(app, { port: 0, host: '127.0.0.1' });
  return { ...listening, atlas: 'fixture' };
}
