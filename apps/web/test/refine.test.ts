/// <reference lib="dom" />
// Callbacks passed to page.evaluate run in the browser: they see the DOM.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../../test/support/index.js';
import { chromiumMissing, launchChromium } from './support/browser.js';
import { startServer, type RunningServer } from './support/server.js';
import { openResult, searchText, untilSearched } from './support/tour.js';

// Refining a search in real headless Chromium against the real platform (the tiny atlas ingested with the bundled
// models): thumbs up / down on result cards become examples (query.positive / query.negative), listed as removable
// chips; a box drawn on the section in the viewer searches by that area (query.sectionRegion).
const run = needs('Chromium', chromiumMissing());
const eventually = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000, interval: 100 });

describe.runIf(run)('refining a search (Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const sent: { query: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => {
      if (r.url().endsWith('/v1/search') && r.method() === 'POST') sent.push(JSON.parse(r.postData() ?? '{}'));
    });
    await page.goto(`${server.url}/`);
  }, 400_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const cardIds = () => page.$$eval('.result-card', (cards) => cards.map((c) => (c as HTMLElement).dataset.id!));

  it('thumbs a result up and another down: the query and the picks search again, as chips', async () => {
    await searchText(page, 'layered cortex with dense granular cells');
    const [up, down] = await cardIds();
    await untilSearched(page, () => page.getByRole('button', { name: 'More like result 1', exact: true }).click());
    expect(sent.at(-1)!.query).toEqual({
      positive: [{ text: 'layered cortex with dense granular cells' }, { tileId: up }],
    });
    await eventually(() => page.locator('.refinement [data-refine=up]').getAttribute('data-id')).toBe(up);
    expect(await page.locator('.refinement [data-refine=query]').textContent()).toContain('layered cortex');
    expect(await cardIds()).not.toContain(up); // an example is never a result
    const downCard = page.locator(`.result-card[data-id="${down}"]`);
    await untilSearched(page, () => downCard.getByRole('button', { name: /^Less like result/ }).click());
    expect(sent.at(-1)!.query).toMatchObject({ negative: [{ tileId: down }] });
    expect(await page.locator('.refinement [data-refine=down]').getAttribute('data-id')).toBe(down);
    expect(await cardIds()).not.toContain(down);
    // Removing a chip searches without it; Clear goes back to the plain query.
    await untilSearched(page, () => page.locator('.refinement [data-refine=down] button').click());
    expect(sent.at(-1)!.query).not.toHaveProperty('negative');
    await untilSearched(page, () => page.getByRole('button', { name: 'Clear' }).click());
    expect(sent.at(-1)!.query).toEqual({ text: 'layered cortex with dense granular cells' });
    expect(await page.locator('.refinement').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('searches by a box drawn on the section in the viewer', async () => {
    await searchText(page, 'subplate');
    await openResult(page, 0);
    const draw = page.getByRole('button', { name: 'Search this area' });
    await draw.click();
    expect(await page.locator('.roi-tools').getAttribute('data-drawing')).toBe('true');
    const box = (await page.locator('.viewer').boundingBox())!;
    const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
    await untilSearched(page, async () => {
      await page.mouse.move(cx - 40, cy - 30);
      await page.mouse.down();
      await page.mouse.move(cx, cy, { steps: 4 });
      expect(await page.locator('.viewer .roi-box').count()).toBe(1); // the box follows the drag
      await page.mouse.move(cx + 40, cy + 30, { steps: 4 });
      await page.mouse.up();
    });
    expect(await page.locator('.roi-tools').getAttribute('data-drawing')).toBe('false');
    expect(await page.locator('.viewer .roi-box').count()).toBe(0);
    const area = sent.at(-1)!.query.sectionRegion as { section: string; bbox: number[] };
    expect(area.bbox).toHaveLength(4);
    expect(area.bbox[2]).toBeGreaterThan(0);
    expect(area.bbox[3]).toBeGreaterThan(0);
    expect(await page.locator('.refinement [data-refine=area]').textContent()).toContain(area.section);
    await eventually(() => page.locator('.notice[data-code=region_of_interest]').count()).toBe(1);
    expect(await page.locator('.result-card').count()).toBeGreaterThan(0);
    // Without a pointer: the part in view.
    await untilSearched(page, () => page.getByRole('button', { name: 'Search the part in view' }).click());
    expect(sent.at(-1)!.query.sectionRegion).toMatchObject({ section: area.section });
    expect(pageErrors).toEqual([]);
  });
});
