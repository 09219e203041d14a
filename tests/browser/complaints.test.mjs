// 投诉、举报 in a real browser (issue 18, section 5): an applicant follows
// 对办理有意见？投诉 from their status page at 360 px, sends the form once
// without the text (the error beside the field, the rest kept), then
// files it and reads the receipt; the county government's head answers
// at 1280 px from 投诉举报 in the header; the applicant reads the answer
// with the complaint's own number and code. Its own government (not demo).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addAgency, addUser, launch, needsStack, newPage, noSideways, personRequest, screenshot, submit,
} from './browser.mjs';
import { lookUp, post, signIn } from './a11y.mjs';

test('an applicant complains from the status page; the parent head answers', {
  skip: needsStack,
}, async () => {
  const gov = addAgency('pg', '示例县人民政府');
  const dept = addAgency('pd', '示例县交通运输局', gov);
  const headName = addUser('head', '周主任', gov);
  const browser = await launch();
  try {
    const applicant = await newPage(browser);
    const head = await newPage(browser, { width: 1280, height: 900 });
    const made = await post(applicant, `/api/v1/agencies/${dept}/requests`, personRequest({
      name: '吴九', email: 'wj@example.com', description: '请公开本县2025年农村公路养护资金的使用情况。',
    }));
    await lookUp(applicant, { no: made.tracking_no, code: made.query_code });
    await applicant.getByRole('link', { name: '投诉', exact: true }).click();
    await applicant.waitForURL(/\/complaints\/new/);
    assert.equal(await applicant.getByLabel('申请编号').inputValue(), made.tracking_no);

    // Without the text: the error beside it, what was typed kept.
    await submit(applicant, async () => {
      await applicant.getByLabel('申请的查询码').fill(made.query_code);
      await applicant.getByLabel('姓名').fill('吴九');
      await applicant.getByLabel('联系电话').fill('13812345678');
    }, () => applicant.getByRole('button', { name: '提交投诉举报' }));
    assert.match(await applicant.locator('#f-body-err').innerText(), /请写明投诉举报的事项和理由/);
    assert.equal(await applicant.getByLabel('姓名').inputValue(), '吴九');
    await noSideways(applicant, 'the refused complaint form');
    await screenshot(applicant, 'complaint-form-error-360');

    await submit(applicant, async () => {
      await applicant.getByLabel('申请的查询码').fill(made.query_code);
      await applicant.getByLabel('投诉举报内容').fill('已超过二十个工作日，交通运输局仍未答复。');
    }, () => applicant.getByRole('button', { name: '提交投诉举报' }));
    const no = (await applicant.locator('#complaint-no').innerText()).trim();
    const code = (await applicant.locator('#query-code').innerText()).trim();
    assert.match(no, /^ts-\d{4}-\d{6}$/);
    assert.match(await applicant.locator('#handling-agency').innerText(), /示例县人民政府/);
    await noSideways(applicant, 'the complaint receipt');
    await screenshot(applicant, 'complaint-receipt-360');

    // The head of the county government answers.
    await signIn(head, headName);
    await head.goto('/staff');
    await head.locator('#nav-complaints').click();
    await head.waitForURL(/\/staff\/complaints$/);
    await screenshot(head, 'complaint-list-1280');
    await head.getByRole('link', { name: no }).click();
    assert.match(await head.locator('main').innerText(), /吴九/);
    await submit(head, async () => {
      await head.getByLabel('答复内容').fill('已责令交通运输局于三个工作日内答复。');
    }, () => head.getByRole('button', { name: '答复' }));
    assert.match(await head.locator('#reply').innerText(), /已责令交通运输局/);
    await screenshot(head, 'complaint-staff-1280');

    // The applicant reads it with the complaint's number and code.
    await applicant.goto('/complaints/status');
    await submit(applicant, async () => {
      await applicant.getByLabel('投诉举报编号').fill(no);
      await applicant.getByLabel('查询码').fill(code);
    }, () => applicant.getByRole('button', { name: '查询' }));
    assert.match(await applicant.locator('#reply').innerText(), /已责令交通运输局/);
    assert.match(await applicant.locator('#complaint-status').innerText(), /已答复/);
    await noSideways(applicant, 'the complaint status');
    await screenshot(applicant, 'complaint-status-360');
  } finally {
    await browser.close();
  }
});
