// Documents both ways in a real browser (issue 15): at phone size the
// applicant attaches a copy of their ID to the form; a clerk replies with
// the released document as a PDF; the applicant finds on /status the reply
// notice as a PDF and the released document, newest first, and downloads
// both byte for byte through their signed links.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD, addUser, launch, needsStack, newPage, noSideways, screenshot, submit,
} from './browser.mjs';
import { fillForm } from './a11y.mjs';

// A 1×1 PNG (the ID copy) and a one-page PDF (the released document).
const ID_COPY = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC', 'base64');
const RELEASED = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n' +
  '2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
  '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n' +
  'trailer<</Root 1 0 R>>\n%%EOF\n');

async function download(page, link) {
  const href = await link.getAttribute('href');
  const r = await page.request.get(href);
  assert.equal(r.status(), 200, `${href}: ${r.status()}`);
  return r.body();
}

test('an ID copy attached on the phone, a released document downloaded from /status', {
  skip: needsStack,
}, async () => {
  const clerkName = addUser('clerk', '孙经办');
  const browser = await launch();
  try {
    const applicant = await newPage(browser);
    const clerk = await newPage(browser, { width: 1280, height: 900 });

    await applicant.goto('/apply/demo');
    await noSideways(applicant, 'the form');
    const resp = await submit(applicant, async () => {
      await fillForm(applicant, { description: '请公开本县2025年城区绿化工程的验收报告。' });
      await applicant.getByLabel(/^身份证明/).setInputFiles(
        { name: '身份证.png', mimeType: 'image/png', buffer: ID_COPY });
    }, () => applicant.getByRole('button', { name: '提交申请' }));
    assert.ok(resp.status() < 300, await applicant.locator('main').innerText());
    const trackingNo = (await applicant.locator('#tracking-no').innerText()).trim();
    const queryCode = (await applicant.locator('#query-code').innerText()).trim();
    await screenshot(applicant, 'documents-receipt');

    // The clerk confirms and replies with the document attached.
    await clerk.goto('/staff');
    await submit(clerk, async () => {
      await clerk.getByLabel('用户名').fill(clerkName);
      await clerk.getByLabel('密码').fill(PASSWORD);
    }, () => clerk.getByRole('button', { name: '登录' }));
    await clerk.goto(`/staff?q=${trackingNo}`);
    await clerk.getByRole('link', { name: trackingNo }).click();
    await clerk.waitForURL('**/staff/requests/*');
    const requestUrl = clerk.url().replace(/\?.*/, '');
    // The applicant's ID copy is on the request, for staff to open.
    const idLink = clerk.locator('table.files a', { hasText: '身份证.png' });
    assert.deepEqual(await download(clerk, idLink), ID_COPY);
    await submit(clerk, null, () => clerk.getByRole('button', { name: '确认收到' }));
    await clerk.goto(requestUrl);
    await submit(clerk, async () => {
      await clerk.getByLabel(/^答复结果/).selectOption('disclosed');
      await clerk.getByLabel(/^答复内容/).fill('您申请的验收报告见附件。');
      await clerk.getByLabel(/^提供的信息（文件/).setInputFiles(
        { name: '绿化工程验收报告.pdf', mimeType: 'application/pdf', buffer: RELEASED });
    }, () => clerk.getByRole('button', { name: '答复并生成告知书' }));
    assert.match(await clerk.locator('h1').innerText(), /已答复/);
    await screenshot(clerk, 'documents-staff-replied');

    // The applicant looks it up on the phone: the reply first, as a PDF,
    // and the released document, each by a signed link.
    await applicant.goto(`/status?no=${trackingNo}`);
    await submit(applicant, () => applicant.getByLabel('查询码').fill(queryCode),
      () => applicant.getByRole('button', { name: '查询' }));
    await noSideways(applicant, 'the status page with its files');
    await screenshot(applicant, 'documents-status');
    const first = applicant.locator('article.notice-doc').first();
    assert.match(await first.locator('h3').innerText(), /答复书/);
    const notice = await download(applicant, first.getByRole('link', { name: /下载PDF文件/ }));
    assert.equal(notice.subarray(0, 5).toString(), '%PDF-');
    const released = applicant.locator('section.files a', { hasText: '绿化工程验收报告.pdf' });
    assert.deepEqual(await download(applicant, released), RELEASED);
    const own = applicant.locator('section.files a', { hasText: '身份证.png' });
    assert.deepEqual(await download(applicant, own), ID_COPY);
  } finally {
    await browser.close();
  }
});
