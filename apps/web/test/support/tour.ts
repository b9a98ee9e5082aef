/// <reference lib="dom" />
// Callbacks passed to page.evaluate run in the browser: they see the DOM.
import type { Page } from 'playwright-core';

/** Steps a person takes in the app, shared by the end-to-end suite, the screenshots and the benchmark. */

/** Runs `action` and waits until the app has answered one more search than before it (Enter always searches). */
export async function untilSearched(page: Page, action: () => Promise<unknown>): Promise<void> {
  const before = Number(await page.getAttribute('main', 'data-searches'));
  await action();
  await page.waitForFunction((n) => Number(document.querySelector('main')?.dataset.searches) > n, before);
}

export async function searchText(page: Page, text: string): Promise<void> {
  await page.fill('#query', text);
  await untilSearched(page, () => page.press('#query', 'Enter'));
  await page.waitForSelector('.result-card');
}

export async function total(page: Page): Promise<number> {
  return Number((await page.textContent('[role=status] .total'))!.replace(/\D/g, ''));
}

export async function cardWeeks(page: Page): Promise<number[]> {
  return page.$$eval('.result-card', (cards) => cards.map((c) => Number((c as HTMLElement).dataset.week)));
}

/** Moves a week slider with the keyboard, as a keyboard user would; each key press is one week. */
export async function nudgeWeek(page: Page, which: 'Youngest' | 'Oldest', steps: number): Promise<void> {
  const slider = page.getByLabel(`${which} gestational week`);
  await slider.focus();
  for (let i = 0; i < Math.abs(steps); i++) await page.keyboard.press(steps > 0 ? 'ArrowRight' : 'ArrowLeft');
}

export async function openResult(page: Page, index = 0): Promise<{ id: string }> {
  const card = page.locator('.result-card').nth(index);
  const id = (await card.getAttribute('data-id'))!;
  await card.locator(':scope > button').click(); // the card itself, not its thumbs
  await page.waitForSelector('.viewer[data-ready="true"] .tile-outline', { state: 'attached', timeout: 20_000 });
  return { id };
}

/** A promise in the page resolving to ms from the Enter key-down to the frame after the first result card appears. */
export async function armFirstPaintTimer(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __firstResultMs: Promise<number> };
    w.__firstResultMs = new Promise<number>((resolve) => {
      let pressed = 0;
      addEventListener('keydown', (e) => e.key === 'Enter' && (pressed = performance.now()), {
        capture: true,
        once: true,
      });
      const observer = new MutationObserver(() => {
        if (!pressed || !document.querySelector('.result-card')) return;
        observer.disconnect();
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - pressed)));
      });
      observer.observe(document.body, { childList: true, subtree: true });
    });
  });
}

export const readFirstPaintMs = (page: Page) =>
  page.evaluate(() => (window as unknown as { __firstResultMs: Promise<number> }).__firstResultMs);
