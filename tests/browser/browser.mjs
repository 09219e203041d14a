// Shared set-up for the browser tests: Debian's chromium through
// playwright-core, the stack's URL from YSQGK_URL, screenshots under
// tests/out/screenshots/ (YSQGK_SCREENSHOTS overrides).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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

// The shared stack's folder and binary (tests/e2e/test_browser.py), for
// staff accounts made with `ysqgk user add`.
export const stackDir = process.env.YSQGK_E2E_STACK_DIR;
export const bin = process.env.YSQGK_BIN;
export const PASSWORD = 'browser-pass-123';
export const needsStack = !stackDir || !bin
  ? 'needs YSQGK_E2E_STACK_DIR and YSQGK_BIN (run through test_browser.py)' : false;

// The command line on the shared stack (a new user's password on stdin).
export const ysqgk = (...args) => execFileSync(bin,
  ['--config', path.join(stackDir, 'ysqgk.conf'), ...args], { input: `${PASSWORD}\n` }).toString();

// A new agency (under parent when given); its code.
export function addAgency(prefix, displayName, parent) {
  const code = `${prefix}-${randomBytes(3).toString('hex')}`;
  ysqgk('agency', 'add', code, displayName, ...(parent ? ['--parent', parent] : []));
  return code;
}

// A new staff member (of agency demo unless told); their user name.
export function addUser(role, displayName, agency = 'demo') {
  const name = `${role[0]}${randomBytes(4).toString('hex')}`;
  ysqgk('user', 'add', name, '--agency', agency, '--role', role, '--name', displayName);
  return name;
}

// A person's request as the JSON API takes it; overrides replace fields.
export function personRequest(overrides = {}) {
  return {
    applicant_kind: 'person', name: '钱七', id_type: 'resident_id', id_number: '11010519491231002X',
    phone: '13812345678', email: 'qq@example.com', address: '示例县幸福路1号', postcode: '100010',
    description: '请公开本县2025年道路维修工程的招标文件和中标结果。',
    provision_forms: ['paper'], obtain_methods: ['post'], declaration: true, privacy_consent: true,
    ...overrides,
  };
}

// Submits a form; nginx limits POSTs per address (a shared stack), so a 429
// is waited out and the form filled and sent again.
export async function submit(page, fill, button) {
  for (let i = 0; i < 20; i++) {
    if (fill) await fill();
    const [resp] = await Promise.all([page.waitForNavigation(), button().click()]);
    if (resp.status() !== 429) return resp;
    await page.waitForTimeout(2500);
    await page.goBack();
  }
  throw new Error('still rate limited');
}

export async function noSideways(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${what} is ${overflow}px wider than the screen`);
}
