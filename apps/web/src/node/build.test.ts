import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { webBuildIsStale, webDistDir, WEB_ROOT } from '@cytoclip/web';

// Building itself is exercised by the end-to-end suite (one build at a time: two Vite builds into one folder race).
describe('web build', () => {
  it('serves apps/web/dist', () => {
    expect(webDistDir()).toBe(join(WEB_ROOT, 'dist'));
  });

  it('calls a build stale when any source is newer than it, or when there is none', () => {
    const root = mkdtempSync(join(tmpdir(), 'cytoclip-web-stale-'));
    try {
      expect(webBuildIsStale(root)).toBe(true);
      mkdirSync(join(root, 'src', 'ui'), { recursive: true });
      mkdirSync(join(root, 'dist'), { recursive: true });
      writeFileSync(join(root, 'src', 'ui', 'state.ts'), 'export {};');
      writeFileSync(join(root, 'dist', 'index.html'), '<!doctype html>');
      const past = new Date(Date.now() - 60_000);
      utimesSync(join(root, 'src', 'ui', 'state.ts'), past, past);
      utimesSync(join(root, 'src', 'ui'), past, past);
      utimesSync(join(root, 'src'), past, past);
      expect(webBuildIsStale(root)).toBe(false);
      writeFileSync(join(root, 'src', 'ui', 'new.ts'), 'export {};');
      expect(webBuildIsStale(root)).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
