import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENSEADRAGON_STYLE } from '../src/security.js';
import { buildFixture, closeFixture } from './fixture.js';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

let f: Awaited<ReturnType<typeof buildFixture>>;
beforeAll(async () => {
  const base = await buildFixture();
  const web = join(base.dir, 'web');
  mkdirSync(join(web, 'assets'), { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)');
  f = await buildFixture({ staticDir: web });
}, 300_000);
afterAll(closeFixture);

/** A CSP as { directive: sources }. */
function policy(header: string | null): Record<string, string[]> {
  return Object.fromEntries(
    (header ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([k, ...v]) => [k!, v]),
  );
}

describe('secure headers', () => {
  it('come with every kind of answer: the app, JSON, images, problems', async () => {
    const paths = ['/', '/assets/app.js', '/v1/atlases', `/v1/tiles/${f.tileIds[0]}/image`, '/v1/nothing', '/healthz'];
    for (const path of paths) {
      const res = await f.app.request(path);
      const h = (name: string) => res.headers.get(name);
      expect(h('x-content-type-options'), path).toBe('nosniff');
      expect(h('x-frame-options'), path).toBe('SAMEORIGIN');
      expect(h('referrer-policy'), path).toBe('no-referrer');
      expect(h('strict-transport-security'), path).toMatch(/^max-age=\d+/);
      expect(h('cross-origin-opener-policy'), path).toBe('same-origin');
      expect(h('cross-origin-resource-policy'), path).toBe('same-origin');
      expect(h('permissions-policy'), path).toContain('camera=()');
      expect(h('content-security-policy'), path).toContain("default-src 'self'");
      expect(h('x-powered-by'), path).toBeNull();
    }
  });

  it('hold the web app to its own origin: no inline script or style, no eval, no plugins, no framing elsewhere', async () => {
    const csp = policy((await f.app.request('/')).headers.get('content-security-policy'));
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['style-src']).toEqual(["'self'", sha256(OPENSEADRAGON_STYLE)]);
    expect(csp['connect-src']).toEqual(["'self'"]);
    expect(csp['img-src']).toEqual(["'self'", 'data:', 'blob:']); // upload previews are blob: URLs
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(csp['frame-ancestors']).toEqual(["'self'"]);
  });

  it('hold /docs (Swagger UI from node_modules) to the same policy: its scripts and styles are files', async () => {
    const res = await f.app.request('/docs');
    const html = await res.text();
    expect(html).not.toMatch(/<script>|<style>|\sstyle=|\son\w+=/);
    expect(res.headers.get('content-security-policy')).toBe(
      (await f.app.request('/')).headers.get('content-security-policy'),
    );
    for (const src of ['/docs/swagger-ui-bundle.js', '/docs/start.js', '/docs/swagger-ui.css']) {
      const asset = await f.app.request(src);
      expect(asset.status, src).toBe(200);
      expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    }
    // Only the page's own files of swagger-ui-dist are served (here the web app's fallback answers instead).
    expect(await (await f.app.request('/docs/package.json')).text()).not.toContain('swagger-ui-dist');
  });

  it('allow exactly the style OpenSeadragon injects: an upgrade that changes it fails here', () => {
    const web = createRequire(new URL('../../../apps/web/package.json', import.meta.url));
    const source = readFileSync(web.resolve('openseadragon'), 'utf8');
    const assignment = /style\.textContent\s*=([\s\S]*?)document\.head\.appendChild/.exec(
      source.slice(source.indexOf('data-openseadragon-mobile-css')),
    );
    const injected = [...assignment![1]!.matchAll(/'([^']*)'/g)].map((m) => m[1]).join('');
    expect(injected).toBe(OPENSEADRAGON_STYLE);
  });
});
