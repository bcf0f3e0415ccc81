// Console workflows in the real window, against the embedded sandbox:
// API authorization 申请中 → 已开通; a frequency request the sandbox refuses,
// a special-case request drafted from the user's figures and granted, the
// new limit shown; a callback URL registered at the local receiver and the
// sandbox's signed pushes arriving in the live feed, a risk-control push
// with its refund type named.
//
// Needs an X display (xvfb-run) and the Secret Service of tests/session.sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchApp } from './webdriver.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(pred, what, timeoutMs = 20000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await pred()) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The embedded sandbox's address, as it advertises it in the data folder. */
function sandboxUrl(dataDir) {
  return JSON.parse(readFileSync(join(dataDir, 'sandbox', 'running.json'), 'utf8')).base_url;
}

async function setValue(app, css, value) {
  await app.find(css);
  await app.exec(
    `const el = document.querySelector(arguments[0]); el.value = arguments[1];
     el.dispatchEvent(new Event('input', { bubbles: true }));`,
    [css, value],
  );
}

test('authorization, requests and callback against the sandbox', { timeout: 240000 }, async () => {
  const app = await launchApp();
  try {
    await app.find('[data-testid="welcome-title"]');
    await app.click('[data-testid="start-sandbox"]');
    await app.find('[data-testid="profile-card"]', 20000);
    const base = sandboxUrl(app.dataDir);
    // Close the demo account's authorization in the sandbox console so a
    // fresh application can be made from the app (the demo starts 已开通).
    const stats = await (await fetch(`${base}/__admin/stats`)).json();
    const appkeys = Object.keys(stats).filter((k) => !k.startsWith('_'));
    assert.ok(appkeys.length > 0, 'sandbox lists its accounts');
    for (const key of appkeys) {
      await fetch(`${base}/__console/accounts/${key}/authorization/close`, { method: 'POST' });
    }

    await app.click('[data-testid="nav-quota"]');
    await app.find('[data-testid="auth-panel"]');
    await app.find('[data-testid="tier-advisor"]');
    await app.screenshot('console-quota-zh');
    if ((await app.attr('[data-testid="auth-status"]', 'data-status')) !== 'open') {
      await app.click('[data-testid="auth-apply"]');
      await app.waitText('[data-testid="auth-status"]', (t) => t.includes('申请中') || t.includes('已开通'));
      await app.screenshot('console-auth-applying');
      await waitFor(async () => {
        const refresh = await app.exec('return !!document.querySelector(\'[data-testid="auth-refresh"]\')');
        if (refresh) await app.click('[data-testid="auth-refresh"]');
        return (await app.attr('[data-testid="auth-status"]', 'data-status')) === 'open';
      }, '已开通');
    }
    assert.match(await app.text('[data-testid="auth-status"]'), /已开通/);

    // The sandbox's synthetic volume is below 1000 a month: refused.
    await app.click('[data-testid="frequency-file"]');
    await waitFor(async () => (await app.attr('[data-testid="frequency-last"]', 'data-status')) === 'refused', 'refusal');
    await app.click('[data-testid="special-draft"]');
    // The draft is written from the user's figures, fetched first.
    await app.find('[data-testid="special-text"]');
    const draft = await app.exec('return document.querySelector(\'[data-testid="special-text"]\').value');
    assert.match(draft, /特申请将调用频次提升至3000次\/天/);
    await app.screenshot('console-special-draft');
    await app.click('[data-testid="special-send"]');
    // The sandbox answers a special-case request after its compressed delay.
    await waitFor(async () => {
      await app.click('[data-testid="requests-refresh"]');
      return (await app.text('[data-testid="tier-current"]')).includes('3000');
    }, 'the new limit', 60000);
    await app.screenshot('console-granted');

    // Callback: receiver on a free port, registered with the sandbox console.
    await app.click('[data-testid="nav-callback"]');
    await setValue(app, '[data-testid="receiver-port"]', '0');
    await app.click('[data-testid="receiver-start"]');
    await app.find('[data-testid="receiver-url"]');
    await app.click('[data-testid="receiver-use-url"]');
    await app.click('[data-testid="callback-register"]');
    await app.find('[data-testid="callback-registered"]');
    const added = await (await fetch(`${base}/__admin/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json();
    await waitFor(async () => {
      const items = await app.exec('return [...document.querySelectorAll(\'[data-testid="callback-feed"] li\')].map((li) => li.dataset.outcome)');
      return Array.isArray(items) && items.includes('stored');
    }, 'a stored push in the feed', 30000);
    await app.screenshot('console-callback-feed');
    assert.ok(added.orderid, JSON.stringify(added));
    // Risk control on that order: a status 9 push with refundType 3, named in the feed.
    const risk = await fetch(`${base}/__admin/orders/${added.orderid}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"status":"risk"}',
    });
    assert.equal(risk.status, 200, await risk.text());
    await waitFor(async () => {
      const shown = await app.exec('return [...document.querySelectorAll(\'[data-testid="feed-refund-type"]\')].map((e) => e.textContent.trim())');
      return Array.isArray(shown) && shown.includes('退款类型 3（风控）');
    }, 'the risk-control push named in the feed', 30000);
    await app.screenshot('console-callback-refund');
    await app.click('[data-testid="callback-test"]');
    await waitFor(async () => (await app.attr('[data-testid="callback-report"]', 'data-diagnosis')) === 'ok', 'test push ok');
  } finally {
    await app.close();
  }
});
