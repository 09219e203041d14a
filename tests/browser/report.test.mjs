// The yearly report in a real browser: the national layout at phone width
// (tables scroll in their own box, the page never sideways), then printed
// to an A4 PDF whose first page is saved as a PNG (pdftoppm, poppler-utils).
// Needs a signed-in member and a report to show: tests/e2e/test_report_pages.py
// runs it with YSQGK_REPORT_USER, YSQGK_REPORT_PASSWORD, YSQGK_REPORT_PATH.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { launch, newPage, noSideways, screenshot, screenshotDir } from './browser.mjs';

const user = process.env.YSQGK_REPORT_USER;
const reportPath = process.env.YSQGK_REPORT_PATH;

function have(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Table 二 as a grid (issue 16, item 13): rows × columns as printed, an
// input in each cell named by its row and column, Tab going along the row.
// Leaves 行政处罚 empty, for the printed draft.
async function enterTable2(page) {
  await page.getByRole('link', { name: '填写表二（主动公开）' }).click();
  await page.waitForURL('**/staff/report/table2?*');
  const grid = page.locator('table.t2-entry');
  assert.equal(await grid.locator('tbody').count(), 4);
  assert.deepEqual(await grid.locator('tbody').first().locator('tr.head th').allInnerTexts(),
    ['信息内容', '本年制发件数', '本年废止件数', '现行有效件数']);
  assert.equal(await grid.locator('tbody').first().locator('tr:not(.head):not(.block) input').count(), 6);
  assert.equal(await page.getByLabel('行政处罚 本年处理决定数量').inputValue(), '25');
  await page.getByLabel('规章 本年制发件数').focus();
  const order = [];
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => document.activeElement.id));
  }
  assert.deepEqual(order, ['c-rules_repealed', 'c-rules_in_force', 'c-normative_docs_issued',
    'c-normative_docs_repealed']);
  await noSideways(page, 'the table-二 grid');
  await screenshot(page, 'report-table2-360');
  // A mistake: listed on top, linked to its cell, the cell marked, the input kept.
  await page.getByLabel('行政处罚 本年处理决定数量').fill('');
  await page.getByLabel('行政强制 本年处理决定数量').fill('三');
  await page.getByRole('button', { name: '保存' }).click();
  await page.waitForLoadState();
  const alert = page.getByRole('alert');
  assert.match(await alert.innerText(), /行政强制 本年处理决定数量：/);
  const bad = page.getByLabel('行政强制 本年处理决定数量');
  assert.equal(await bad.getAttribute('aria-invalid'), 'true');
  assert.equal(await bad.inputValue(), '三');
  await alert.getByRole('link').click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'c-coercion_decisions');
  await screenshot(page, 'report-table2-error-360');
  await bad.fill('3');
  await page.getByRole('button', { name: '保存' }).click();
  await page.waitForURL('**/staff/report?*done=table2*');
}

