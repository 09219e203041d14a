// The yearly report in a real browser: the national layout at phone width
// (tables scroll in their own box, the page never sideways), then printed
// to an A4 PDF whose first page is saved as a PNG (pdftoppm, poppler-utils).
// Needs a signed-in member and a report to show: tests/e2e/test_report_pages.py
// runs it with YSQGK_REPORT_USER, YSQGK_REPORT_PASSWORD, YSQGK_REPORT_PATH.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { launch, newPage, screenshot, screenshotDir } from './browser.mjs';

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
    await screenshot(page, 'report-360');

    // Printed: the staff controls are gone, headers repeat on each page.
    await page.emulateMedia({ media: 'print' });
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
    }
    assert.deepEqual(errors, [], 'console errors (CSP violations show here)');
  } finally {
    await browser.close();
  }
});
