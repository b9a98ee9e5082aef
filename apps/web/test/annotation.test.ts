import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../../test/support/index.js';
import { chromiumMissing, launchChromium } from './support/browser.js';
import { startServer, type RunningServer } from './support/server.js';
import { openResult, searchText } from './support/tour.js';

// The auto-annotation overlay and "why this match" in real headless Chromium against the real platform (the tiny atlas
// ingested with the bundled models): the toggle draws one cell per stored tile of the section in its predicted
// region's colour, with a legend; the detail of a tile lists the descriptors that score highest on it.
const run = needs('Chromium', chromiumMissing());
const eventually = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 30_000, interval: 100 });

describe.runIf(run)('auto-annotation and why this match (Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}/`);
    await searchText(page, 'layered cortex with dense granular cells');
    await openResult(page, 0);
  }, 400_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists the thesaurus descriptors that score highest on the open tile', async () => {
    const items = page.locator('.why-match li');
    await eventually(() => items.count()).toBe(5);
    expect(await items.first().textContent()).toMatch(/\+\d\.\d{3}$/);
  });

  it('overlays the predicted regions of the section with a legend, and hides them again', async () => {
    const section = await page.locator('.detail .meta-list dd').nth(3).textContent();
    const answer = (await (
      await fetch(`${server.url}/v1/sections/${encodeURIComponent(section!)}/annotation/tiles`)
    ).json()) as { tiles: unknown[]; regions: { region: string }[] };
    await page.getByRole('button', { name: 'Auto-annotation' }).click();
    const cells = page.locator('svg.annotation-overlay rect');
    await eventually(() => cells.count()).toBe(answer.tiles.length);
    const legend = page.getByRole('list', { name: 'Predicted regions' }).locator('li');
    expect(await legend.count()).toBe(answer.regions.length);
    expect(await legend.first().textContent()).toContain(answer.regions[0]!.region);
    expect(await page.getByRole('link', { name: 'Download as QuPath GeoJSON' }).getAttribute('href')).toContain(
      '/annotation',
    );
    await page.getByRole('button', { name: 'Hide auto-annotation' }).click();
    await eventually(() => cells.count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
