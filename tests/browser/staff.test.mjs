// The staff's path in a real browser, with the applicant beside them: a
// clerk signs in and confirms an online request, asks for a supplement, the
// applicant answers it on the status page, a head approves an extension,
// the clerk replies `partial`, and the applicant reads the reply notice.
// Staff accounts are made with `ysqgk user add` on the test stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD, addUser, launch, needsStack, newPage, noSideways, screenshot, submit,
} from './browser.mjs';
import { fillForm } from './a11y.mjs';

const addStaff = (role) => addUser(role, role === 'head' ? '王负责人' : '李经办');

async function signIn(page, username) {
  await page.goto('/staff');
  await page.waitForURL('**/staff/login**');
  await submit(page, async () => {
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill(PASSWORD);
  }, () => page.getByRole('button', { name: '登录' }));
}

async function openAction(page, summary) {
  const details = page.locator('details.action', { has: page.locator('summary', { hasText: new RegExp('^' + summary) }) });
  if (!(await details.getAttribute('open') !== null)) await details.locator('summary').click();
  return details;
}

test('clerk, head and applicant take a request from submission to a partial reply', {
  skip: needsStack,
}, async () => {
  const clerkName = addStaff('clerk');
  const headName = addStaff('head');
  const browser = await launch();
  try {
    const errors = [];
    const watch = (p) => p.on('console', (m) => {
      if (m.type() === 'error' && !/status of (4\d\d)/.test(m.text())) errors.push(m.text());
    });
    const applicant = await newPage(browser);
    const clerk = await newPage(browser);
    const head = await newPage(browser);
    [applicant, clerk, head].forEach(watch);

    // The applicant applies online.
    await applicant.goto('/apply/demo');
    await submit(applicant, () => fillForm(applicant, { name: '赵六' }),
      () => applicant.getByRole('button', { name: '提交申请' }));
    const trackingNo = (await applicant.locator('#tracking-no').innerText()).trim();
    const queryCode = (await applicant.locator('#query-code').innerText()).trim();
    const lookUp = async () => {
      await applicant.goto(`/status?no=${trackingNo}`);
      await submit(applicant, () => applicant.getByLabel('查询码').fill(queryCode),
        () => applicant.getByRole('button', { name: '查询' }));
    };

    // The clerk signs in and finds it in the queue, waiting for confirmation.
    await signIn(clerk, clerkName);
    await clerk.goto(`/staff?q=${trackingNo}`);
    const row = clerk.locator('li.request', { hasText: trackingNo });
    assert.match(await row.innerText(), /待确认/);
    await noSideways(clerk, 'the queue');
    await screenshot(clerk, 'staff-queue');
    await row.getByRole('link', { name: trackingNo }).click();
    await clerk.waitForURL('**/staff/requests/*');
    const requestUrl = clerk.url().replace(/\?.*/, '');
    await submit(clerk, null, () => clerk.getByRole('button', { name: '确认收到' }));
    assert.match(await clerk.locator('main').innerText(), /已办理：确认收到/);
    assert.match(await clerk.locator('.deadline-box').innerText(), /还剩 20 个工作日/);

    // 补正, within 7 working days of receipt.
    await openAction(clerk, '告知补正');
    await submit(clerk, () => clerk.getByLabel('需要补正的内容').fill('请写明道路名称或路段。'),
      () => clerk.getByRole('button', { name: '发出补正告知书' }));
    assert.match(await clerk.locator('h1').innerText(), /待补正/);
    await noSideways(clerk, 'the request page');
    await screenshot(clerk, 'staff-supplement-asked');

    // The applicant answers on the status page.
    await lookUp();
    assert.match(await applicant.locator('#supplement').innerText(), /请写明道路名称或路段/);
    await submit(applicant, () => applicant.getByLabel(/补正内容/).fill('幸福路（东段）。'),
      () => applicant.getByRole('button', { name: '提交补正' }));
    assert.match(await applicant.locator('main').innerText(), /补正材料已提交/);
    await screenshot(applicant, 'staff-applicant-supplement');

    // The clerk proposes an extension; a head approves it.
    await clerk.goto(requestUrl);
    assert.match(await clerk.locator('h1').innerText(), /办理中/);
    await openAction(clerk, '申请延期');
    await submit(clerk, () => clerk.getByLabel('延期理由').fill('需要调取档案室的工程档案。'),
      () => clerk.getByRole('button', { name: '提交负责人审批' }));
    assert.match(await clerk.locator('.pending-extension').innerText(), /待审批/);
    assert.equal(await clerk.getByRole('button', { name: '同意延期' }).count(), 0);

    await signIn(head, headName);
    await head.goto(requestUrl);
    await submit(head, null, () => head.getByRole('button', { name: '同意延期' }));
    const box = await head.locator('.deadline-box').innerText();
    assert.match(box, /延期：20 个工作日/);
    assert.match(box, /还剩 40 个工作日/);
    await screenshot(head, 'staff-head-approved');

    // The clerk replies: partly disclosed.
    await clerk.goto(requestUrl);
    await openAction(clerk, '答复');
    await submit(clerk, async () => {
      await clerk.getByLabel(/答复结果/).selectOption('partial');
      await clerk.getByLabel(/答复内容/).fill('现提供幸福路（东段）维修工程的招标文件，请于办公时间到本机关领取。');
      await clerk.getByLabel(/不予公开的内容及理由/).fill('投标人的报价明细属于商业秘密，公开会损害第三方合法权益。');
    }, () => clerk.getByRole('button', { name: '答复并生成告知书' }));
    const page = await clerk.locator('main').innerText();
    assert.match(page, /已答复/);
    assert.match(page, /部分公开/);
    await screenshot(clerk, 'staff-replied');
    await clerk.getByRole('link', { name: '政府信息公开申请答复书', exact: true }).click();
    await clerk.waitForURL('**/notices/*');
    await screenshot(clerk, 'staff-notice-print');
    await clerk.emulateMedia({ media: 'print' });
    const pdf = await clerk.pdf({ format: 'A4' });
    assert.ok(pdf.length > 1000);
    await clerk.emulateMedia({ media: 'screen' });

    // The applicant reads the reply notice.
    await lookUp();
    const notices = await applicant.locator('section.notices').innerText();
    assert.match(notices, /政府信息公开申请答复书/);
    assert.match(notices, /第三十七条/);
    assert.match(notices, /商业秘密/);
    assert.match(notices, /行政复议/);
    assert.match(notices, /延期答复告知书/);
    assert.ok(!notices.includes('内部'), 'no internal notes');
    await noSideways(applicant, 'the status page with notices');
    await screenshot(applicant, 'staff-applicant-reads-notice');

    assert.deepEqual(errors, [], 'console errors (CSP violations show here)');
  } finally {
    await browser.close();
  }
});

