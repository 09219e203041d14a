// Issue 16, the applicant after submission, at 360 px and 1280 px: the
// receipt's facts and print button (item 6), the look-up landing on a GET
// that reloads and goes Back without resubmitting (item 2), the 补正's
// deadline and error summary (items 3, 5), the answer first with a jump
// link, the progress line and one notice printed alone (item 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD, addUser, baseURL, launch, needsStack, newPage, noSideways, screenshot,
} from './browser.mjs';

const WIDTHS = [{ width: 360, height: 740 }, { width: 1280, height: 900 }];

// Fills the form by its field names (the server's, stable whatever the
// form's layout) and submits it; returns the receipt's number and code.
async function apply(page) {
  await page.goto('/apply/demo');
  await Promise.all([page.waitForNavigation(), page.evaluate(() => {
    const form = document.querySelector('form.apply');
    const set = (name, value) => { form.elements[name].value = value; };
    const check = (name, value) => {
      for (const el of form.querySelectorAll(`input[name="${name}"]`)) {
        if (el.value === value) el.checked = true;
      }
    };
    check('applicant_kind', 'person');
    set('name', '张三');
    set('id_type', 'resident_id');
    set('id_number', '11010519491231002X');
    set('phone', '13812345678');
    set('email', 'zhangsan@example.com');
    set('address', '北京市东城区示例街1号');
    set('postcode', '100010');
    set('description', '请公开本县2025年道路维修工程的招标文件和中标结果。');
    check('provision_forms', 'paper');
    check('provision_forms', 'cd');
    check('obtain_methods', 'post');
    check('declaration', 'true');
    check('privacy_consent', 'true');
    form.submit();
  })]);
  if (!/申请回执/.test(await page.title())) {
    throw new Error(`the form was refused: ${await page.locator('.error-summary').innerText()}`);
  }
  return {
    no: (await page.locator('#tracking-no').innerText()).trim(),
    code: (await page.locator('#query-code').innerText()).trim(),
  };
}

// A clerk of demo through the API; act(no, action, body) takes a step.
async function clerk(browser) {
  const username = addUser('clerk', '李经办');
  const page = await newPage(browser);
  const r = await page.request.post('/api/v1/session', { data: { username, password: PASSWORD } });
  assert.equal(r.status(), 200);
  return async (no, action, data = {}) => {
    const req = await page.request.get(`/api/v1/requests/${no}`);
    const id = (await req.json()).request_id;
    const res = await page.request.post(`/api/v1/requests/${id}/${action}`, { data });
    assert.equal(res.status(), 200, `${action}: ${await res.text()}`);
  };
}

// Stubs window.print so that the test sees what would be printed.
async function stubPrint(page) {
  await page.evaluate(() => {
    window.printed = [];
    window.print = () => window.printed.push(document.querySelector('.print-target')?.id || 'page');
  });
}

