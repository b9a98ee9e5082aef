/// <reference lib="dom" />
// Callbacks passed to page.evaluate run in the browser: they see the DOM.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import AdmZip from 'adm-zip';
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
    await eventually(() => cards.first().locator(':scope > button').textContent()).toMatch(
      /^\d\.\d{3}\w+\d+ GW · (coronal|sagittal|axial)$/,
    );
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

  it('shows a minimap, a scale bar in µm, region labels and a legend in ontology colours, and smooth outlines', async () => {
    expect(await page.locator('.viewer .navigator').count()).toBe(1);
    const bar = page.locator('.scale-bar');
    await eventually(() => bar.getAttribute('aria-label')).toMatch(/^Scale bar: \d+(\.\d+)? (µm|mm)$/);
    const px = Number(await bar.getAttribute('data-px'));
    expect(px).toBeGreaterThan(20);
    expect(px).toBeLessThanOrEqual(120);
    // The bar's length is its µm at the section's µm/px and the current zoom.
    const section = await (await fetch(`${server.url}/v1/sections/${await openSection(page)}`)).json();
    expect(section.micronsPerPixel).toBeGreaterThan(0);
    const labels = page.locator('.section-overlay .region-labels text');
    await eventually(() => labels.count()).toBeGreaterThan(0);
    const legend = page.locator('.region-legend button');
    expect(await legend.count()).toBe(new Set(await labels.allTextContents()).size);
    // The legend's swatches are the ontology's colours, as the region tree shows them.
    const [acronym, swatch] = await legend
      .first()
      .evaluate((b) => [
        b.textContent!.trim().split(/\s/)[0]!,
        getComputedStyle(b.querySelector('.swatch')!).backgroundColor,
      ]);
    const treeSwatch = await page
      .locator('.region-tree label', { has: page.locator('.acronym', { hasText: new RegExp(`^${acronym}$`) }) })
      .first()
      .locator('.swatch')
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(swatch).toBe(treeSwatch);
    // Smoothed: an outline has slanted segments, not only the mask's horizontal and vertical steps.
    const slanted = await page
      .locator('.section-overlay .region-polygons path')
      .first()
      .evaluate((path) => {
        const pts = [...path.getAttribute('d')!.matchAll(/(-?[\d.]+),(-?[\d.]+)/g)].map((m) => [+m[1]!, +m[2]!]);
        return pts.slice(1).filter(([x, y], i) => x !== pts[i]![0] && y !== pts[i]![1]).length / pts.length;
      });
    expect(slanted).toBeGreaterThan(0.5);
  });

  it('zooms about the tile, goes back to it, and filters by a region clicked on the section', async () => {
    const outline = page.locator('.section-overlay .tile-outline');
    const centre = async () => {
      const b = (await outline.boundingBox())!;
      return [b.x + b.width / 2, b.y + b.height / 2, b.width];
    };
    const [x0, y0, w0] = await centre();
    await page.getByRole('button', { name: 'Zoom in about the tile' }).click();
    await page.waitForTimeout(900); // the zoom animates for 0.4 s
    const [x1, y1, w1] = await centre();
    expect(w1).toBeGreaterThan(w0! * 1.3);
    expect(Math.hypot(x1! - x0!, y1! - y0!)).toBeLessThan(3);
    await page.getByRole('button', { name: 'Whole section' }).click();
    await page.waitForTimeout(900);
    expect((await centre())[2]).toBeLessThan(w1!);
    await page.getByRole('button', { name: 'Back to the tile' }).click();
    await page.waitForTimeout(900);
    expect((await centre())[2]! / w0!).toBeCloseTo(1, 1);
    // A click on a region (its label sits inside it) filters the search by that region.
    const [region, x, y] = await page.evaluate(() => {
      const viewer = document.querySelector('.viewer')!.getBoundingClientRect();
      const minimap = document.querySelector('.viewer .navigator')!.getBoundingClientRect();
      const inside = (r: DOMRect, x: number, y: number) => x > r.left && x < r.right && y > r.top && y < r.bottom;
      for (const text of Array.from(document.querySelectorAll('.section-overlay .region-labels text'))) {
        const b = text.getBoundingClientRect();
        const [x, y] = [b.left + b.width / 2, b.top + b.height / 2];
        if (inside(viewer, x, y) && !inside(minimap, x, y)) return [text.textContent!, x, y] as const;
      }
      throw new Error('no region label in view');
    });
    await untilSearched(page, () => page.mouse.click(x, y));
    expect(new URL(page.url()).searchParams.getAll('region')).toEqual([region]);
    await untilSearched(page, () => page.goBack());
    expect(new URL(page.url()).searchParams.get('region')).toBeNull();
    await page.waitForSelector('.viewer[data-ready="true"] .tile-outline', { state: 'attached' });
  });

  it('draws the heatmap of the text query over the section, on its own or a fixed scale, at a chosen opacity', async () => {
    await page.getByRole('button', { name: 'Heatmap', exact: true }).click();
    const cells = page.locator('.section-overlay .heatmap rect');
    await eventually(() => cells.count()).toBeGreaterThan(1);
    const fills = new Set(await cells.evaluateAll((rects) => rects.map((r) => r.getAttribute('fill'))));
    expect(fills.size).toBeGreaterThan(1);
    await eventually(() => page.locator('.heat-legend').textContent()).toMatch(/\d+ tiles/);
    // The section's own range: its lowest and highest score.
    const own = await page.locator('.heat-legend').getAttribute('aria-label');
    // Fixed: from the cutoff that applied to the search's best score, the same on every section.
    await page.getByRole('button', { name: /^Fixed/ }).click();
    const cutoff = (await page.locator('.cutoff-line').textContent())!.match(/at least (\d\.\d{3})/)![1];
    const best = (await page.locator('.result-card .score').first().textContent())!;
    await eventually(() => page.locator('.heat-legend .lo').textContent()).toBe(cutoff);
    expect(await page.locator('.heat-legend .hi').textContent()).toBe(best);
    expect(await page.locator('.heat-legend').getAttribute('aria-label')).not.toBe(own);
    await page.getByLabel('Opacity').fill('0.9');
    await eventually(() => page.locator('.section-overlay .heatmap').getAttribute('fill-opacity')).toBe('0.9');
    await page.getByRole('button', { name: "This section's range" }).click();
  });

  it('keeps three result columns and the viewer in view at 1280 × 720 with a result open', async () => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.waitForTimeout(300);
    const columns = await page
      .locator('.result-grid')
      .evaluate((grid) => getComputedStyle(grid).gridTemplateColumns.split(' ').length);
    expect(columns).toBeGreaterThanOrEqual(3);
    // The viewer is on screen without scrolling (here with the heatmap's controls open above it too).
    const viewer = (await page.locator('.viewer').boundingBox())!;
    expect(viewer.y).toBeGreaterThan(0);
    expect(Math.min(720, viewer.y + viewer.height) - viewer.y).toBeGreaterThan(250);
    expect(viewer.x).toBeGreaterThan((await page.locator('.result-grid').boundingBox())!.x);
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  it('opens a shared link to a result that is not on the page it names', async () => {
    // A tile that ranks beyond the first page (or not at all): fetched by id.
    const answer = await fetch(`${server.url}/v1/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: { text: QUERY }, cutoff: 'none', limit: 1, offset: 60 }),
    });
    const far = ((await answer.json()) as { results: { id: string; section: string }[] }).results[0]!;
    const shared = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await shared.goto(`${server.url}/?q=${encodeURIComponent(QUERY)}&open=${far.id}`);
    await shared.waitForSelector('.viewer[data-ready="true"] .tile-outline', { state: 'attached', timeout: 20_000 });
    expect(await shared.locator(`.result-card[data-id="${far.id}"]`).count()).toBe(0);
    expect(await shared.locator('.meta-list').textContent()).toContain(far.section);
    expect(await shared.locator('.meta-list').textContent()).toContain('opened by link');
    await shared.close();
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

  it('exports every result above the cutoff as CSV with absolute URLs, and GeoJSON per section in ontology colours', async () => {
    await searchText(page, QUERY);
    const ids = await page.$$eval('.result-card', (cards) => cards.map((c) => (c as HTMLElement).dataset.id));
    const relevant = await total(page);
    expect(relevant).toBeGreaterThan(ids.length); // more than one page, so the export must page through the API
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const rows = readFileSync((await csv.path())!, 'utf8')
      .trim()
      .split('\r\n');
    expect(rows[0]).toMatch(/^rank,id,score,kind,region/);
    expect(rows).toHaveLength(relevant + 1);
    expect(rows.slice(1, ids.length + 1).map((r) => r.split(',')[1])).toEqual(ids);
    expect(rows.slice(1).map((r) => Number(r.split(',')[0]))).toEqual(rows.slice(1).map((_, i) => i + 1));
    const url = rows[1]!.split(',').at(-1)!;
    expect(url).toMatch(new RegExp(`^${server.url}/v1/tiles/[0-9a-f-]+/image`));
    expect((await fetch(url)).headers.get('content-type')).toMatch(/^image\//);
    await eventually(() => page.locator('.export-progress').textContent()).toBe(
      `Exported ${relevant.toLocaleString('en')} results.`,
    );
    const [geo] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export GeoJSON' }).click(),
    ]);
    expect(geo.suggestedFilename()).toMatch(/\.zip$/); // the results span several sections
    const zip = new AdmZip(readFileSync((await geo.path())!));
    const colours = await regionColours(server.url);
    const features = zip.getEntries().flatMap((entry) => {
      const fc = JSON.parse(entry.getData().toString('utf8'));
      // One file per section, named after it, holding only its features.
      expect(entry.entryName).toBe(`${fc.features[0].properties.section}.geojson`);
      expect(new Set(fc.features.map((f: { properties: { section: string } }) => f.properties.section)).size).toBe(1);
      return fc.features as {
        geometry: { type: string };
        properties: { classification: { name: string; color: number[] } };
      }[];
    });
    expect(features).toHaveLength(relevant);
    expect(features[0]!.geometry.type).toBe('Polygon');
    for (const f of features.slice(0, 50)) {
      const { name, color } = f.properties.classification;
      expect(color).toEqual(colours.get(name));
    }
    expect(new Set(features.map((f) => f.properties.classification.color.join())).size).toBeGreaterThan(1);
  });

  it('groups the results by region, each group expandable', async () => {
    await untilSearched(page, () => page.getByRole('button', { name: 'By region' }).click());
    const groups = page.locator('.region-groups > li');
    expect(await groups.count()).toBeGreaterThan(0);
    await groups.first().locator('summary').click();
    expect(await groups.first().locator('.result-card').count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Grid' }).click();
  });

  it("charts the trajectory at the specimens' weeks: mean of the top k, values on hover, a week's best tiles on click", async () => {
    await page.locator('.trajectory-panel summary').click();
    await page.waitForSelector('.trajectory svg');
    expect(await page.locator('.trajectory circle.top-mean').count()).toBeGreaterThan(1);
    expect(await page.locator('.trajectory table tbody tr').count()).toBeGreaterThan(1);
    const { specimens } = (await (await fetch(`${server.url}/v1/specimens`)).json()) as {
      specimens: { gestationalWeek: number }[];
    };
    const weeks = [...new Set(specimens.map((s) => s.gestationalWeek))].sort((a, b) => a - b);
    const ticks = await page
      .locator('.trajectory .tick')
      .evaluateAll((t) => t.map((g) => Number(g.getAttribute('data-week'))));
    expect(ticks).toEqual(weeks);
    const column = page.locator('.trajectory .week-hit').nth(1);
    const week = Number(await column.getAttribute('data-week'));
    await column.hover();
    await eventually(() => page.locator('.trajectory-readout').textContent()).toMatch(
      new RegExp(
        `^${week} GW: mean of top 10 -?\\d\\.\\d{3} · median -?\\d\\.\\d{3} · best -?\\d\\.\\d{3} · [\\d,]+ items$`,
      ),
    );
    await untilSearched(page, () => column.click());
    expect(new URL(page.url()).searchParams.get('gw')).toBe(`${week}-${week}`);
    const cardWeeksNow = await cardWeeks(page);
    expect(cardWeeksNow.length).toBeGreaterThan(0);
    expect(cardWeeksNow.every((w) => w === week)).toBe(true);
    await untilSearched(page, () => page.getByRole('button', { name: 'Any age' }).click());
    await page.locator('.trajectory-panel summary').click();
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
    // The heatmap of an image query: the section scored against the uploaded image.
    await openResult(page, 0);
    await page.getByRole('button', { name: 'Heatmap', exact: true }).click();
    await eventually(() => page.locator('.section-overlay .heatmap rect').count()).toBeGreaterThan(1);
    await page.getByRole('button', { name: 'Close the detail' }).click();
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

  it('finds a region in the tree by name, one line per region', async () => {
    const find = page.getByLabel('Find a region by acronym or name');
    await find.fill('plate');
    const shown = page.locator('.region-tree .acronym');
    await eventually(() => shown.allTextContents()).toContain('CP');
    expect(await shown.allTextContents()).not.toContain('GE');
    const heights = await page
      .locator('.region-tree label')
      .evaluateAll((labels) =>
        labels.filter((l) => l.getClientRects().length).map((l) => l.getBoundingClientRect().height),
      );
    expect(Math.max(...heights)).toBeLessThan(30);
    await find.fill('');
  });

  it('browses a section without a query: pick a specimen, plane and section, and it opens in the viewer', async () => {
    const browse = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await browse.goto(`${server.url}/`);
    const picker = browse.getByRole('form', { name: 'Browse sections' });
    await picker.waitFor();
    const { sections } = (await (await fetch(`${server.url}/v1/sections`)).json()) as {
      sections: { id: string; specimen: string; plane: string }[];
    };
    const last = sections.at(-1)!;
    await picker.getByLabel('Specimen').selectOption(last.specimen);
    await picker.getByLabel('Plane').selectOption(last.plane);
    await picker.getByLabel('Section').selectOption(last.id);
    await picker.getByRole('button', { name: 'Open section' }).click();
    await browse.waitForSelector('.viewer[data-ready="true"]');
    expect(await browse.locator('#section-title').textContent()).toBe(`Section ${last.id}`);
    await eventually(() => browse.locator('.section-overlay .region-polygons path').count()).toBeGreaterThan(0);
    expect(await browse.locator('.section-overlay .tile-outline').count()).toBe(0);
    await eventually(() => browse.locator('.scale-bar').getAttribute('aria-label')).toMatch(/µm|mm/);
    await browse.close();
  });

  it('works from the keyboard: a card opens with Enter, focus moves to the detail, Escape returns it to the card', async () => {
    await searchText(page, QUERY);
    const second = page.locator('.result-card > button').nth(1);
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

/** The section of the open result, from its metadata. */
async function openSection(page: Page): Promise<string> {
  const text = (await page.locator('.meta-list').textContent())!;
  return text.match(/Section(\S+?-\w{3}-\d+)/)![1]!;
}

/** The ontology's colours as QuPath reads them ([r, g, b]), by acronym. */
async function regionColours(base: string): Promise<Map<string, number[]>> {
  type Node = { acronym: string; color: string; children: Node[] };
  const { regions } = (await (await fetch(`${base}/v1/regions`)).json()) as { regions: Node[] };
  const out = new Map<string, number[]>();
  const walk = (nodes: Node[]) =>
    nodes.forEach((n) => {
      const hex = n.color.replace('#', '');
      out.set(
        n.acronym,
        [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)),
      );
      walk(n.children);
    });
  walk(regions);
  return out;
}

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
