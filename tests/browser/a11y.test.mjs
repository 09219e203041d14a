// Accessibility of the citizen's pages (issue 16), signed out: axe-core
// reports no violation of the WCAG 2.1 A/AA rules at 360 px and 1280 px,
// in the standard display and in the large one (适老化); every page has the
// skip link, a focus ring of 3:1 or more, its own <title>, and no sideways
// scrolling at 360 px (a11y.mjs). Screenshots of every page at both widths
// go to tests/out/screenshots/a11y-*.png. The staff's pages: a11y-staff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Audit, fillForm, go, lookUp, newRequest, signIn, visitAll,
} from './a11y.mjs';
import {
  addUser, baseURL, launch, needsStack, newPage, noSideways, submit,
} from './browser.mjs';

test('every citizen page passes axe, has a skip link, a focus ring and its own title, in both displays', {
  skip: needsStack,
}, async () => {
  const clerkName = addUser('clerk', '周经办');
  const browser = await launch();
  const audit = new Audit();
  try {
    const citizen = await newPage(browser);
    const clerk = await newPage(browser);
    await signIn(clerk, clerkName);
    // Requests in the states the status page shows.
    const received = await newRequest(citizen, clerk);
    const answered = await newRequest(citizen, clerk, [['confirm', {}],
      ['reply', { outcome: 'disclosed', text: '现提供招标文件，请查收。' }]]);
    const asking = () => newRequest(citizen, clerk, [['confirm', {}], ['supplement', { what: '请写明道路名称或路段。' }]]);
    const awaiting = await asking();

    await visitAll(audit, citizen, [
      ['home', go('/')],
      ['apply-index', go('/apply')],
      ['apply-form', go('/apply/demo')],
      ['apply-form-person', go('/apply/demo?type=person')],
      ['apply-errors', async (p) => {
        await p.goto('/apply/demo');
        await submit(p, () => p.getByLabel('公民（自然人）').check(),
          () => p.getByRole('button', { name: '提交申请' }));
      }],
      ['receipt', async (p) => {
        await p.goto('/apply/demo');
        await submit(p, () => fillForm(p), () => p.getByRole('button', { name: '提交申请' }));
      }],
      ['status-form', go('/status')],
      ['status-wrong-code', async (p) => {
        await p.goto(`/status?no=${received.no}`);
        await submit(p, () => p.getByLabel('查询码').fill('AAAAA-AAAAA'), () => p.getByRole('button', { name: '查询' }));
      }],
      ['status-submitted', (p) => lookUp(p, received)],
      ['status-supplement', (p) => lookUp(p, awaiting)],
      ['status-supplement-sent', async (p) => {
        await lookUp(p, await asking());
        await submit(p, () => p.getByLabel(/补正内容/).fill('幸福路（东段）。'),
          () => p.getByRole('button', { name: '提交补正' }));
      }],
      ['status-answered', (p) => lookUp(p, answered)],
      ['withdraw', async (p) => {
        await lookUp(p, received);
        await submit(p, null, () => p.getByRole('button', { name: '撤回申请…' }));
      }],
      ['not-found', go('/no-such-page')],
      ['staff-login', go('/staff/login')],
      ['staff-login-failed', async (p) => {
        await p.goto('/staff/login');
        await submit(p, async () => {
          await p.getByLabel('用户名').fill(clerkName);
          await p.getByLabel('密码').fill('not-the-password');
        }, () => p.getByRole('button', { name: '登录' }));
      }],
    ]);

    assert.deepEqual(audit.problems, [], `accessibility problems:\n${audit.problems.join('\n')}`);
    assert.deepEqual(audit.titleClashes(), []);
  } finally {
    await browser.close();
  }
});

test('the large display is switched from the header without JavaScript and kept', async () => {
  const browser = await launch();
  try {
    const context = await browser.newContext({
      javaScriptEnabled: false, viewport: { width: 360, height: 740 }, baseURL, locale: 'zh-CN',
    });
    const page = await context.newPage();
    await page.goto('/status?no=demo-2026-000001');
    const fontSize = () => page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
    const standard = await fontSize();
    await page.getByRole('button', { name: '大字模式' }).click();
    await page.waitForURL('**/status?no=demo-2026-000001');
    assert.ok(await fontSize() >= standard * 1.2, 'the text is larger');
    assert.equal(await page.evaluate(() => document.documentElement.className), 'display-large');
    await noSideways(page, 'the large status form');
    // Kept across pages, until switched back.
    await page.goto('/apply/demo');
    assert.ok(await fontSize() >= standard * 1.2);
    await noSideways(page, 'the large form');
    await page.getByRole('button', { name: '标准模式' }).click();
    await page.waitForURL('**/apply/demo');
    assert.equal(await fontSize(), standard);
  } finally {
    await browser.close();
  }
});
