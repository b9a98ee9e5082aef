/// <reference lib="dom" />
// Callbacks passed to page.evaluate run in the browser: they see the DOM.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Listening } from '@cytoclip/query';
import { needs } from '../../../test/support/index.js';
import { buildFixture, closeFixture } from './fixture.js';

// /docs in real headless Chromium: Swagger UI, served from node_modules, renders every operation of /openapi.json
// under the app's Content-Security-Policy without a single violation and without reaching past this origin.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const run = needs('Chromium', existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (or set CHROMIUM_PATH)`);

describe.runIf(run)('/docs in Chromium', () => {
  let server: Listening;
  let browser: Browser;
  beforeAll(async () => {
    const { app } = await buildFixture();
    [server, browser] = await Promise.all([
      serve(app, { port: 0, host: '127.0.0.1' }),
      chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] }),
    ]);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await closeFixture();
  });

  it('shows every operation, with no CSP violation and no request elsewhere', { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    const elsewhere: string[] = [];
    page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
    });
    page.on('pageerror', (e) => violations.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url) && !r.url().startsWith('data:')) elsewhere.push(r.url());
    });
    await page.addInitScript(() =>
      document.addEventListener('securitypolicyviolation', (e) =>
        console.error(`Content-Security-Policy: ${e.violatedDirective} ${e.blockedURI}`),
      ),
    );
    await page.goto(`${server.url}/docs`);
    const spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, object> };
    const operations = Object.values(spec.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    await expect.poll(() => page.locator('.opblock').count(), { timeout: 30_000 }).toBe(operations);
    await page.locator('.opblock-summary').first().click(); // an expanded operation renders its schemas too
    await expect.poll(() => page.locator('.opblock-body').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(violations).toEqual([]);
    expect(elsewhere).toEqual([]);
  });
});
