// The queue as a clerk sees it (issue 16, item 11): at desktop width a
// table sorted on the server by its header links (aria-sort on the column
// sorted by), on a phone the cards; the staff pages' own header with who
// is signed in and sign-out; nav links and status pills never broken
// inside a word at 360 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD, addUser, launch, needsStack, newPage, noSideways, screenshot, submit,
} from './browser.mjs';

const DESKTOP = { width: 1280, height: 800 };

async function signIn(page, username) {
  await page.goto('/staff');
  await page.waitForURL('**/staff/login**');
  await submit(page, async () => {
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill(PASSWORD);
  }, () => page.getByRole('button', { name: '登录' }));
}

// An online request to agency demo through the API (waiting out nginx's
// per-address limit of the shared stack); its tracking number.
async function applyOnline(page, name) {
  for (let i = 0; i < 20; i++) {
    const r = await page.request.post('/api/v1/agencies/demo/requests', {
      data: {
        applicant_kind: 'person', name, id_type: 'resident_id', id_number: '11010519491231002X',
        phone: '13812345678', address: '北京市东城区示例街1号', postcode: '100010', description: '请公开本县2025年道路维修工程的招标文件。',
        provision_forms: ['paper'], obtain_methods: ['post'], declaration: true, privacy_consent: true,
      },
    });
    if (r.status() === 201) return (await r.json()).tracking_no;
    assert.equal(r.status(), 429, await r.text());
    await page.waitForTimeout(2500);
  }
  throw new Error('still rate limited');
}

// The elements whose text runs over more than one line.
async function brokenInside(page, selector) {
  return page.evaluate((sel) => [...document.querySelectorAll(sel)].filter((el) => {
    if (!el.offsetParent) return false;
    const range = document.createRange();
    range.selectNodeContents(el);
    // A rect that starts below every rect so far starts a new line (a
    // bold count beside a label sits a little higher or lower, not below).
    const rects = [...range.getClientRects()].filter((r) => r.width > 0).sort((a, b) => a.top - b.top);
    let lines = 0;
    let bottom = -Infinity;
    for (const r of rects) {
      if (r.top >= bottom - 1) lines++;
      bottom = Math.max(bottom, r.bottom);
    }
    return lines > 1;
  }).map((el) => el.textContent.trim()), selector);
}

test('the queue is a sortable table at desktop width and cards on a phone', {
  skip: needsStack,
}, async () => {
  const clerkName = addUser('clerk', '周经办');
  const browser = await launch();
  try {
    const desk = await newPage(browser, DESKTOP);
    const trackingNo = await applyOnline(desk, '表格测试');
    await signIn(desk, clerkName);
    await desk.goto('/staff');

    // The staff header: its own navigation, who is signed in, sign-out.
    const header = desk.locator('header.staff-header');
    assert.match(await header.innerText(), /周经办（经办人/);
    assert.equal(await header.getByRole('button', { name: '退出登录' }).count(), 1);
    assert.equal(await header.getByRole('link', { name: '申请公开' }).count(), 0);

    const table = desk.locator('table.queue-table');
    assert.ok(await table.isVisible());
    assert.ok(!(await desk.locator('ol.requests').isVisible()));
    const heads = (await table.locator('thead th').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(heads.map((t) => t.replace(/[▲▼\s]/g, '')),
      ['编号', '申请人', '收到日期', '答复期限', '剩余工作日', '承办人', '状态']);
    assert.equal(await table.locator('th[aria-sort]').innerText().then((t) => t.replace(/[▲▼\s]/g, '')), '答复期限');
    assert.equal(await table.locator('th[aria-sort]').getAttribute('aria-sort'), 'ascending');
    const row = table.locator('tbody tr', { hasText: trackingNo });
    assert.match(await row.innerText(), /待确认/);
    await noSideways(desk, 'the queue at 1280 px');
    await screenshot(desk, 'staff-queue-table-1280');

    // 编号: ascending, then the other way; the server sorts.
    await Promise.all([desk.waitForNavigation(), table.getByRole('link', { name: '编号' }).click()]);
    assert.match(desk.url(), /sort=number/);
    assert.equal(await table.locator('th[aria-sort]').getAttribute('aria-sort'), 'ascending');
    const ids = () => table.locator('tbody td.number a').evaluateAll(
      (links) => links.map((a) => Number(a.getAttribute('href').split('/').pop())));
    const asc = await ids();
    await Promise.all([desk.waitForNavigation(), table.getByRole('link', { name: /编号/ }).click()]);
    assert.match(desk.url(), /sort=newest/);
    assert.equal(await table.locator('th[aria-sort]').getAttribute('aria-sort'), 'descending');
    const desc = await ids();
    assert.ok(asc.length > 0 && desc.length > 0);
    assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
    assert.deepEqual(desc, [...desc].sort((a, b) => b - a));
    assert.ok(await row.isVisible());
    await screenshot(desk, 'staff-queue-table-newest-1280');
    // Nothing to show: said at every width.
    await desk.goto('/staff?q=' + encodeURIComponent('没有这样的申请人'));
    assert.ok(await desk.getByText('没有符合条件的申请。').isVisible());
    await desk.goBack();
    await table.getByRole('link', { name: trackingNo }).click();
    await desk.waitForURL('**/staff/requests/*');

    // A phone: the cards, nothing wider than the screen, nothing broken
    // inside a word.
    const phone = await newPage(browser);
    await signIn(phone, clerkName);
    await phone.goto('/staff');
    assert.ok(!(await phone.locator('table.queue-table').isVisible()));
    assert.ok(await phone.locator('li.request', { hasText: trackingNo }).isVisible());
    await noSideways(phone, 'the queue at 360 px');
    assert.deepEqual(await brokenInside(phone, '.staff-nav a, .counts li a, .status, .flag'), []);
    await screenshot(phone, 'staff-queue-cards-360');
  } finally {
    await browser.close();
  }
});
