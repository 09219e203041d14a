// What the accessibility suites check on every page (issue 16): axe-core's
// WCAG 2.1 A/AA rules at 360 px and 1280 px, the skip link, a focus ring
// of at least 3:1 against what it sits on, no sideways scrolling at 360 px,
// one distinct <title> per page, in the standard and the large display.
// Problems are collected, not thrown, so one run lists them all.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { PASSWORD, baseURL, personRequest, screenshot, submit } from './browser.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export const WIDTHS = [360, 1280];
export const MODES = ['standard', 'large'];

// The display cookie as GET /display sets it; the suites test that route
// on its own, and set the cookie directly to visit pages in either mode.
export async function setMode(context, mode) {
  await context.clearCookies({ name: 'display' });
  if (mode === 'large') {
    await context.addCookies([{ name: 'display', value: 'large', url: baseURL }]);
  }
}

// axe-core's violations on the page as it is now, one line each. Injected
// through the DevTools protocol, which the page's CSP does not govern.
async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    // axe leaves text of its background's very colour as "incomplete" (it
    // may be hidden on purpose); on these pages it never is.
    const invisible = r.incomplete.filter((v) => v.id === 'color-contrast')
      .map((v) => ({ ...v, id: 'color-contrast (text in its background colour)',
        nodes: v.nodes.filter((n) => n.any.some((c) => c.data?.messageKey === 'equalRatio')) }))
      .filter((v) => v.nodes.length);
    return [...r.violations, ...invisible].map((v) => ({
      id: v.id,
      nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`),
    }));
  }, WCAG_TAGS);
  return violations.map((v) => `axe ${v.id} — ${v.nodes.join(' | ')}`);
}

// Every visible control focused in turn: its outline must be drawn, at
// least 2px wide, and of 3:1 contrast or more against the first opaque
// background behind it (the ring sits outside the control, on its parent).
async function focusRingProblems(page) {
  return page.evaluate(() => {
    const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    };
    const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
    const backgroundBehind = (el) => {
      for (let e = el.parentElement; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const problems = [];
    const controls = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
      .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden' && !el.disabled);
    for (const el of controls.slice(0, 80)) {
      el.focus();
      if (document.activeElement !== el) continue;
      const s = getComputedStyle(el);
      const what = `${el.tagName.toLowerCase()} “${(el.innerText || el.value || el.name || '').trim().slice(0, 20)}”`;
      const width = parseFloat(s.outlineWidth);
      if (s.outlineStyle === 'none' || width < 2) {
        problems.push(`focus ring missing on ${what}`);
        continue;
      }
      const ratio = contrast(rgb(s.outlineColor).slice(0, 3), backgroundBehind(el));
      if (ratio < 3) problems.push(`focus ring ${s.outlineColor} on ${what} has contrast ${ratio.toFixed(2)} < 3`);
    }
    document.activeElement?.blur();
    return problems;
  });
}

// The first Tab reaches the skip link; following it puts focus on <main>.
async function skipLinkProblems(page) {
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => {
    const a = document.activeElement;
    return a && { text: a.innerText.trim(), href: a.getAttribute('href') };
  });
  if (!first || first.text !== '跳到主要内容' || first.href !== '#main') {
    return [`first Tab reaches ${JSON.stringify(first)}, not the skip link`];
  }
  await page.keyboard.press('Enter');
  const onMain = await page.evaluate(() => document.activeElement?.id === 'main');
  return onMain ? [] : ['the skip link does not move focus to <main>'];
}

async function sidewaysProblems(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  return overflow > 0 ? [`${overflow}px wider than the screen`] : [];
}

// Collects what is wrong on each page visited, and each page's title.
export class Audit {
  constructor() {
    this.problems = [];
    this.titles = new Map(); // "path h1" → title, the first visit of each page
  }

  // Checks the page as it is (already loaded) in `mode` at both widths.
  async check(page, name, mode) {
    // The skip link first, while the page is fresh: Tab starts from the top.
    const found = await skipLinkProblems(page);
    const h1 = await page.locator('h1').first().innerText().catch(() => '');
    const key = `${new URL(page.url()).pathname} ${h1.trim()}`;
    if (mode === 'standard' && !this.titles.has(key)) this.titles.set(key, { name, title: await page.title() });
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: width === 360 ? 740 : 900 });
      found.push(...(await axeViolations(page)).map((p) => `${width}px: ${p}`));
      if (width === 360) found.push(...(await sidewaysProblems(page)).map((p) => `360px: ${p}`));
      await screenshot(page, `a11y-${name}-${mode}-${width}`);
    }
    found.push(...await focusRingProblems(page));
    this.problems.push(...found.map((p) => `${name} (${mode}): ${p}`));
  }

  // Distinct pages with one title between them.
  titleClashes() {
    const seen = new Map();
    const clashes = [];
    for (const { name, title } of this.titles.values()) {
      if (seen.has(title)) clashes.push(`${name} and ${seen.get(title)} share the title “${title}”`);
      else seen.set(title, name);
    }
    return clashes;
  }
}

// ---- how the suites reach each page --------------------------------------

// A POST through the JSON API, waiting out nginx's limit on POSTs.
export async function post(page, path, data) {
  for (let i = 0; i < 30; i++) {
    const resp = await page.request.post(path, { data, headers: { Accept: 'application/json' } });
    if (resp.status() !== 429) {
      assert.ok(resp.ok(), `${path}: ${resp.status()} ${await resp.text()}`);
      return resp.json();
    }
    await page.waitForTimeout(2500);
  }
  throw new Error(`${path}: still rate limited`);
}

// An online request: { id, no, code }; `steps` are [action, body] a clerk takes.
export async function newRequest(citizen, clerk, steps = []) {
  const made = await post(citizen, '/api/v1/agencies/demo/requests', personRequest());
  const resp = await clerk.request.get(`/staff/requests/${made.tracking_no}`, { headers: { Accept: 'application/json' } });
  const { id } = await resp.json();
  for (const [action, body] of steps) await post(clerk, `/api/v1/requests/${id}/${action}`, body);
  return { id, no: made.tracking_no, code: made.query_code };
}

export async function lookUp(page, r) {
  await page.goto(`/status?no=${r.no}`);
  await submit(page, () => page.getByLabel('查询码').fill(r.code), () => page.getByRole('button', { name: '查询' }));
}

// Fills the apply form as a person would, with personRequest()'s details
// (overrides: name, description).
export async function fillForm(page, overrides = {}) {
  const a = personRequest(overrides);
  await page.getByLabel('公民（自然人）').check();
  await page.getByLabel('姓名或名称').fill(a.name);
  await page.getByLabel('证件类型').selectOption(a.id_type);
  await page.getByLabel('证件号码').fill(a.id_number);
  await page.getByLabel('联系电话').fill(a.phone);
  await page.getByLabel('所需信息的描述').fill(a.description);
  await page.getByLabel('纸质').check();
  await page.getByLabel('自行领取').check();
  await page.getByLabel(/本人承诺/).check();
  await page.getByLabel(/我已阅读上述个人信息处理说明/).check();
}

export async function signIn(page, username, password = PASSWORD) {
  await page.goto('/staff/login');
  await submit(page, async () => {
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill(password);
  }, () => page.getByRole('button', { name: '登录' }));
}

export const go = (path) => async (page) => { await page.goto(path); };

// Visits each [name, open] in both display modes; open(page) brings the
// page to the state to check (again for the second mode: a POST's answer
// is fetched anew, never replayed from history).
export async function visitAll(audit, page, pages) {
  for (const mode of MODES) {
    await setMode(page.context(), mode);
    for (const [name, open] of pages) {
      await open(page);
      await audit.check(page, name, mode);
    }
  }
}

