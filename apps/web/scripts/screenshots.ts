// npm run docs:screenshots: each view of the app, in headless Chromium, as small PNGs in apps/web/docs/screenshots/.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { WEB_ROOT } from '@cytoclip/web';
import { launchChromium } from '../test/support/browser.js';
import { startServer } from '../test/support/server.js';
import { nudgeWeek, openResult, searchText, untilSearched } from '../test/support/tour.js';

const OUT = join(WEB_ROOT, 'docs', 'screenshots');
const QUERY = 'layered cortex with dense granular cells';

async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(400); // let images and the viewer settle
  const png = await page.screenshot({ type: 'png' });
  // At most 1600 px wide with a 64-colour palette: small enough for the repository, still legible.
  await sharp(png)
    .resize({ width: 1600, withoutEnlargement: true })
    .png({ palette: true, colours: 64, dither: 0, compressionLevel: 9 })
    .toFile(join(OUT, `${name}.png`));
  console.log(`docs/screenshots/${name}.png`);
}

mkdirSync(OUT, { recursive: true });
// The demo atlas as the benchmark leaves it in DATA_DIR/bench-web (generated and ingested on first use).
const dataDir = resolve(process.env.DATA_DIR ?? 'data', 'bench-web');
mkdirSync(dataDir, { recursive: true });
const [server, browser] = await Promise.all([startServer({ preset: 'demo', dataDir }), launchChromium()]);
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${server.url}/`);
  await page.waitForSelector('.region-tree');
  await page.waitForSelector('.section-picker');
  await shoot(page, '0-start');
  await searchText(page, QUERY);
  await shoot(page, '1-search-results');
  await untilSearched(page, () => nudgeWeek(page, 'Youngest', 5));
  await shoot(page, '2-week-filter');
  await untilSearched(page, () => page.getByRole('button', { name: 'Any age' }).click());
  await openResult(page, 0);
  await shoot(page, '3-result-in-section');
  await page.getByRole('button', { name: 'Heatmap', exact: true }).click();
  await page.waitForSelector('.heat-legend');
  await page.getByRole('button', { name: /^Fixed/ }).click();
  await shoot(page, '4-heatmap');
  await page.getByRole('button', { name: 'Close the detail' }).click();
  await page.locator('.trajectory-panel summary').click();
  await page.waitForSelector('.trajectory svg');
  await page.locator('.trajectory .week-hit').nth(2).hover();
  await shoot(page, '5-trajectory');
  await page.locator('.trajectory-panel summary').click();
  await untilSearched(page, () => page.getByRole('button', { name: 'By region' }).click());
  await page.locator('.region-groups summary').first().click();
  await shoot(page, '6-by-region');
  const tile = await page.locator('.result-card img').first().getAttribute('src');
  const png = Buffer.from(await (await fetch(`${server.url}${tile}`)).arrayBuffer());
  await untilSearched(page, () => page.getByRole('button', { name: 'Grid' }).click());
  await untilSearched(page, () =>
    page.setInputFiles('#image-file', { name: 'my-tile.png', mimeType: 'image/png', buffer: png }),
  );
  await page.waitForSelector('.classification .bar');
  await shoot(page, '7-classify-image');
  await page.setInputFiles('#image-file', {
    name: 'notes.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4'),
  });
  await page.waitForSelector('.banner[role=alert]');
  await shoot(page, '8-bad-input');
  // A whole-region result open: letterboxed region cards, the viewer fitted to the region and its outline, the region
  // across ages.
  const regions = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await regions.goto(`${server.url}/?q=${encodeURIComponent(QUERY)}&target=regions`);
  await regions.locator('.result-card[data-kind=region] > button').first().click();
  await regions.waitForSelector('.viewer[data-ready="true"] .result-outline', { state: 'attached' });
  await regions.waitForSelector('.across-ages li');
  await shoot(regions, '12-whole-region');
  // The smallest laptop screen the app is meant for, with a result open.
  const small = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await small.goto(`${server.url}/?q=${encodeURIComponent(QUERY)}`);
  await small.waitForSelector('.result-card');
  await openResult(small, 0);
  await shoot(small, '10-small-screen');
  // Browsing a section without a query, the region tree searched.
  const browse = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await browse.goto(`${server.url}/`);
  await browse.getByRole('button', { name: 'Open section' }).click();
  await browse.waitForSelector('.viewer[data-ready="true"] .region-labels text', { state: 'attached' });
  await browse.getByLabel('Find a region by acronym or name').fill('cortex');
  await shoot(browse, '11-browse-section');
  const large = await browser.newPage({ viewport: { width: 2560, height: 1440 } });
  await large.goto(`${server.url}/?q=${encodeURIComponent(QUERY)}`);
  await large.waitForSelector('.result-card');
  await openResult(large, 2);
  await shoot(large, '9-large-screen');
} finally {
  await browser.close();
  await server.close();
}
