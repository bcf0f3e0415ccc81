// Links and orders in the real window, against the embedded sandbox:
// welcome → sandbox profile → Links: generate a link (1 call), generate it
// again (from the library, 0 calls), find it in the library → Orders: sync,
// see the totals and the table. Screenshots both screens.
//
// Needs an X display (xvfb-run) and the Secret Service of tests/session.sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchApp } from './webdriver.mjs';

test('generate a link, find it in the library, sync orders, see the totals', { timeout: 300000 }, async () => {
  const app = await launchApp();
  try {
    await app.find('[data-testid="welcome-title"]');
    await app.click('[data-testid="start-sandbox"]');
    await app.find('[data-testid="profile-card"]', 30000);

    await app.click('[data-testid="nav-links"]');
    await app.type('[data-testid="links-target"]', '33');
    await app.type('[data-testid="links-sid"]', 'e2e1');
    await app.click('[data-testid="links-generate"]');
    const url = await app.waitText('[data-testid="links-result-url"]', (t) => t.length > 10, 30000);
    assert.match(url, /\S{10,}/);
    const first = await app.text('[data-testid="links-result-source"]');
    assert.match(first, /1 次调用|1 call/);

    // The same request again: answered by the library, no call.
    await app.click('[data-testid="links-generate"]');
    const again = await app.waitText('[data-testid="links-result-source"]', (t) => /0 次调用|0 calls/.test(t), 20000);
    assert.match(again, /来自链接库|From the library/);
    assert.equal(await app.text('[data-testid="links-result-url"]'), url);

    await app.type('[data-testid="links-library-search"]', '33');
    const count = await app.waitText('[data-testid="links-library-count"]', (t) => /^1\b|\b1 条/.test(t), 10000);
    assert.match(count, /1/);
    const row = await app.text('[data-testid="links-library-row"]');
    assert.ok(row.includes(url), `library row lacks the link: ${row}`);
    await app.screenshot('links-zh');

    await app.click('[data-testid="nav-orders"]');
    await app.find('[data-testid="orders-sync-plan"]', 20000);
    await app.click('[data-testid="orders-sync"]');
    const result = await app.waitText('[data-testid="orders-sync-result"]', (t) => /\d/.test(t), 240000);
    assert.match(result, /\d+ 页|\d+ pages/);
    const orders = Number(await app.waitText('[data-testid="orders-total-orders"]', (t) => Number(t) > 0, 20000));
    assert.ok(orders > 0, 'no orders after the sync');
    const commission = await app.text('[data-testid="orders-total-commission"]');
    assert.match(commission, /^¥\d+\.\d{2}$/);
    await app.find('[data-testid="orders-row"]', 10000);
    await app.find('[data-testid="orders-chart"]');
    // Business lines by name, never as bare codes (issue 19 item 2, issue
    // 18 item 1), in the rows and in the filter.
    const lines = await app.exec(`
      return {
        cells: [...document.querySelectorAll('[data-testid="orders-row-line"]')].slice(0, 20).map((c) => c.textContent.trim()),
        options: [...document.querySelectorAll('[data-testid="orders-line"] option')].slice(1).map((o) => o.textContent.trim()),
      };`);
    assert.ok(lines.cells.length > 0, 'no business line cells');
    for (const c of lines.cells) assert.match(c, /^[\u4e00-\u9fff/]+$/, `a line cell is not a name: ${JSON.stringify(lines)}`);
    assert.ok(lines.options.length >= 3, `too few line options: ${JSON.stringify(lines)}`);
    for (const o of lines.options) assert.match(o, /^[\u4e00-\u9fff/]+ \(\d+\)$/, `a line option is not a name: ${JSON.stringify(lines)}`);
    await app.screenshot('orders-zh');

    // The table fits, at the default size and at the 900x600 minimum, in
    // both languages: no sideways overflow, the commission column on screen,
    // one-line headers, amounts with ¥ (issue 19 item 2).
    const tableFits = async (where) => {
      const m = await app.exec(`
        const main = document.querySelector('main');
        const heads = [...document.querySelectorAll('.head > span')].filter((s) => s.offsetParent !== null);
        const lastHead = heads[heads.length - 1].getBoundingClientRect();
        const box = main.getBoundingClientRect();
        const lineHeight = parseFloat(getComputedStyle(heads[0]).lineHeight) || 20;
        return {
          mainX: main.scrollWidth - main.clientWidth,
          docX: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          commissionRight: lastHead.right,
          mainRight: box.right,
          tallestHead: Math.max(...heads.map((s) => s.getBoundingClientRect().height)),
          lineHeight,
          firstCommission: document.querySelector('[data-testid="orders-row-commission"]').textContent,
        };`);
      assert.ok(m.mainX <= 1 && m.docX <= 0, `${where}: the page overflows sideways (${JSON.stringify(m)})`);
      assert.ok(m.commissionRight <= m.mainRight, `${where}: the commission column is cut off (${JSON.stringify(m)})`);
      assert.ok(m.tallestHead < m.lineHeight * 1.5, `${where}: a column header wraps (${JSON.stringify(m)})`);
      assert.match(m.firstCommission, /^-?¥\d+\.\d{2}$/);
    };
    await tableFits('orders, zh, default size');
    await app.resize(900, 600);
    await tableFits('orders, zh, 900x600');
    await app.exec("document.querySelector('[data-testid=\"orders-table\"]').scrollIntoView()");
    await app.screenshot('orders-table-zh-900x600');
    await app.click('[data-testid="nav-settings"]');
    await app.click('[data-testid="lang-en"]');
    await app.click('[data-testid="nav-orders"]');
    await app.waitText('[data-testid="orders-total-orders"]', (t) => Number(t) > 0, 20000);
    await app.find('[data-testid="orders-row"]', 10000);
    await tableFits('orders, en, 900x600');
    await app.exec("document.querySelector('[data-testid=\"orders-table\"]').scrollIntoView()");
    await app.screenshot('orders-table-en-900x600');
    await app.resize(1200, 780);
    await tableFits('orders, en, default size');
    await app.screenshot('orders-en');
  } finally {
    await app.close();
  }
});
