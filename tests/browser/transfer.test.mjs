// 转办 in a real browser (issue 18, section 1): a clerk transfers a request
// to another department of the same county government from the request
// page at 1280 px; the applicant, with the query code they already have,
// sees the new tracking number on /status at 360 px and opens the new
// request with it. Its own government (not demo), so no other suite's
// agency lists or reports change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addAgency, addUser, launch, needsStack, newPage, noSideways, personRequest, screenshot, submit,
} from './browser.mjs';
import { lookUp, post, signIn } from './a11y.mjs';

test('a clerk transfers a request; the applicant finds the new number with the same code', {
  skip: needsStack,
}, async () => {
  const gov = addAgency('bg', '示例县人民政府');
  const wrong = addAgency('bw', '示例县住房和城乡建设局', gov);
  const right = addAgency('br', '示例县自然资源局', gov);
  const clerkName = addUser('clerk', '李经办', wrong);
  const browser = await launch();
  try {
    const applicant = await newPage(browser);
    const clerk = await newPage(browser, { width: 1280, height: 900 });
    const made = await post(applicant, `/api/v1/agencies/${wrong}/requests`, personRequest({
      name: '孙八', email: 'sb@example.com', address: '示例县幸福路2号',
      description: '请公开本县2025年新增建设用地的审批文件。',
    }));
    const r = { no: made.tracking_no, code: made.query_code };

    // The clerk confirms it, then transfers it from the request page.
    await signIn(clerk, clerkName);
    await clerk.goto(`/staff/requests/${r.no}`);
    await submit(clerk, null, () => clerk.getByRole('button', { name: '确认收到' }));
    const step = clerk.locator('#step-transfer');
    await step.locator('summary').click();
    await submit(clerk, async () => {
      await clerk.getByLabel('接收的机关').selectOption(right);
      await clerk.getByLabel(/转送理由/).fill('所申请的建设用地审批文件由示例县自然资源局制作并保存');
    }, () => clerk.getByRole('button', { name: '转送并答复' }));
    const main = await clerk.locator('main').innerText();
    assert.match(main, /已办理：转送其他机关办理/);
    assert.match(main, /已答复/);
    const link = clerk.locator('.transfer-link a');
    const newNo = (await link.innerText()).trim();
    assert.ok(newNo.startsWith(`${right}-`), newNo);
    assert.match(await clerk.locator('.transfer-link').innerText(), /已转送 示例县自然资源局 办理/);
    await screenshot(clerk, 'transfer-staff-1280');

    // The applicant looks up the old number with their code…
    await lookUp(applicant, r);
    const box = await applicant.locator('.status-box').innerText();
    assert.match(box, new RegExp(`已转送 示例县自然资源局，新编号 ${newNo}`));
    await noSideways(applicant, 'the transferred request');
    await screenshot(applicant, 'transfer-status-old-360');

    // …and opens the new one with the same code.
    await lookUp(applicant, { no: newNo, code: r.code });
    const page = await applicant.locator('main').innerText();
    assert.match(page, /由 示例县住房和城乡建设局 转来/);
    assert.match(page, /等待受理机关确认收到/);
    await noSideways(applicant, 'the new request');
    await screenshot(applicant, 'transfer-status-new-360');
  } finally {
    await browser.close();
  }
});
