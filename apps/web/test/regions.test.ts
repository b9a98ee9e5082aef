/// <reference lib="dom" />
// Callbacks passed to page.evaluate run in the browser: they see the DOM.
import { readFileSync } from 'node:fs';
import AdmZip from 'adm-zip';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../../test/support/index.js';
import { chromiumMissing, launchChromium } from './support/browser.js';
import { startServer, type RunningServer } from './support/server.js';

// Whole-region results in real headless Chromium against the real platform (the tiny atlas ingested with the bundled
// tile and region models): letterboxed cards, the viewer fitted to the region with its real outline, GeoJSON with that
// outline, and the same region across the atlas's ages.
const run = needs('Chromium', chromiumMissing());
const QUERY = 'layered cortex with dense granular cells';
const eventually = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000, interval: 100 });

interface Feature {
  id: string;
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: number[][][] | number[][][][] };
  properties: { kind: string; section: string; classification: { name: string; color: number[] } };
}

describe.runIf(run)('whole-region results (Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}/?q=${encodeURIComponent(QUERY)}&target=regions`);
    await page.waitForSelector('.result-card[data-kind=region]', { timeout: 30_000 });
  }, 400_000); // generating and ingesting the tiny atlas takes about a minute on two busy cores
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('letterboxes a region image on its card: its aspect ratio kept, padded, not cropped to the square', async () => {
    // The widest region image on the page: a region whose box is far from square.
    const images = page.locator('.result-card[data-kind=region] img');
    await eventually(() => images.evaluateAll((els) => els.every((e) => (e as HTMLImageElement).complete))).toBe(true);
    const shapes = await images.evaluateAll((els) =>
      els.map((e) => {
        const img = e as HTMLImageElement;
        return { aspect: img.naturalWidth / img.naturalHeight, fit: getComputedStyle(img).objectFit };
      }),
    );
    expect(new Set(shapes.map((s) => s.fit))).toEqual(new Set(['contain']));
    const widest = shapes.reduce(
      (w, s, i) => (Math.abs(Math.log(s.aspect)) > Math.abs(Math.log(shapes[w]!.aspect)) ? i : w),
      0,
    );
    const aspect = shapes[widest]!.aspect;
    expect(Math.abs(Math.log(aspect)), 'some region image is far from square').toBeGreaterThan(Math.log(1.3));
    const img = images.nth(widest);
    await img.scrollIntoViewIfNeeded();
    const box = (await img.boundingBox())!;
    expect(box.width / box.height).toBeCloseTo(1, 1); // the card's square
    // The pixels: the padding bands (above and below a wide image, beside a tall one) are the card's grey, and the
    // image itself fills the other direction edge to edge (so nothing of it was cut off).
    const shot = await sharp(await img.screenshot())
      .raw()
      .toBuffer({ resolveWithObject: true });
    const { width, height, channels } = shot.info;
    const at = (x: number, y: number) => [
      ...shot.data.subarray((y * width + x) * channels, (y * width + x) * channels + 3),
    ];
    const band = aspect > 1 ? at(Math.floor(width / 2), 1) : at(1, Math.floor(height / 2));
    expect(band).toEqual([228, 228, 228]);
    const painted = aspect > 1 ? height / aspect : width * aspect; // the letterboxed image's short side on screen
    expect(painted).toBeLessThan((aspect > 1 ? height : width) * 0.8);
  });

  it('opens a region fitted in the viewer, its real outline highlighted instead of its box', async () => {
    const card = page.locator('.result-card[data-kind=region]').first();
    const id = (await card.getAttribute('data-id'))!;
    await card.locator(':scope > button').click();
    const outline = page.locator('.viewer[data-ready="true"] .result-outline');
    await outline.waitFor({ state: 'attached', timeout: 20_000 });
    expect(await page.locator('.viewer .tile-outline').count()).toBe(0); // no box once the outline is known
    // Its polygon(s): many vertices (a smoothed annotation outline), not the four corners of a rectangle.
    const d = (await outline.getAttribute('d'))!;
    expect(d.split(/[ML]/).filter(Boolean).length).toBeGreaterThan(8);
    expect(await page.getByRole('button', { name: 'Back to the region' }).count()).toBe(1);
    // Fitted: the outline spans most of the viewer along its longer fit, and lies inside it (no postage stamp).
    await page.waitForTimeout(600); // the open animation
    const [shape, frame] = await Promise.all([outline.boundingBox(), page.locator('.viewer').boundingBox()]);
    const fill = Math.max(shape!.width / frame!.width, shape!.height / frame!.height);
    expect(fill).toBeGreaterThan(0.6);
    expect(shape!.x).toBeGreaterThanOrEqual(frame!.x - 2);
    expect(shape!.x + shape!.width).toBeLessThanOrEqual(frame!.x + frame!.width + 2);
    // It is the opened region's outline.
    const item = (await (await fetch(`${server.url}/v1/region-images/${id}`)).json()) as {
      region: { acronym: string };
    };
    expect(await page.locator('#detail-title').textContent()).toMatch(new RegExp(`^${item.region.acronym} · `));
    expect(pageErrors).toEqual([]);
  });

  it('exports region results as GeoJSON carrying their outline polygons, not their boxes', async () => {
    const [geo] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export GeoJSON' }).click(),
    ]);
    const bytes = readFileSync((await geo.path())!);
    const files = geo.suggestedFilename().endsWith('.zip')
      ? new AdmZip(bytes).getEntries().map((e) => e.getData().toString('utf8'))
      : [bytes.toString('utf8')];
    const features = files.flatMap((text) => (JSON.parse(text) as { features: Feature[] }).features);
    expect(features.length).toBeGreaterThan(0);
    // Each feature is its region's outline as the API gives it (GET /v1/region-images/{id}/outline: the section's
    // annotation polygons of the region), and in the ontology's colour; some are not the box the image was cut to.
    let notBoxes = 0;
    for (const f of features.slice(0, 12)) {
      expect(f.properties.kind).toBe('region');
      const [item, outline] = await Promise.all(
        [`/v1/region-images/${f.id}`, `/v1/region-images/${f.id}/outline`].map(async (path) =>
          (await fetch(`${server.url}${path}`)).json(),
        ),
      );
      const truth = (outline as { features: Feature[] }).features[0]!;
      expect(f.geometry).toEqual(truth.geometry);
      expect(f.properties.classification).toEqual(truth.properties.classification);
      const [x, y, w, h] = (item as { bbox: number[] }).bbox as [number, number, number, number];
      const box = [
        [x, y],
        [x + w, y],
        [x + w, y + h],
        [x, y + h],
        [x, y],
      ];
      const polygons = (
        f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates
      ) as number[][][][];
      if (polygons.length > 1 || JSON.stringify(polygons[0]![0]) !== JSON.stringify(box)) notBoxes++;
      for (const ring of polygons.flat()) expect(ring.at(-1)).toEqual(ring[0]);
    }
    expect(notBoxes).toBeGreaterThan(0);
  });

  it('shows the same region across the atlas ages side by side, each one opening', async () => {
    const { specimens } = (await (await fetch(`${server.url}/v1/specimens`)).json()) as {
      specimens: { gestationalWeek: number }[];
    };
    const weeks = [...new Set(specimens.map((s) => s.gestationalWeek))].sort((a, b) => a - b);
    expect(weeks.length).toBeGreaterThan(1);
    const strip = page.locator('.across-ages');
    await eventually(() => strip.locator('li').count()).toBe(weeks.length);
    expect(
      await strip.locator('li').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.week))),
    ).toEqual(weeks);
    const region = (await page.locator('#detail-title').textContent())!.split(' · ')[0]!;
    expect(await strip.getAttribute('aria-label')).toBe(`${region} across ages`);
    // The open result stands for its own week; another week's card opens its result, of the same region.
    expect(await strip.locator('button[aria-current=true]').count()).toBe(1);
    const other = strip.locator('button:not([aria-current])').first();
    await other.waitFor();
    const week = Number(await other.locator('xpath=..').getAttribute('data-week'));
    const before = new URL(page.url()).searchParams.get('open');
    await other.click();
    await eventually(() => new URL(page.url()).searchParams.get('open')).not.toBe(before);
    await eventually(() => page.locator('.detail .meta-list').textContent()).toContain(`${week} GW`);
    expect((await page.locator('#detail-title').textContent())!.split(' · ')[0]).toBe(region);
    await eventually(() =>
      strip.locator('button[aria-current=true]').locator('xpath=..').getAttribute('data-week'),
    ).toBe(String(week));
    expect(pageErrors).toEqual([]);
  });
});
