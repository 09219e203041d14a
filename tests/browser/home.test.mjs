// The home page in a real browser at phone width.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, screenshot } from './browser.mjs';

test('home page renders in Chinese at 360 px without horizontal scrolling', async () => {
  const browser = await launch();
  try {
    const page = await newPage(browser);
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    const resp = await page.goto('/');
    assert.equal(resp.status(), 200);
    assert.match(await page.title(), /政府信息公开/);
    assert.ok(await page.getByRole('link', { name: '在线提交申请' }).isVisible());
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
    assert.deepEqual(errors, [], 'console errors (CSP violations show here)');
    await screenshot(page, 'home-360');
  } finally {
    await browser.close();
  }
});
