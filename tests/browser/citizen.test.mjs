// The citizen's path in a real browser at phone size (360×740): fill the
// form, submit it with a mistake, correct it, submit, look the request up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, noSideways, screenshot } from './browser.mjs';

// The labels marked 必填 that a person can see (single fields).
function requiredLabels(page) {
  return page.evaluate(() => [...document.querySelectorAll('label .req')]
    .filter((el) => el.offsetParent && el.closest('.field > label'))
    .map((el) => el.closest('label').firstChild.textContent.trim()));
}

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

    // The type comes first (issue 16, item 4): before a choice only the
    // types show; this browser selects on :has(), so the whole form is
    // there and the fallback's 下一步 is not.
    const visible = (label) => page.getByLabel(label).isVisible();
    assert.equal(await page.getByRole('radio').count(), 6);
    assert.equal(await visible('姓名或名称'), false);
    assert.equal(await visible('统一社会信用代码'), false);
    assert.equal(await page.getByRole('button', { name: '下一步' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: '提交申请' }).isVisible(), false);
    await screenshot(page, 'citizen-form-type');
    // An organisation: its fields, none of a person's.
    await page.getByRole('radio', { name: '商业企业' }).check();
    assert.ok(await visible('统一社会信用代码'));
    assert.equal(await visible('证件号码'), false);
    assert.deepEqual(await requiredLabels(page), ['姓名或名称', '统一社会信用代码',
      '法定代表人或负责人', '联系人', '联系电话', '所需信息的描述']);
    // A person: theirs, and no organisation's field marked 必填.
    await page.getByRole('radio', { name: '公民（自然人）' }).check();
    assert.equal(await visible('统一社会信用代码'), false);
    assert.deepEqual(await requiredLabels(page), ['姓名或名称', '证件类型', '证件号码',
      '联系电话', '所需信息的描述']);
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

// The server's two steps (issue 16, item 4), for browsers without :has():
// shown here by hiding what such a browser would not show.
test('the applicant type first, then only its fields, at 360 and 1280 px', async () => {
  const browser = await launch();
  try {
    for (const [width, height] of [[360, 740], [1280, 900]]) {
      const page = await newPage(browser, { width, height });
      await page.goto('/apply/demo');
      // As this browser shows it (the type's radios, nothing else yet)…
      assert.equal(await page.getByLabel('联系电话').isVisible(), false);
      await screenshot(page, `citizen-form-type-${width}`);
      // …and as one without :has() would: the first step only.
      await page.evaluate(() => {
        document.querySelector('.kind-step').style.setProperty('display', 'block', 'important');
        document.querySelector('.apply').style.setProperty('display', 'none', 'important');
      });
      await screenshot(page, `citizen-form-step1-${width}`);
      // 下一步 without a choice: the question again, its error beside it.
      await page.getByRole('button', { name: '下一步' }).click();
      await page.waitForURL((u) => u.pathname === '/apply/demo' && u.search === '?next=1');
      const type = page.getByRole('radio', { name: '公民个人' });
      assert.match(await page.getByRole('alert').innerText(), /申请人类型/);
      assert.equal(await type.getAttribute('aria-invalid'), 'true');
      await page.getByRole('radio', { name: '法人或者其他组织（单位）' }).check();
      await page.getByRole('button', { name: '下一步' }).click();
      await page.waitForURL((u) => u.searchParams.get('type') === 'org');
      // The organisation's form: its five categories, its fields, no person's.
      const kinds = page.locator('input[name="applicant_kind"]');
      assert.equal(await kinds.count(), 5);
      assert.ok(await page.getByLabel('统一社会信用代码').isVisible());
      assert.equal(await page.locator('#f-id_number').count(), 0);
      assert.equal(await page.getByRole('heading', { name: '公民填写' }).count(), 0);
      await noSideways(page, `the organisation's form at ${width}px`);
      await screenshot(page, `citizen-form-org-${width}`);
      // 更改 goes back to the question; a person's form has no organisation's field.
      await page.getByRole('link', { name: '更改申请人类型' }).click();
      await page.waitForURL((u) => u.pathname === '/apply/demo' && !u.search);
      await page.goto('/apply/demo?type=person');
      assert.ok(await page.getByRole('radio', { name: '公民（自然人）' }).isChecked());
      assert.equal(await kinds.count(), 1);
      assert.equal(await page.locator('#f-credit_code').count(), 0);
      assert.equal(await page.getByRole('heading', { name: '法人或者其他组织填写' }).count(), 0);
      await noSideways(page, `the person's form at ${width}px`);
      await screenshot(page, `citizen-form-person-${width}`);
      await page.context().close();
    }
  } finally {
    await browser.close();
  }
});
