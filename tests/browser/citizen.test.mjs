// The citizen's path in a real browser at phone size (360×740): fill the
// form, submit it with a mistake, correct it, submit, look the request up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, noSideways, screenshot } from './browser.mjs';

test('apply with a mistake, correct it, get the receipt, look the request up', async () => {
  const browser = await launch();
  try {
    const page = await newPage(browser);
    const errors = [];
    // The form sent back with its errors is a 422: the browser logs that status.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 422/.test(m.text())) errors.push(m.text());
  });

    // The home page links to the agency's form.
    await page.goto('/');
    await page.getByRole('link', { name: '示例县人民政府办公室' }).click();
    await page.waitForURL('**/apply/demo');
    assert.match(await page.title(), /政府信息公开申请表/);
    await noSideways(page, 'the form');

    await page.getByLabel('公民（自然人）').check();
    // Without a choice of kind both groups show; with 公民 the organisation's hide.
    assert.equal(await page.getByLabel('统一社会信用代码').isVisible(), false);
    await page.getByLabel('姓名或名称').fill('张三');
    await page.getByLabel('证件类型').selectOption('resident_id');
    await page.getByLabel('证件号码').fill('110105194912310021'); // wrong check digit
    await page.getByLabel('联系电话').fill('13812345678');
    await page.getByLabel('所需信息的描述').fill('请公开本县2025年道路维修工程的招标文件和中标结果。');
    await page.getByLabel('纸质').check();
    await page.getByLabel('自行领取').check();
    await page.getByLabel(/本人承诺/).check();
    // The privacy consent (issue 12, item 17): its label is bound to the box.
    await page.getByLabel(/我已阅读上述个人信息处理说明/).check();
    await screenshot(page, 'citizen-form');

    // Large touch targets: every radio and checkbox row is at least 44px high.
    const small = await page.evaluate(() => [...document.querySelectorAll('.choice')]
      .filter((el) => el.offsetParent && el.getBoundingClientRect().height < 44).length);
    assert.equal(small, 0, 'choice rows lower than 44px');

    await page.getByRole('button', { name: '提交申请' }).click();
    await page.waitForLoadState();
    const summary = page.getByRole('alert');
    assert.match(await summary.innerText(), /有 1 处需要修改/);
    const idInput = page.getByLabel('证件号码');
    assert.equal(await idInput.getAttribute('aria-invalid'), 'true');
    const describedBy = await idInput.getAttribute('aria-describedby');
    const message = await page.locator(`#${describedBy.split(' ').pop()}`).innerText();
    assert.match(message, /校验位不正确/);
    // Nothing typed was lost.
    assert.equal(await idInput.inputValue(), '110105194912310021');
    assert.equal(await page.getByLabel('姓名或名称').inputValue(), '张三');
    assert.ok(await page.getByLabel('自行领取').isChecked());
    assert.ok(await page.getByLabel(/本人承诺/).isChecked());
    assert.ok(await page.getByLabel(/我已阅读上述个人信息处理说明/).isChecked());
    await noSideways(page, 'the form with an error');
    // The summary's link leads to the field.
    await summary.getByRole('link').click();
    await screenshot(page, 'citizen-form-error');

    await idInput.fill('11010519491231002X');
    // The longest description allowed: the receipt must still print on one page.
    const long = '请公开本县2025年道路维修工程的招标文件和中标结果，'.repeat(80).slice(0, 2000);
    await page.getByLabel('所需信息的描述').fill(long);
    await page.getByRole('button', { name: '提交申请' }).click();
    await page.waitForLoadState();
    assert.match(await page.title(), /申请回执/);
    const trackingNo = (await page.locator('#tracking-no').innerText()).trim();
    const queryCode = (await page.locator('#query-code').innerText()).trim();
    assert.match(trackingNo, /^demo-\d{4}-\d{6}$/);
    assert.match(queryCode, /^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    await noSideways(page, 'the receipt');
    await screenshot(page, 'citizen-receipt');
    // The receipt prints on one A4 page.
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4' });
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
    assert.equal(pages, 1, `the receipt prints on ${pages} pages`);
    await page.emulateMedia({ media: 'screen' });

    // Look it up: the receipt's link fills in the number.
    await page.getByRole('link', { name: '查询办理进度' }).first().click();
    await page.waitForURL('**/status?no=*');
    assert.equal(await page.getByLabel('申请编号').inputValue(), trackingNo);
    await page.getByLabel('查询码').fill(queryCode.toLowerCase());
    await page.getByRole('button', { name: '查询' }).click();
    await page.waitForLoadState();
    const text = await page.locator('main').innerText();
    assert.match(text, /已提交，等待受理机关确认收到/);
    assert.match(text, /110105\*{8}002X/);
    assert.match(text, /138\*{4}5678/);
    assert.ok(!text.includes('11010519491231002X'));
    await noSideways(page, 'the status page');
    await screenshot(page, 'citizen-status');

    assert.deepEqual(errors, [], 'console errors (CSP violations show here)');
  } finally {
    await browser.close();
  }
});