test('the yearly report on a phone and on A4 paper', {
  skip: !user && 'needs a member and a report: run by tests/e2e/test_report_pages.py',
}, async () => {
  const browser = await launch();
  try {
    const page = await newPage(browser);
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto('/staff/login');
    await page.getByLabel('用户名').fill(user);
    await page.getByLabel('密码').fill(process.env.YSQGK_REPORT_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/staff/login'));

    const resp = await page.goto(reportPath);
    assert.equal(resp.status(), 200);
    // The page says which year it shows, and why when nobody chose it.
    assert.match(await page.locator('#opened').innerText(), /显示您选择的2021年度报告/);
    await page.goto(reportPath.replace(/year=\d+&?/, ''));
    const opened = await page.locator('#opened').innerText();
    assert.match(opened, /^显示(\d{4})年度报告：每年年初公布上一年度报告/);
    assert.equal(opened.match(/\d{4}/)[0], await page.locator('#r-year').inputValue());
    await page.goto(reportPath);
    assert.match(await page.locator('h1.report-title').innerText(), /2021年政府信息公开工作年度报告/);

    // Table 三 in the 2021 layout: three header rows, 25 rows of numbers,
    // 三、本年度办理结果 merged over its 22 rows, （三） over its 8.
    const t3 = page.locator('table.t3');
    assert.equal(await t3.locator('thead tr').count(), 3);
    assert.equal(await t3.locator('tbody tr').count(), 25);
    assert.equal(await t3.getByRole('rowheader', { name: '三、本年度办理结果' }).getAttribute('rowspan'), '22');
    assert.equal(await t3.getByRole('rowheader', { name: '（三）不予公开' }).getAttribute('rowspan'), '8');
    assert.equal(await t3.locator('tbody tr').first().locator('td').count(), 7);
    // Table 四: one row of 15.
    assert.equal(await page.locator('table.t4 tbody td').count(), 15);
    // Table 二 as entered, the amount with its decimals.
    assert.equal(await page.locator('td[data-cell="charges_amount"]').innerText(), '12.3456');

    // At 360 px the page does not scroll sideways; the wide tables scroll
    // inside their own box.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
    const wrap = await page.locator('.table-wrap').nth(1).evaluate((el) => el.scrollWidth > el.clientWidth);
    assert.ok(wrap, 'table 三 scrolls inside its box at 360 px');
    // …and shows it: a line that stays in view, shadows at the edges; the
    // box is a labelled region a keyboard can reach and scroll.
    const region = page.getByRole('region', { name: /^表三/ });
    const hint = await region.evaluate((el) => {
      const before = getComputedStyle(el, '::before');
      return { display: before.display, content: before.content,
               shadows: getComputedStyle(el).backgroundImage };
    });
    assert.equal(hint.display, 'block');
    assert.match(hint.content, /左右滑动/);
    assert.match(hint.shadows, /radial-gradient/);
    await region.focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((el) => el.scrollLeft > 0, await region.elementHandle(),
      { timeout: 5000 });
    await screenshot(page, 'report-360');

    await enterTable2(page);

    // Printed: the staff controls are gone, headers repeat on each page.
    await page.emulateMedia({ media: 'print' });
    // A draft: 草稿 across every sheet, its empty cells blank, not yellow.
    const mark = await page.locator('.report').evaluate((el) => {
      const before = getComputedStyle(el, '::before');
      return { content: before.content, position: before.position };
    });
    assert.equal(mark.content, '"草稿"');
    assert.equal(mark.position, 'fixed');
    const empty = page.locator('td[data-cell="penalty_decisions"]');
    assert.equal(await empty.getAttribute('class'), 'missing');
    assert.equal(await empty.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgba(0, 0, 0, 0)');
    // Every table's right border inside the sheet: at A4's printable width
    // (210 mm less 2 × 12 mm margins, 703 px) each table ends a pixel short
    // of the edge: Chromium does not print a collapsed border that ends on it.
    await page.setViewportSize({ width: 703, height: 1000 });
    const clipped = await page.evaluate(() => [...document.querySelectorAll('table.report-table')]
      .filter((t) => t.getBoundingClientRect().right + 1 > document.documentElement.clientWidth ||
                     t.parentElement.scrollWidth > t.parentElement.clientWidth)
      .map((t) => t.className));
    assert.deepEqual(clipped, [], 'tables wider than the printed page');
    await screenshot(page, 'report-print-media');
    assert.equal(await page.locator('.report-controls').isVisible(), false);
    assert.equal(await page.locator('.staff-nav').isVisible(), false);
    const headDisplay = await t3.locator('thead').evaluate((el) => getComputedStyle(el).display);
    assert.equal(headDisplay, 'table-header-group');
    const pdf = path.join(screenshotDir, 'report-print.pdf');
    await page.pdf({ path: pdf, format: 'A4', printBackground: true, preferCSSPageSize: true });
    if (have('pdftoppm')) {
      execFileSync('pdftoppm', ['-png', '-r', '90', '-f', '1', '-l', '1', '-singlefile', pdf,
        path.join(screenshotDir, 'report-print-page1')]);
    }
    if (have('pdftotext')) {
      // The first printed page starts with the title; table 三's header
      // is printed again on every page the table runs onto.
      const text = execFileSync('pdftotext', ['-layout', pdf, '-']).toString();
      const pages = text.split('\f').filter((p) => p.trim());
      assert.match(pages[0], /2021年政府信息公开工作年度报告/);
      const withT3 = pages.filter((p) => /结转下年度继续办理|本年度办理结果/.test(p));
      for (const p of withT3) assert.match(p, /申请人情况/);
      // The watermark, rotated, comes out as its two characters apart.
      for (const [i, p] of pages.entries()) assert.ok(/草/.test(p) && /稿/.test(p), `page ${i + 1} without 草稿`);
    }
    assert.deepEqual(errors.filter((e) => !/status of 422/.test(e)), [],
      'console errors (CSP violations show here)');

    // The same at a desktop's width.
    await page.emulateMedia({ media: 'screen' });
    await page.setViewportSize({ width: 1280, height: 900 });
    await screenshot(page, 'report-1280');
    await page.goto(reportPath.replace('/staff/report?', '/staff/report/table2?'));
    await screenshot(page, 'report-table2-1280');
  } finally {
    await browser.close();
  }
});
