// Shared set-up for the browser tests: Debian's chromium through
// playwright-core, the stack's URL from YSQGK_URL, screenshots under
// tests/out/screenshots/ (YSQGK_SCREENSHOTS overrides).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export const baseURL = process.env.YSQGK_URL;
if (!baseURL) throw new Error('YSQGK_URL is not set (run through tests/e2e/test_browser.py)');

export const screenshotDir = process.env.YSQGK_SCREENSHOTS ||
  path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'out', 'screenshots');
mkdirSync(screenshotDir, { recursive: true });

// playwright gives each launch a fresh, empty profile.
// Flags as the machine's notes advise: without the background-networking
// ones chromium tries to reach Google's hosts, which this network refuses.
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A phone-sized page (360×740) unless told otherwise.
export async function newPage(browser, viewport = { width: 360, height: 740 }) {
  const context = await browser.newContext({ baseURL, viewport, locale: 'zh-CN' });
  return context.newPage();
}

export async function screenshot(page, name) {
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
