// Accounts & keys in the real window: welcome → try the sandbox → a sandbox
// profile exists → verify succeeds (已开通) → reveal shows an image with
// aria-pressed=true → copy puts the secret on the system clipboard → after
// the 10 s timeout chosen in Settings the clipboard no longer holds it.
// Also screenshots every screen this feature owns, in Chinese and English.
//
// Needs an X display (xvfb-run), the Secret Service of tests/session.sh, and
// `xclip` to read the clipboard as another program would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { launchApp } from './webdriver.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** What another program pasting now would get; '' when nothing is offered. */
function clipboardText() {
  try {
    return execFileSync('xclip', ['-o', '-selection', 'clipboard'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

/** The secret as the Secret Service holds it (read with secret-tool, not our code). */
function keychainSecret(profileId, kind) {
  return execFileSync('secret-tool', ['lookup', 'service', 'union-desk', 'username', `profile-${profileId}-${kind}`], {
    encoding: 'utf8',
    timeout: 5000,
  }).trim();
}

async function waitFor(pred, what, timeoutMs = 10000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await pred()) return;
    await sleep(150);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function setSelect(app, css, value) {
  await app.find(css);
  await app.exec(
    `const el = document.querySelector(arguments[0]); el.value = arguments[1];
     el.dispatchEvent(new Event('change', { bubbles: true }));`,
    [css, value],
  );
}

test('sandbox profile: verify, reveal, copy, clipboard cleared after the timeout', { timeout: 180000 }, async () => {
  const app = await launchApp();
  try {
    await app.find('[data-testid="welcome-title"]');
    await app.screenshot('accounts-welcome-zh');

    // The 10 s clipboard timeout is chosen in Settings, after the welcome.
    await app.click('[data-testid="start-sandbox"]');
    const card = '[data-testid="profile-card"]';
    await app.find(card, 20000);
    assert.match(await app.text('[data-testid="accounts-message"]'), /沙盒账号/);
    const profileId = await app.attr(card, 'data-profile-id');
    assert.ok(profileId, 'the card names its profile');
    const masked = await app.text('[data-testid="secret-api-masked"]');
    assert.match(masked, /^••••[0-9a-f]{4}$/);

    // Verify: one signed call against the embedded sandbox.
    await app.click('[data-testid="verify"]');
    await waitFor(async () => (await app.attr('[data-testid="verify-result"]', 'data-ok').catch(() => null)) === 'true', 'verify to succeed', 30000);
    assert.match(await app.text('[data-testid="verify-sentence"]'), /一切正常/);
    assert.equal(await app.attr('[data-testid="auth-badge"]', 'data-status'), 'open');
    assert.match(await app.text('[data-testid="auth-badge"]'), /已开通/);
    await app.screenshot('accounts-verified-zh');

    // Reveal: an image, never the text.
    const secret = keychainSecret(profileId, 'api-secret');
    assert.match(secret, /^[0-9a-f]{32}$/, 'the keychain holds a 32-hex secret');
    assert.equal(masked.slice(-4), secret.slice(-4));
    await app.click('[data-testid="reveal-api"]');
    await app.find('[data-testid="secret-api-image"]');
    assert.equal(await app.attr('[data-testid="reveal-api"]', 'aria-pressed'), 'true');
    const img = await app.exec(
      `const i = document.querySelector('[data-testid="secret-api-image"]');
       return { src: i.getAttribute('src').slice(0, 22), alt: i.alt, complete: i.complete, w: i.naturalWidth };`,
    );
    assert.equal(img.src, 'data:image/png;base64,');
    assert.ok(img.w > 0, 'the PNG decodes');
    assert.ok(!img.alt.includes(secret) && !img.alt.includes(secret.slice(-4)), 'alt text does not hold the secret');
    const pageText = await app.exec('return document.documentElement.outerHTML');
    assert.ok(!pageText.includes(secret), 'the secret is nowhere in the page');
    await app.screenshot('accounts-revealed-zh');
    await app.click('[data-testid="reveal-api"]');
    assert.equal(await app.attr('[data-testid="reveal-api"]', 'aria-pressed'), 'false');

    // Settings: clear the clipboard after 10 s.
    await app.click('[data-testid="nav-settings"]');
    await setSelect(app, '[data-testid="settings-clipboard"]', '10');
    await app.waitText('[data-testid="settings-status"]', (t) => /已保存/.test(t));
    await app.click('[data-testid="nav-accounts"]');
    await app.find(card);

    // Screens in both languages.
    await app.click('[data-testid="add-profile"]');
    await app.find('[data-testid="add-form"]');
    await app.screenshot('accounts-add-zh');
    await app.click('[data-testid="nav-quota"]');
    await app.find('[data-testid="quota-today"]', 15000);
    assert.match(await app.text('[data-testid="quota-used"]'), /^[1-9]\d*$/, 'the verify call was counted');
    await app.find('[data-testid="history-chart"]');
    await app.screenshot('quota-zh');

    await app.click('[data-testid="nav-settings"]');
    await app.click('[data-testid="lang-en"]');
    await app.click('[data-testid="nav-quota"]');
    await app.waitText('[data-testid="quota-today"]', (t) => /Today/.test(t));
    await app.screenshot('quota-en');
    await app.click('[data-testid="nav-accounts"]');
    await app.waitText('[data-testid="auth-badge"]', (t) => /Open/.test(t));
    await app.click('[data-testid="verify"]');
    await app.waitText('[data-testid="verify-sentence"]', (t) => /All good/.test(t), 30000);
    await app.screenshot('accounts-en');
    await app.click('[data-testid="add-profile"]');
    await app.find('[data-testid="add-form"]');
    await app.screenshot('accounts-add-en');
    await app.click('[data-testid="add-profile"]');

    // Copy: the system clipboard holds the secret, then loses it.
    await app.click('[data-testid="copy-api"]');
    const copiedAt = Date.now();
    await waitFor(async () => (await app.attr('[data-testid="copy-api-status"]', 'data-state')) === 'counting', 'the countdown');
    assert.match(await app.text('[data-testid="copy-api-status"]'), /Copied\. The clipboard is cleared in (10|9) s/);
    assert.equal(clipboardText(), secret, 'the clipboard holds the secret right after the copy');
    await app.screenshot('accounts-copied-en');
    await waitFor(() => clipboardText() !== secret, 'the clipboard to be cleared', 20000);
    const clearedAfter = (Date.now() - copiedAt) / 1000;
    assert.ok(clearedAfter >= 9, `cleared after ${clearedAfter.toFixed(1)} s, not before the 10 s timeout`);
    await waitFor(async () => (await app.attr('[data-testid="copy-api-status"]', 'data-state')) === 'cleared', 'the countdown to end');
    assert.match(await app.text('[data-testid="copy-api-status"]'), /Clipboard cleared/);

    // Every IPC reply of this run (verify, reveal, copy, …) was recorded, and
    // none carries the secret (the leak scan checks the same file in more forms).
    const replies = await app.ipcLog();
    const commands = new Set(replies.map((r) => r.cmd));
    for (const cmd of ['verify_profile', 'reveal_secret', 'copy_secret']) {
      assert.ok(commands.has(cmd), `the recorder saw ${cmd}: ${[...commands].join(', ')}`);
    }
    for (const r of replies) {
      assert.ok(!r.reply.includes(secret), `the reply of ${r.cmd} holds the secret`);
    }
  } finally {
    await app.close();
  }
});
