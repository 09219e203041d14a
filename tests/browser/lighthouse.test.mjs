// Lighthouse (issue 16): accessibility and best practices score 95 or more
// on the public pages (home, the form, the status look-up) and on the
// yearly report, as a phone and as a desktop sees them. Debian's chromium,
// started by chrome-launcher; only those two categories are run, with no
// throttling, to keep it fast.
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

// The session cookie of a new head of agency demo, signed in through the
// form, for the report (a staff page).
async function staffCookie() {
  const name = addUser('head', '冯负责人');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
  try {
    const context = await browser.newContext({ baseURL });
    const page = await context.newPage();
    await page.goto('/staff/login');
    await submit(page, async () => {
      await page.getByLabel('用户名').fill(name);
      await page.getByLabel('密码').fill(PASSWORD);
    }, () => page.getByRole('button', { name: '登录' }));
    return (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  } finally {
    await browser.close();
  }
}

async function scores(port, path, formFactor, headers) {
  const flags = {
    port, output: 'json', logLevel: 'error', onlyCategories: CATEGORIES,
    throttlingMethod: 'provided', disableStorageReset: false, extraHeaders: headers,
  };
  const config = formFactor === 'desktop' ? desktopConfig : undefined;
  const { lhr } = await lighthouse(new URL(path, baseURL).href, flags, config);
  const failed = Object.values(lhr.audits)
    .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode !== 'informative')
    .map((a) => a.id);
  return CATEGORIES.map((c) => ({ category: c, score: lhr.categories[c].score, failed }));
}

test('Lighthouse: accessibility and best practices ≥ 95 on the public pages and the report', {
  skip: needsStack, timeout: 280_000,
}, async () => {
  const cookie = await staffCookie();
  const chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROMIUM || '/usr/bin/chromium',
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const low = [];
  try {
    const pages = [['/', null], ['/apply/demo', null], ['/status', null], ['/staff/report', { Cookie: cookie }]];
    for (const [path, headers] of pages) {
      for (const formFactor of ['mobile', 'desktop']) {
        for (const { category, score, failed } of await scores(chrome.port, path, formFactor, headers)) {
          if (score < MINIMUM) low.push(`${path} ${formFactor} ${category} ${score} (failed: ${failed.join(', ')})`);
        }
      }
    }
  } finally {
    await chrome.kill();
  }
  assert.deepEqual(low, []);
});
