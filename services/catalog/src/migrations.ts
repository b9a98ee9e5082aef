import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CytoclipError } from '@cytoclip/domain';

/**
 * The drizzle-kit output folder at the repository root. Found by walking up from this file, so it works from the
 * TypeScript sources (tests) and from dist/ (the CLI) alike; CYTOCLIP_MIGRATIONS_DIR overrides it.
 */
export function migrationsFolder(): string {
  const override = process.env.CYTOCLIP_MIGRATIONS_DIR;
  if (override) return override;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'migrations');
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir)
      throw new CytoclipError('catalog_migrations_missing', 'cannot find the catalog migrations folder', {
        status: 500,
      });
    dir = up;
  }
}