// Issue 16, items 7 and 8: a refused step keeps what the clerk typed, with
// the error summary on top and the error beside its field; the head finds
// the extension waiting at the top of the request. At 360 and 1280 px.
test('a refused reply keeps the form; the head finds the approval on top', {
  skip: needsStack,
}, async () => {
  const clerkName = addStaff('clerk');
  const headName = addStaff('head');
  const browser = await launch();
  try {
    const clerk = await newPage(browser);
    await signIn(clerk, clerkName);
    // Today as the stack has it: the registration form's default.
    await clerk.goto('/staff/register');
    const today = await clerk.locator('#r-received').inputValue();
    const made = await clerk.request.post('/api/v1/agencies/demo/requests', {
      data: {
        applicant_kind: 'person', name: '钱七', id_type: 'resident_id',
        id_number: '11010519491231002X', phone: '13812345678',
        description: '请公开本县2025年桥梁检测报告。', provision_forms: ['paper'],
        obtain_methods: ['pickup'], privacy_consent: true, channel: 'in_person',
        received_on: today,
      },
    });
    assert.equal(made.status(), 201, await made.text());
    const trackingNo = (await made.json()).tracking_no;
    await clerk.goto(`/staff/requests/${trackingNo}`);
    const requestUrl = clerk.url();

    // A partial reply without what is withheld: refused, nothing lost.
    await openAction(clerk, '答复');
    const text = '现提供桥梁检测报告的摘要，请到本机关领取。';
    const resp = await submit(clerk, async () => {
      await clerk.getByLabel(/答复结果/).selectOption('partial');
      await clerk.getByLabel(/答复内容/).fill(text);
    }, () => clerk.getByRole('button', { name: '答复并生成告知书' }));
    assert.equal(resp.status(), 422);
    const summary = clerk.locator('.error-summary');
    assert.match(await summary.innerText(), /不予公开的内容及理由/);
    assert.equal(await clerk.getByLabel(/答复结果/).inputValue(), 'partial');
    assert.equal(await clerk.getByLabel(/答复内容/).inputValue(), text);
    assert.match(await clerk.locator('#reply-withheld-err').innerText(), /不予公开的内容及理由/);
    assert.equal(await clerk.locator('#reply-withheld').getAttribute('aria-invalid'), 'true');
    await noSideways(clerk, 'the refused reply');
    await screenshot(clerk, 'staff-step-refused-360');
    await clerk.setViewportSize({ width: 1280, height: 800 });
    await noSideways(clerk, 'the refused reply at 1280 px');
    await screenshot(clerk, 'staff-step-refused-1280');
    // The summary's link leads to the field.
    await summary.getByRole('link').click();
    assert.match(clerk.url(), /#reply-withheld$/);

    // The clerk proposes an extension; the head sees it first.
    await clerk.goto(requestUrl);
    await openAction(clerk, '申请延期');
    await submit(clerk, () => clerk.getByLabel('延期理由').fill('需要调取桥梁档案'),
      () => clerk.getByRole('button', { name: '提交负责人审批' }));
    const head = await newPage(browser);
    await signIn(head, headName);
    await head.goto(requestUrl);
    const approvals = head.locator('#approvals');
    assert.match(await approvals.innerText(), /待您审批[\s\S]*需要调取桥梁档案/);
    const boxTop = (await approvals.boundingBox()).y;
    assert.ok(boxTop < (await head.locator('.deadline-box').boundingBox()).y, 'above the deadline');
    await noSideways(head, 'the head\'s request page');
    await screenshot(head, 'staff-approval-top-360');
    await head.setViewportSize({ width: 1280, height: 800 });
    await screenshot(head, 'staff-approval-top-1280');
  } finally {
    await browser.close();
  }
});
