import { execFileSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const ARTIFACTS = path.resolve('e2e/artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The web app as `npm start` would serve it (built when missing or stale). */
export function buildWebApp(): void {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-web.ts'], { stdio: 'inherit' });
}

/** Debian's Chromium, headless, with none of its background calls home (this machine has no internet). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// Functions run in the page reach its globals through `globalThis`: this file is compiled for Node, without the DOM's types.
interface InPage {
  document: { activeElement: object | null };
}

/** What has the keyboard focus: its text, accessible label and input type. */
export async function focused(page: Page): Promise<{ text: string; label: string | null; type: string | null }> {
  return (await page.evaluate(`(() => {
    const a = document.activeElement;
    return { text: a?.textContent?.trim() ?? '', label: a?.getAttribute('aria-label') ?? null, type: a?.getAttribute('type') ?? null };
  })()`)) as { text: string; label: string | null; type: string | null };
}

/** Whether the element has the keyboard focus. */
export function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el === (globalThis as unknown as InPage).document.activeElement);
}

/** Whether the focus is inside the element (on one of its descendants, not the element itself). */
export function focusIsWithin(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => {
    const active = (globalThis as unknown as InPage).document.activeElement;
    return active !== null && active !== el && el.contains(active);
  });
}

/** What the page copied (the context needs the clipboard-read permission). */
export async function clipboardText(page: Page): Promise<string> {
  return (await page.evaluate('navigator.clipboard.readText()')) as string;
}

/**
 * `expect.poll` with room for a busy machine: what the page shows after a request is given ten seconds (Vitest's
 * default, one second, is less than one slow answer on a shared CI runner).
 */
export function eventually<T>(fn: () => T | Promise<T>, options: { timeout?: number; interval?: number } = {}) {
  return expect.poll(fn, { timeout: 10_000, interval: 100, ...options });
}

let axeSource: string | null = null;

/** axe-core in the page: no serious or critical accessibility violation. */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated through the debugging protocol, which the page's Content-Security-Policy (rightly) does not allow scripts to do.
  await page.evaluate(axeSource);
  // Evaluated in the page (a string: this file is compiled for Node, not the DOM).
  const violations = (await page.evaluate(`(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
  })()`)) as string[];
  expect(violations.join('\n'), `accessibility of ${label}`).toBe('');
}

/** The page is no wider than the window: nothing is off-screen sideways (what a phone user cannot reach). */
export async function expectNoOverflow(page: Page, label: string): Promise<void> {
  // Layout settles a frame after a resize.
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  const { scrollWidth, innerWidth, widest } = (await page.evaluate(`(() => {
    const innerWidth = window.innerWidth;
    let widest = '';
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > innerWidth + 1 && r.width > 0) { widest = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + String(el.className).split(' ').slice(0, 3).join('.') + ' → ' + Math.round(r.right) + 'px'; break; }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth, widest };
  })()`)) as { scrollWidth: number; innerWidth: number; widest: string };
  expect(scrollWidth, `${label} is ${scrollWidth} px wide in a ${innerWidth} px window (${widest})`).toBeLessThanOrEqual(innerWidth);
}

/** A screenshot at desktop and at phone width, kept as a test artifact; at phone width, no overflow and no axe violation. */
export async function screenshots(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  const fullPage = options.fullPage ?? true;
  await mkdir(ARTIFACTS, { recursive: true });
  const size = page.viewportSize();
  try {
    await page.setViewportSize({ width: 1280, height: 900 });
    await expectNoOverflow(page, `${name} (1280 px)`);
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-desktop.png`), fullPage });
    await page.setViewportSize({ width: 390, height: 844 });
    await expectNoOverflow(page, `${name} (390 px)`);
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-mobile.png`), fullPage });
    await expectAccessible(page, `${name} (390 px)`);
  } finally {
    // A failure here must not leave the next test at phone width.
    if (size) await page.setViewportSize(size);
  }
}
