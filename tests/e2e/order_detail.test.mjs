// One order in full and the monthly average, in the real window, against
// the embedded sandbox: sync, open an order from its product cell (status,
// sid, business line by name), look one up by id (查单, a call), a help
// popover opened by keyboard; then the tier advisor labelled as an
// estimate, with a console figure typed in. Screenshots in Chinese and
// English at 1280x800 and at the 900x600 minimum (issues 18 and 19).
//
// Needs an X display (xvfb-run) and the Secret Service of tests/session.sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchApp } from './webdriver.mjs';

const SIZES = [
  [1280, 800],
  [900, 600],
];

test('open an order, look one up by id, and read the monthly average honestly', { timeout: 300000 }, async () => {
  const app = await launchApp();
  try {
    await app.find('[data-testid="welcome-title"]');
    await app.click('[data-testid="start-sandbox"]');
    await app.find('[data-testid="profile-card"]', 30000);

    await app.click('[data-testid="nav-orders"]');
    await app.find('[data-testid="orders-sync-plan"]', 20000);
    await app.click('[data-testid="orders-sync"]');
    await app.waitText('[data-testid="orders-sync-result"]', (t) => /\d/.test(t), 240000);
    await app.find('[data-testid="orders-row-product"]', 20000);

    // A help popover by keyboard: focus the "?", Enter, Escape.
    await app.exec("document.querySelector('[data-testid=\"help-reserve\"]').focus()");
    await app.exec("document.querySelector('[data-testid=\"help-reserve\"]').click()");
    const help = await app.text('[data-testid="help-reserve-text"]');
    assert.match(help, /预留/);
    await app.click('[data-testid="help-reserve"]');

    // Open the first order from its product cell.
    await app.click('[data-testid="orders-row-product"]');
    const status = await app.text('[data-testid="order-detail-status"]');
    assert.match(status, /已付款|已完成|已退款|已取消|风控|已结算/);
    const line = await app.text('[data-testid="order-detail-line"]');
    assert.match(line, /^[\u4e00-\u9fff/]+$/, `the line is not a name: ${line}`);
    const orderId = (await app.text('#order-detail-title')).replace(/\D/g, '');
    assert.ok(orderId.length >= 10, orderId);
    for (const [w, h] of SIZES) {
      await app.resize(w, h);
      await app.exec("document.querySelector('[data-testid=\"order-detail\"]').scrollIntoView()");
      const m = await app.layout();
      assert.ok(m.docX <= 0 && m.docY <= 0 && m.mainX <= 1, `order detail overflows at ${w}x${h}: ${JSON.stringify(m)}`);
      await app.screenshot(`order-detail-zh-${w}x${h}`);
    }
    await app.resize(1280, 800);
    await app.click('[data-testid="order-detail-close"]');

    // 查单: the same order by id, from Meituan (the sandbox), one call.
    await app.type('[data-testid="orders-lookup-id"]', orderId);
    await app.click('[data-testid="orders-lookup-go"]');
    const looked = await app.waitText('[data-testid="order-detail"]', (t) => /查单用了 \d+ 次调用/.test(t), 20000);
    assert.match(looked, new RegExp(orderId));
    // A bad id: a sentence in Chinese, no detail.
    await app.click('[data-testid="order-detail-close"]');
    await app.exec("const i = document.querySelector('[data-testid=\"orders-lookup-id\"]'); i.value = ''; i.dispatchEvent(new Event('input', { bubbles: true }))");
    await app.type('[data-testid="orders-lookup-id"]', '12ab');
    await app.click('[data-testid="orders-lookup-go"]');
    const refused = await app.waitText('[data-testid="orders-lookup-failed"]', (t) => t.length > 0, 10000);
    assert.match(refused, /订单号只能是 1 到 32 位数字/);

    // The tier advisor: an estimate, labelled; then the console's figure.
    await app.click('[data-testid="nav-quota"]');
    await app.find('[data-testid="tier-advisor"]', 20000);
    const label = await app.waitText('[data-testid="tier-average-label"]', (t) => t.length > 0, 20000);
    assert.match(label, /估算/);
    for (const [w, h] of SIZES) {
      await app.resize(w, h);
      await app.exec("document.querySelector('[data-testid=\"tier-advisor\"]').scrollIntoView()");
      await app.screenshot(`tier-advisor-zh-${w}x${h}`);
    }
    await app.resize(1280, 800);
    await app.type('[data-testid="tier-console-input"]', '2300');
    await app.click('[data-testid="tier-console-save"]');
    await app.waitText('[data-testid="tier-average-label"]', (t) => /联盟后台/.test(t), 10000);
    assert.match(await app.text('[data-testid="tier-average"]'), /2300/);

    // English.
    await app.click('[data-testid="nav-settings"]');
    await app.click('[data-testid="lang-en"]');
    await app.click('[data-testid="nav-quota"]');
    await app.waitText('[data-testid="tier-average-label"]', (t) => /console/.test(t), 20000);
    for (const [w, h] of SIZES) {
      await app.resize(w, h);
      await app.exec("document.querySelector('[data-testid=\"tier-advisor\"]').scrollIntoView()");
      await app.screenshot(`tier-advisor-en-${w}x${h}`);
    }
    await app.click('[data-testid="nav-orders"]');
    await app.find('[data-testid="orders-row-product"]', 20000);
    await app.click('[data-testid="orders-row-product"]');
    await app.find('[data-testid="order-detail"]', 10000);
    for (const [w, h] of SIZES) {
      await app.resize(w, h);
      await app.exec("document.querySelector('[data-testid=\"order-detail\"]').scrollIntoView()");
      await app.screenshot(`order-detail-en-${w}x${h}`);
    }
  } finally {
    await app.close();
  }
});
