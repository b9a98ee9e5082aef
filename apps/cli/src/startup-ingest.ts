import type { Platform, Settings } from './platform.js';

/**
 * Ingests an atlas with the platform's models before /readyz flips. Bound to @cytoclip/ingest once that service
 * lands; until then a server starts over whatever the stores already hold.
 */
export async function startupIngest(_platform: Platform, atlasDir: string, _settings: Settings, log: (line: string) => void): Promise<string> {
  log(`ingest of ${atlasDir} skipped: @cytoclip/ingest is not available in this build`);
  return 'no ingest';
}
