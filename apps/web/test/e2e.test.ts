/// <reference lib="dom" />
// Callbacks passed to page.evaluate run in the browser: they see the DOM.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../../test/support/index.js';
import { chromiumMissing, launchChromium } from './support/browser.js';
import { startServer, type RunningServer } from './support/server.js';
import { cardWeeks, nudgeWeek, openResult, searchText, total, untilSearched } from './support/tour.js';

// The app in real headless Chromium, served by the real platform (tiny atlas generated, ingested, served by the query
// API with the built app as its staticDir): the steps of issue 6's "must show".
const run = needs('Chromium', chromiumMissing());
const QUERY = 'layered cortex with dense granular cells';
// Two shared cores: give the page time, and poll rather than sleep.
const eventually = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000, interval: 100 });

describe.runIf(run)('web app end to end (Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'cytoclip-web-e2e-'));

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}/`);
  }, 400_000); // generating and ingesting the tiny atlas takes about a minute on two busy cores
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('searches by text: results with score, region, week and plane; the total; the state in the URL', async () => {
    await searchText(page, QUERY);
    const cards = page.locator('.result-card');
    expect(await cards.count()).toBeGreaterThan(0);
    expect(await total(page)).toBeGreaterThanOrEqual(await cards.count());
    await eventually(() => cards.first().textContent()).toMatch(/^\d\.\d{3}\w+\d+ GW · (coronal|sagittal|axial)$/);
    expect(new URL(page.url()).searchParams.get('q')).toBe(QUERY);
  });

  it('says how many results are relevant under the calibrated cutoff, which model answered and that it saw only synthetic tissue', async () => {
    const status = page.locator('[role=status]').first();
    await eventually(() => status.textContent()).toMatch(/(about )?[\d,]+ relevant tiles · results for/);
    await eventually(() => status.textContent()).toMatch(
      /Scores of at least 0\.\d{3}, the cutoff fitted for this model/,
    );
    expect(await page.locator('.model-note [data-notice]').first().textContent()).toMatch(
      /^Trained on synthetic tissue \(/,
    );
    const card = await page.locator('.model-note a.model-card').first().getAttribute('href');
    const answer = await fetch(`${server.url}${card}`);
    expect(answer.headers.get('content-type')).toMatch(/^text\/markdown/);
    // Ranking every tile is one click away, and back.
    const relevant = await total(page);
    await untilSearched(page, () => page.getByRole('button', { name: 'Rank every tile' }).click());
    expect(new URL(page.url()).searchParams.get('cutoff')).toBe('none');
    await eventually(() => status.textContent()).toMatch(/tiles ranked/);
    expect(await total(page)).toBeGreaterThanOrEqual(relevant);
    await untilSearched(page, () => page.getByRole('button', { name: 'Relevant ones only' }).click());
    expect(await total(page)).toBe(relevant);
  });

  it('says "no data" for a region the indexed atlas lacks', async () => {
    const empty = await emptyLeafRegion(server.url);
    expect(empty, 'the tiny atlas lacks some leaf region').not.toBeNull();
    // A fresh page load counts searches from zero: wait for the answer itself.
    await page.goto(`${server.url}/?q=${encodeURIComponent(QUERY)}&region=${empty}`);
    const notice = page.locator('.notice[data-code=no_data_for_region]');
    await eventually(() => notice.textContent()).toContain(`No data for ${empty}`);
    await page.goto(`${server.url}/?q=${encodeURIComponent(QUERY)}`);
    await page.waitForSelector('.result-card');
  }, 30_000);

  it('narrows by gestational week with the keyboard and shows only matching ages', async () => {
    const before = await total(page);
    const bounds = await page
      .getByLabel('Youngest gestational week')
      .evaluate((el) => Number((el as HTMLInputElement).min));
    await untilSearched(page, () => nudgeWeek(page, 'Youngest', 1));
    const lo = bounds + 1;
    await eventually(() => new URL(page.url()).searchParams.get('gw')).toMatch(new RegExp(`^${lo}-`));
    const weeks = await cardWeeks(page);
    expect(weeks.length).toBeGreaterThan(0);
    expect(weeks.every((w) => w >= lo)).toBe(true);
    expect(await total(page)).toBeLessThan(before);
    // Back to every age for what follows.
    await untilSearched(page, () => page.getByRole('button', { name: 'Any age' }).click());
    expect(await total(page)).toBe(before);
  });

  it('offers the age and the region a query names as chips, applying one only when clicked', async () => {
    const { specimens } = (await (await fetch(`${server.url}/v1/specimens`)).json()) as {
      specimens: { gestationalWeek: number }[];
    };
    const gw = specimens[0]!.gestationalWeek;
    await searchText(page, `subplate at ${gw} GW`);
    const chip = page.locator('.suggested .chip[data-chip=weeks]');
    await eventually(() => chip.textContent()).toBe(`+ ${gw} GW`);
    expect(await page.locator('.suggested .chip[data-chip="region:SP"]').count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('gw')).toBeNull(); // suggested, never applied unasked
    await untilSearched(page, () => chip.click());
    expect(new URL(page.url()).searchParams.get('gw')).toBe(`${gw}-${gw}`);
    const weeks = await cardWeeks(page);
    expect(weeks.length).toBeGreaterThan(0);
    expect(weeks.every((w) => w === gw)).toBe(true);
    expect(await page.locator('.suggested .chip[data-chip=weeks]').count()).toBe(0);
    await untilSearched(page, () => page.getByRole('button', { name: 'Any age' }).click());
    await searchText(page, QUERY);
  });

  it('opens a result: the tile large, its section in the deep-zoom viewer with the tile outlined, region polygons toggle', async () => {
    const { id } = await openResult(page, 0);
    expect(new URL(page.url()).searchParams.get('open')).toBe(id);
    const outline = page.locator('.section-overlay .tile-outline');
    const [x, y, w] = await Promise.all(['x', 'y', 'width'].map((a) => outline.getAttribute(a)));
    const box = (await page.locator('.meta-list').textContent())!;
    expect(box).toContain(`x ${x}, y ${y}, ${w} × ${w}`);
    // The outline is drawn on screen over the tissue, not off in a corner.
    const rect = await outline.boundingBox();
    expect(rect!.width).toBeGreaterThan(4);
    // The polygons come with the section's metadata, which may land after the viewer opens.
    const polygons = page.locator('.section-overlay .region-polygons path');
    await eventually(() => polygons.count()).toBeGreaterThan(0);
    await page.getByLabel(/Region outlines/).uncheck();
    await eventually(() => polygons.count()).toBe(0);
    await page.getByLabel(/Region outlines/).check();
    await eventually(() => polygons.count()).toBeGreaterThan(0);
    // Deep Zoom tiles really came from the API.
    await eventually(() =>
      page.evaluate(() =>
        performance.getEntriesByType('resource').some((r) => /\/dzi_files\/\d+\/\d+_\d+\.jpe?g/.test(r.name)),
      ),
    ).toBe(true);
  });

  it('draws the heatmap of the text query over the section', async () => {
    await page.getByRole('button', { name: /^Heatmap of/ }).click();
    const cells = page.locator('.section-overlay .heatmap rect');
    await eventually(() => cells.count()).toBeGreaterThan(1);
    const fills = new Set(await cells.evaluateAll((rects) => rects.map((r) => r.getAttribute('fill'))));
    expect(fills.size).toBeGreaterThan(1);
    await eventually(() => page.locator('.heat-legend').textContent()).toMatch(/\d+ tiles/);
  });

  it('finds similar tiles: the reference tile is shown, and left out of the results', async () => {
    const id = new URL(page.url()).searchParams.get('open')!;
    await untilSearched(page, () => page.getByRole('button', { name: 'Find similar' }).click());
    expect(new URL(page.url()).searchParams.get('similar')).toBe(id);
    const reference = page.locator('.reference-tile img');
    expect(await reference.getAttribute('src')).toBe(`/v1/tiles/${id}/image?size=128`);
    await eventually(() => reference.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    expect(await page.locator('.result-card').count()).toBeGreaterThan(0);
    expect(await page.locator(`.result-card[data-id="${id}"]`).count()).toBe(0);
  });

  it('exports the results as CSV with one row per result, and as GeoJSON polygons', async () => {
    await searchText(page, QUERY);
    const ids = await page.$$eval('.result-card', (cards) => cards.map((c) => (c as HTMLElement).dataset.id));
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const rows = readFileSync((await csv.path())!, 'utf8')
      .trim()
      .split('\r\n');
    expect(rows[0]).toMatch(/^rank,id,score,kind,region/);
    expect(rows.slice(1).map((r) => r.split(',')[1])).toEqual(ids);
    expect(rows[1]!.split(',')[0]).toBe('1');
    const [geo] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export GeoJSON' }).click(),
    ]);
    const fc = JSON.parse(readFileSync((await geo.path())!, 'utf8'));
    expect(fc.features).toHaveLength(ids.length);
    expect(fc.features[0].geometry.type).toBe('Polygon');
  });

  it('groups the results by region, each group expandable', async () => {
    await untilSearched(page, () => page.getByRole('button', { name: 'By region' }).click());
    const groups = page.locator('.region-groups > li');
    expect(await groups.count()).toBeGreaterThan(0);
    await groups.first().locator('summary').click();
    expect(await groups.first().locator('.result-card').count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Grid' }).click();
  });

  it('charts the developmental trajectory with best and median per week', async () => {
    await page.locator('.trajectory-panel summary').click();
    await page.waitForSelector('.trajectory svg');
    expect(await page.locator('.trajectory circle.best').count()).toBeGreaterThan(1);
    expect(await page.locator('.trajectory table tbody tr').count()).toBeGreaterThan(1);
  });

  it('classifies an uploaded image as a bar chart and searches by it', async () => {
    const tileUrl = await page.locator('.result-card img').first().getAttribute('src');
    const png = Buffer.from(await (await fetch(`${server.url}${tileUrl}`)).arrayBuffer());
    await untilSearched(page, () =>
      page.setInputFiles('#image-file', { name: 'my-tile.png', mimeType: 'image/png', buffer: png }),
    );
    await page.waitForSelector('.classification .bar');
    expect(await page.locator('.classification .bar-chart').first().locator('.bar').count()).toBeGreaterThan(0);
    expect(await page.locator('.result-card').count()).toBeGreaterThan(0);
    await eventually(() => page.locator('[role=status]').first().textContent()).toContain('image my-tile.png');
    // A tile of the index itself: nothing to warn about; the panel names the model and its calibrated temperature.
    expect(await page.locator('.warn.ood').count()).toBe(0);
    await eventually(() => page.locator('.classification').textContent()).toMatch(/calibrated on validation data/);
    expect(await page.locator('.classification .model-note a.model-card').count()).toBe(1);
    // Its scale: 112 px at 1 µm/px is half a model tile, so it is read as one tile, enlarged.
    await untilSearched(page, async () => {
      await page.getByLabel('µm/px').fill('1');
      await page.getByLabel('µm/px').press('Enter');
    });
    await eventually(() => page.locator('[role=status] .upload-note').textContent()).toMatch(
      /at 1 µm\/px \(as given\)/,
    );
  });

  it('warns when an uploaded image does not look like the tissue the model knows', async () => {
    // A two-colour drawing: a segmentation mask, not a stained section.
    const mask = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#000000' } })
      .composite([
        { input: { create: { width: 120, height: 80, channels: 3, background: '#ffffff' } }, left: 90, top: 60 },
      ])
      .png()
      .toBuffer();
    await untilSearched(page, () =>
      page.setInputFiles('#image-file', { name: 'mask.png', mimeType: 'image/png', buffer: mask }),
    );
    await eventually(() => page.locator('[role=status] .warn.ood').textContent()).toMatch(
      /does not look like the tissue the model knows.*2 distinct colours/,
    );
    await eventually(() => page.locator('.classification .warn.ood').count()).toBe(1);
  });

  it('works from the keyboard: a card opens with Enter, focus moves to the detail, Escape returns it to the card', async () => {
    await searchText(page, QUERY);
    const second = page.locator('.result-card button').nth(1);
    await second.focus();
    await page.keyboard.press('Enter');
    await eventually(() => page.evaluate(() => document.activeElement?.id)).toBe('detail-title');
    await page.keyboard.press('Escape');
    await eventually(() =>
      page.evaluate(() => document.activeElement?.closest('.result-card')?.getAttribute('data-id')),
    ).toBe(await page.locator('.result-card').nth(1).getAttribute('data-id'));
    expect(await page.locator('.detail').count()).toBe(0);
  });

  it('says what is wrong with an unsupported file, an over-size image and an API error, and stays usable', async () => {
    const alert = page.locator('.banner[role=alert]');
    await page.setInputFiles('#image-file', {
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('hello'),
    });
    await eventually(() => alert.textContent()).toMatch(/"notes.txt" is not an image this search reads/);
    // Big files go by path: Playwright sends a path to a local browser instead of the bytes.
    const huge = join(tmp, 'huge.png');
    writeFileSync(huge, Buffer.alloc(13 * 1024 * 1024, 1));
    await page.setInputFiles('#image-file', huge);
    await eventually(() => alert.textContent()).toMatch(/"huge.png" is 13.0 MB; the limit is 12 MB/);
    const wide = join(tmp, 'wide.png');
    await sharp({ create: { width: 5000, height: 3400, channels: 3, background: '#888888' } })
      .png()
      .toFile(wide);
    await page.setInputFiles('#image-file', wide);
    await eventually(() => alert.textContent()).toMatch(/5000 × 3400 pixels; the limit is 4096 × 4096/);
    // A query over the API's 1000-character limit: the server's problem+json answer, shown as it says.
    await page.fill('#query', 'cortex '.repeat(150));
    await page.press('#query', 'Enter');
    await eventually(() => alert.textContent()).toMatch(/The server answered 400: Invalid request: query\.text/);
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await searchText(page, QUERY);
    expect(await page.locator('.result-card').count()).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  });
});

/** A leaf region of the served ontology without a single tile in the index (the tiny atlas lacks several). */
async function emptyLeafRegion(base: string): Promise<string | null> {
  type Node = { acronym: string; children: Node[] };
  const { regions } = (await (await fetch(`${base}/v1/regions`)).json()) as { regions: Node[] };
  const leaves: string[] = [];
  const walk = (nodes: Node[]) => nodes.forEach((n) => (n.children.length ? walk(n.children) : leaves.push(n.acronym)));
  walk(regions);
  for (const acronym of leaves) {
    const body = { query: { text: 'x' }, retrieval: 'dense', cutoff: 'none', limit: 1, filter: { regions: [acronym] } };
    const answer = await fetch(`${base}/v1/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (((await answer.json()) as { total: number }).total === 0) return acronym;
  }
  return null;
}
