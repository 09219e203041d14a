// Lighthouse (issue 16): accessibility and best practices score 95 or more
// on the public pages (home, the form, the status look-up) and on the
// yearly report, as a phone and as a desktop sees them. Debian's chromium,
// started by chrome-launcher; only those two categories are run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { chromium } from 'playwright-core';
import {
  PASSWORD, addUser, baseURL, needsStack, submit,
} from './browser.mjs';

const CATEGORIES = ['accessibility', 'best-practices'];
const MINIMUM = 0.95;

// Signs a new head of agency demo in, in Lighthouse's own chromium (the
// report is a staff page; a Cookie header in Lighthouse's extraHeaders is
// not sent by chromium).
async function signInThere(port) {
  const name = addUser('head', '冯负责人');
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  const page = await browser.contexts()[0].newPage();
  await page.goto(new URL('/staff/login', baseURL).href);
  await submit(page, async () => {
    await page.getByLabel('用户名').fill(name);
    await page.getByLabel('密码').fill(PASSWORD);
  }, () => page.getByRole('button', { name: '登录' }));
  await page.close();
}

// Only the two categories; no waiting for quiet after the load: the pages
// are static HTML with one style sheet, and no performance is measured
// (simulated throttling, the default, leaves the quiet windows to us).
const FAST = {
  onlyCategories: CATEGORIES, disableFullPageScreenshot: true,
  pauseAfterFcpMs: 0, pauseAfterLoadMs: 0, networkQuietThresholdMs: 0, cpuQuietThresholdMs: 0,
};
const CONFIGS = {
  mobile: { extends: 'lighthouse:default', settings: FAST },
  desktop: { ...desktopConfig, settings: { ...desktopConfig.settings, ...FAST } },
};

// The category scores of one page, with the audits that fell short.
async function scores(port, path, formFactor, signedIn) {
  // Signed in: the origin's cookies are kept (Lighthouse clears them first).
  const flags = { port, output: 'json', logLevel: 'error', disableStorageReset: signedIn };
  const { lhr } = await lighthouse(new URL(path, baseURL).href, flags, CONFIGS[formFactor]);
  // The page itself, not the sign-in form it would send a stranger to.
  assert.equal(new URL(lhr.finalDisplayedUrl).pathname, path);
  const failed = Object.values(lhr.audits)
    .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode !== 'informative')
    .map((a) => a.id);
  return CATEGORIES.map((c) => ({ category: c, score: lhr.categories[c].score, failed }));
}

test('Lighthouse: accessibility and best practices ≥ 95 on the public pages and the report', {
  skip: needsStack,
}, async () => {
  const chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROMIUM || '/usr/bin/chromium',
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const low = [];
  const check = async (path, signedIn) => {
    for (const formFactor of ['mobile', 'desktop']) {
      for (const { category, score, failed } of await scores(chrome.port, path, formFactor, signedIn)) {
        if (score < MINIMUM) low.push(`${path} ${formFactor} ${category} ${score} (failed: ${failed.join(', ')})`);
      }
    }
  };
  try {
    for (const path of ['/', '/apply/demo', '/status']) await check(path, false);
    await signInThere(chrome.port);
    await check('/staff/report', true);
  } finally {
    await chrome.kill();
  }
  assert.deepEqual(low, []);
});
