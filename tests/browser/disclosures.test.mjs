// The disclosure log in a real browser (issue 18 §2): a clerk replies with
// two released documents and lists the reply in the disclosure log from the
// request page at 1280 px, ticking one of them; a citizen on a phone
// (360 px) finds the listing by a search word, sees only the ticked file
// and downloads it; the other file of the request is not to be had. The
// public pages pass the a11y checks (axe at 360 px and 1280 px, both
// displays, no sideways scrolling). Its own agency (not demo), so no other
// suite's lists change. Screenshots: disclosures-*.png, a11y-disclosures-*.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  addAgency, addUser, launch, needsStack, newPage, noSideways, personRequest, screenshot, submit,
} from './browser.mjs';
import { Audit, go, post, signIn, visitAll } from './a11y.mjs';

const pdf = (text) => Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n' +
  '2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
  `3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n% ${text}\n` +
  'trailer<</Root 1 0 R>>\n%%EOF\n');

const APPLICANT = personRequest({ name: '周九', description: '请公开本县2025年城区公园改造工程的验收报告。' });

test('a clerk lists a reply with one ticked file; a citizen finds it and downloads only that file', {
  skip: needsStack,
}, async () => {
  const tag = randomBytes(3).toString('hex');
  const agency = addAgency('dsc', `示例县园林局${tag}`);
  const clerkName = addUser('clerk', '吴经办', agency);
  const title = `城区公园改造工程验收报告${tag}`;
  const ticked = pdf(`ticked ${tag}`);
  const browser = await launch();
  const audit = new Audit();
  try {
    const citizen = await newPage(browser);
    const clerk = await newPage(browser, { width: 1280, height: 900 });
    const made = await post(citizen, `/api/v1/agencies/${agency}/requests`, APPLICANT);

    // The clerk confirms and replies with two documents.
    await signIn(clerk, clerkName);
    await clerk.goto(`/staff/requests/${made.tracking_no}`);
    const requestUrl = clerk.url().replace(/\?.*/, '');
    await submit(clerk, null, () => clerk.getByRole('button', { name: '确认收到' }));
    await clerk.goto(requestUrl);
    await submit(clerk, async () => {
      await clerk.getByLabel(/^答复结果/).selectOption('disclosed');
      await clerk.getByLabel(/^答复内容/).fill('您申请的验收报告见附件。');
      await clerk.getByLabel(/^提供的信息（文件/).setInputFiles([
        { name: '验收报告.pdf', mimeType: 'application/pdf', buffer: ticked },
        { name: '内部审核意见.pdf', mimeType: 'application/pdf', buffer: pdf(`kept ${tag}`) },
      ]);
    }, () => clerk.getByRole('button', { name: '答复并生成告知书' }));
    assert.match(await clerk.locator('h1').innerText(), /已答复/);

    // …then lists it, ticking the report only. A phone number in the
    // summary is refused first, beside the field, the input kept.
    await clerk.goto(requestUrl);
    const step = clerk.locator('#step-publish');
    await step.locator('summary').click();
    await submit(clerk, async () => {
      await clerk.getByLabel('公开标题').fill(title);
      await clerk.getByLabel('公开摘要').fill('验收报告全文，联系电话13812345678');
      await clerk.getByLabel('验收报告.pdf').check();
    }, () => clerk.getByRole('button', { name: '列入公开目录' }));
    assert.match(await clerk.locator('#publish-public_summary-err').innerText(), /电话号码/);
    assert.equal(await clerk.getByLabel('公开标题').inputValue(), title);
    assert.ok(await clerk.getByLabel('验收报告.pdf').isChecked());
    assert.ok(!(await clerk.getByLabel('内部审核意见.pdf').isChecked()));
    await screenshot(clerk, 'disclosures-staff-refused-1280');
    await submit(clerk, () => clerk.getByLabel('公开摘要').fill('城区公园改造工程的竣工验收报告全文。'),
      () => clerk.getByRole('button', { name: '列入公开目录' }));
    assert.match(await clerk.locator('main').innerText(), /已列入公开目录/);
    await screenshot(clerk, 'disclosures-staff-1280');

    // A citizen on a phone searches the log and downloads the report.
    await citizen.goto('/disclosures');
    await submit(citizen, () => citizen.getByLabel('关键词').fill(`验收报告${tag}`),
      () => citizen.getByRole('button', { name: '查找' }));
    const item = citizen.locator('.disclosure', { hasText: title });
    assert.equal(await item.count(), 1);
    const main = await citizen.locator('main').innerText();
    assert.ok(!main.includes('周九'), 'the applicant is never named');
    assert.ok(!main.includes('内部审核意见'), 'an unticked file is not listed');
    await noSideways(citizen, 'the disclosure log');
    await screenshot(citizen, 'disclosures-search-360');
    const link = item.getByRole('link', { name: '验收报告.pdf' });
    const href = await link.getAttribute('href');
    const got = await citizen.request.get(href);
    assert.equal(got.status(), 200);
    assert.deepEqual(await got.body(), ticked);
    // The other file of the request: its id is the next one; not public.
    const other = href.replace(/\d+$/, (id) => String(Number(id) + 1));
    assert.equal((await citizen.request.get(other)).status(), 404);

    const listing = await item.getByRole('link', { name: title }).getAttribute('href');
    await visitAll(audit, citizen, [
      ['disclosures', go(`/disclosures?q=${encodeURIComponent(`验收报告${tag}`)}`)],
      ['disclosure', go(listing)],
    ]);
    assert.deepEqual(audit.problems, [], `accessibility problems:\n${audit.problems.join('\n')}`);
  } finally {
    await browser.close();
  }
});
