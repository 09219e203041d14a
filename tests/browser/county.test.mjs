// The county's view and the public statistics (issue 18 §6) in a real
// browser: a parent agency's head opens 概况 from the header; the page and
// /stats pass the a11y checks (axe at 360 px and 1280 px, both displays, no
// sideways scrolling: the tables scroll inside their own region), the
// department table's links open the filtered queue, and /stats shows each
// agency's table when opened. Screenshots: tests/out/screenshots/
// a11y-county-*.png, a11y-stats-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Audit, go, post, signIn, visitAll } from './a11y.mjs';
import {
  addAgency, addUser, launch, needsStack, newPage, personRequest,
} from './browser.mjs';

// A parent agency with two departments and a head of the parent.
function county() {
  const tag = randomBytes(3).toString('hex');	// names unique on /stats
  const parent = addAgency('cty', `示例县人民政府${tag}`);
  const depts = ['交通运输局', '自然资源局'].map((name) => addAgency('ctd', `示例县${name}${tag}`, parent));
  return {
    parent, depts, head: addUser('head', '县head', parent), admin: addUser('admin', '县admin', parent),
  };
}

test('概况 and /stats: reachable, readable at 360 px and 1280 px, links into the queue', {
  skip: needsStack,
}, async () => {
  const c = county();
  const browser = await launch();
  const audit = new Audit();
  try {
    const citizen = await newPage(browser);
    await post(citizen, `/api/v1/agencies/${c.depts[0]}/requests`,
      personRequest({ name: '孙八', email: undefined }));

    const head = await newPage(browser);
    await signIn(head, c.head);
    await head.goto('/staff');
    await head.getByRole('navigation', { name: '工作人员导航' }).getByRole('link', { name: '概况' }).click();
    assert.equal(new URL(head.url()).pathname, '/staff/dashboard');
    const row = head.locator('.dashboard-table tbody tr', { hasText: '交通运输局' });
    assert.equal((await row.locator('td').first().innerText()).trim(), '1');

    const admin = await newPage(browser);
    await signIn(admin, c.admin);
    await admin.goto('/staff/dashboard');
    await admin.locator('.dashboard-table tbody tr', { hasText: '交通运输局' }).locator('td a').first().click();
    assert.equal(new URL(admin.url()).searchParams.get('agency'), c.depts[0]);
    assert.ok((await admin.locator('main').innerText()).includes('孙八'));

    await visitAll(audit, head, [['county-dashboard', go('/staff/dashboard')]]);
    await visitAll(audit, citizen, [
      ['stats', async (p) => {
        await p.goto('/stats');
        // Opened without a click: the focus stays at the top for the
        // skip-link check.
        await p.evaluate((id) => { document.getElementById(id).open = true; }, `a-${c.parent}`);
      }],
    ]);
    const table = citizen.locator(`#a-${c.parent} table`);
    assert.ok(await table.isVisible());
    assert.equal(await citizen.evaluate(() => document.body.innerText.includes('孙八')), false);
    assert.deepEqual(audit.problems, [], `accessibility problems:\n${audit.problems.join('\n')}`);
  } finally {
    await browser.close();
  }
});
