// Accessibility of the staff's pages (issue 16), signed in as a clerk, a
// head and an administrator: the checks of a11y.test.mjs (axe's WCAG 2.1
// A/AA rules at 360 px and 1280 px, skip link, focus ring, titles, no
// sideways scrolling) on the queue, the request page in several states, a
// notice, the account pages, the administration and the yearly report, in
// both displays. Screenshots: tests/out/screenshots/a11y-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Audit, go, newRequest, signIn, visitAll,
} from './a11y.mjs';
import { addUser, launch, needsStack, newPage } from './browser.mjs';

test('every staff page passes axe, has a skip link, a focus ring and its own title, in both displays', {
  skip: needsStack,
}, async () => {
  const clerkName = addUser('clerk', '陈经办');
  const headName = addUser('head', '吴负责人');
  const adminName = addUser('admin', '郑管理员');
  const browser = await launch();
  const audit = new Audit();
  try {
    const citizen = await newPage(browser);
    const clerk = await newPage(browser);
    const head = await newPage(browser);
    const admin = await newPage(browser);
    await signIn(clerk, clerkName);

    // Requests in the states the request page shows.
    const received = await newRequest(citizen, clerk);
    const awaiting = await newRequest(citizen, clerk, [['confirm', {}], ['supplement', { what: '请写明道路名称或路段。' }]]);
    const extending = await newRequest(citizen, clerk, [['confirm', {}],
      ['extend', { days: 20, reason: '需要调取档案室的工程档案。' }]]);
    const answered = await newRequest(citizen, clerk, [['confirm', {}],
      ['reply', { outcome: 'disclosed', text: '现提供招标文件，请查收。' }]]);

    const notice = async (p) => {
      await p.goto(`/staff/requests/${answered.id}`);
      await p.goto(await p.locator('a[href*="/notices/"]').first().getAttribute('href'));
    };
    await visitAll(audit, clerk, [
      ['clerk-queue', go('/staff')],
      ['clerk-discarded', go('/staff/discarded')],
      ['clerk-register', go('/staff/register')],
      ['clerk-request-received', go(`/staff/requests/${received.id}`)],
      ['clerk-request-supplement', go(`/staff/requests/${awaiting.id}`)],
      ['clerk-request-extending', go(`/staff/requests/${extending.id}`)],
      ['clerk-request-answered', go(`/staff/requests/${answered.id}`)],
      ['clerk-notice', notice],
      ['clerk-password', go('/staff/password')],
      ['clerk-totp', go('/staff/totp')],
      ['clerk-forbidden', go('/admin')],
    ]);

    await signIn(head, headName);
    await visitAll(audit, head, [
      ['head-queue', go('/staff')],
      ['head-request-extending', go(`/staff/requests/${extending.id}`)],
    ]);

    await signIn(admin, adminName);
    await visitAll(audit, admin, [
      ['admin', go('/admin')],
      ['admin-agencies', go('/admin/agencies')],
      ['admin-agency', go('/admin/agencies/demo')],
      ['admin-import', go('/admin/import')],
      ['report', go('/staff/report')],
      ['report-table2', go('/staff/report/table2')],
      ['report-prose', go('/staff/report/prose')],
    ]);

    assert.deepEqual(audit.problems, [], `accessibility problems:\n${audit.problems.join('\n')}`);
    assert.deepEqual(audit.titleClashes(), []);
  } finally {
    await browser.close();
  }
});