for (const viewport of WIDTHS) {
  const w = viewport.width;
  test(`status page at ${w}px: receipt, look-up, 补正, answer`, { skip: needsStack }, async () => {
    const browser = await launch();
    try {
      const page = await newPage(browser, viewport);
      const errors = [];
      page.on('console', (m) => {
        if (m.type() === 'error' && !/status of 4(22|10)/.test(m.text())) errors.push(m.text());
      });
      const act = await clerk(browser);

      // Item 6: the receipt repeats the choices, the masked e-mail, the
      // look-up page's full address; its print button works (print.js).
      const { no, code } = await apply(page);
      const receipt = await page.locator('main').innerText();
      assert.match(receipt, /纸质、光盘/);
      assert.match(receipt, /邮寄/);
      assert.match(receipt, /z\*\*\*@example\.com/);
      assert.ok(receipt.includes(`${baseURL}/status?no=${no}`), 'the full status address');
      assert.match(receipt, /查询码遗失/);
      const printButton = page.getByRole('button', { name: '打印回执' });
      assert.ok(await printButton.isVisible(), 'print button shown by print.js');
      await stubPrint(page);
      await printButton.click();
      assert.deepEqual(await page.evaluate(() => window.printed), ['page']);
      if (w === 360) await noSideways(page, 'the receipt');
      await screenshot(page, `status-receipt-${w}`);

      // Item 2: the look-up lands on a GET with a token, never the code.
      await page.goto(`/status?no=${no}`);
      await page.getByLabel('查询码').fill(code);
      await page.getByRole('button', { name: '查询' }).click();
      await page.waitForURL('**/status/view?t=*');
      assert.ok(!page.url().includes(code.replace('-', '')) && !page.url().includes(code));
      const reloaded = await page.reload();
      assert.equal(reloaded.request().method(), 'GET');
      assert.equal(reloaded.status(), 200);
      assert.match(await page.locator('.progress').innerText(), /提交[\s\S]*受理[\s\S]*办理[\s\S]*答复/);
      if (w === 360) await noSideways(page, 'the status page');
      await screenshot(page, `status-submitted-${w}`);
      // Without JavaScript no print button shows that would do nothing.
      const noScript = await browser.newContext({ baseURL: page.url(), viewport, javaScriptEnabled: false });
      const plain = await noScript.newPage();
      await plain.goto(page.url());
      assert.equal(await plain.getByRole('button', { name: '打印本页' }).isVisible(), false);
      assert.ok(await page.getByRole('button', { name: '打印本页' }).isVisible());
      await noScript.close();

      // Items 3 and 5: a 补正 asked; no date but how the clock will run;
      // an empty answer brings the error summary into view at the top.
      await act(no, 'confirm');
      await act(no, 'supplement', { what: '请写明所需信息的时间范围。', period_workdays: 10 });
      await page.reload();
      assert.equal((await page.locator('#deadline').innerText()).trim(), '补正后重新计算');
      await page.getByRole('button', { name: '提交补正' }).click();
      await page.waitForLoadState();
      const summary = page.locator('.error-summary');
      assert.match(await summary.innerText(), /有 1 处需要修改[\s\S]*补正内容：请填写补正内容/);
      const box = await summary.boundingBox();
      assert.ok(box && box.y < viewport.height, `the summary is ${box?.y}px down`);
      await summary.getByRole('link').click();
      assert.equal(await page.evaluate(() => document.activeElement.id), 'f-text');
      await screenshot(page, `status-supplement-error-${w}`);
      await page.getByLabel(/补正内容/).fill('2025年1月至12月。');
      await page.getByRole('button', { name: '提交补正' }).click();
      await page.waitForURL('**/status/view?t=*&done=supplement');
      assert.match(await page.getByRole('status').first().innerText(), /补正材料已提交/);
      // The page after the step reloads by GET: nothing is sent again.
      const again = await page.reload();
      assert.equal(again.request().method(), 'GET');
      assert.equal(await page.locator('form.supplement-form').count(), 0, 'the 补正 form is gone');

      // Item 1: the answer first, a jump link to it; each notice printable.
      await act(no, 'reply', { outcome: 'disclosed', text: '所申请的信息见附件。' });
      await page.reload();
      assert.equal((await page.locator('#deadline').innerText()).trim(), '已办结');
      const jump = page.getByRole('link', { name: '查看答复书' });
      const jumpBox = await jump.boundingBox();
      assert.ok(jumpBox && jumpBox.y < viewport.height, 'the jump link is in the first screen');
      await screenshot(page, `status-answered-${w}`);
      await jump.click();
      assert.ok(page.url().endsWith('#reply'));
      const replyTop = await page.evaluate(() => document.getElementById('reply').getBoundingClientRect().top);
      assert.ok(replyTop >= -1 && replyTop < viewport.height, 'the reply is in view');
      const ids = await page.locator('article.notice-doc').evaluateAll((els) => els.map((e) => e.id));
      assert.equal(ids[0], 'reply');
      assert.ok(ids.length >= 2, 'the earlier notices follow');
      await stubPrint(page);
      await page.locator('#reply').getByRole('button', { name: '打印此文书' }).click();
      assert.deepEqual(await page.evaluate(() => window.printed), ['reply']);
      await page.emulateMedia({ media: 'print' });
      const shown = await page.evaluate((other) => [
        getComputedStyle(document.getElementById('reply')).visibility,
        getComputedStyle(document.getElementById(other)).visibility,
        getComputedStyle(document.querySelector('.status-box')).visibility,
      ], ids[1]);
      assert.deepEqual(shown, ['visible', 'hidden', 'hidden']);
      assert.equal(await page.locator('#reply .notice-actions').isVisible(), false, 'no buttons on paper');
      await screenshot(page, `status-print-reply-${w}`);
      await page.emulateMedia({ media: 'screen' });

      assert.deepEqual(errors, [], 'console errors (CSP violations show here)');
    } finally {
      await browser.close();
    }
  });
}

test('withdrawal: a confirmation page, then the status page, Back without resubmitting',
  { skip: needsStack }, async () => {
    const browser = await launch();
    try {
      const page = await newPage(browser);
      const { no, code } = await apply(page);
      await page.goto(`/status?no=${no}`);
      await page.getByLabel('查询码').fill(code);
      await page.getByRole('button', { name: '查询' }).click();
      await page.waitForURL('**/status/view?t=*');
      await page.getByRole('button', { name: '撤回申请…' }).click();
      await page.waitForURL('**/status/withdraw?t=*');
      await noSideways(page, 'the withdrawal');
      await screenshot(page, 'status-withdraw-confirm-360');
      await page.getByRole('button', { name: '确认撤回' }).click();
      await page.waitForURL('**/status/view?t=*&done=withdraw');
      assert.match(await page.locator('main').innerText(), /申请已撤回/);
      await screenshot(page, 'status-withdrawn-360');
      const back = await page.goBack();
      assert.equal(back.request().method(), 'GET');
      assert.ok(page.url().includes('/status/withdraw?t='));
    } finally {
      await browser.close();
    }
  });
