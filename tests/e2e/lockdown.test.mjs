// Webview lockdown, checked in the real window: the CSP blocks inline and
// eval'd scripts, navigation away from the app is refused, and only the app's
// own commands can be invoked (no fs/http/shell plugins, nothing unlisted).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchApp } from './webdriver.mjs';

let app;
before(async () => {
  app = await launchApp();
  await app.find('[data-testid="welcome-title"]');
});
after(async () => {
  await app?.close();
});

test('an injected inline script does not run', async () => {
  const ran = await app.exec(`
    window.__injected = 'no';
    const s = document.createElement('script');
    s.textContent = "window.__injected = 'yes'";
    document.body.appendChild(s);
    return window.__injected;`);
  assert.equal(ran, 'no');
});

test('eval and new Function are refused', async () => {
  const result = await app.exec(`
    const out = [];
    try { window.eval('1 + 1'); out.push('eval ran'); } catch (e) { out.push('eval blocked'); }
    try { new Function('return 1')(); out.push('Function ran'); } catch (e) { out.push('Function blocked'); }
    return out.join(',');`);
  assert.equal(result, 'eval blocked,Function blocked');
});

test('a script from data: is refused', async () => {
  const ran = await app.exec(`
    return await new Promise((resolve) => {
      window.__dataScript = 'no';
      const s = document.createElement('script');
      s.src = "data:text/javascript,window.__dataScript='yes'";
      s.onload = () => resolve(window.__dataScript);
      s.onerror = () => resolve(window.__dataScript);
      document.body.appendChild(s);
      setTimeout(() => resolve(window.__dataScript), 1500);
    });`);
  assert.equal(ran, 'no');
});

test('navigation to a remote page is refused', async () => {
  await app.exec(`window.location.href = 'https://union.meituan.com/'; return true;`);
  await new Promise((r) => setTimeout(r, 1500));
  const href = await app.exec('return window.location.href');
  assert.match(href, /^(tauri:\/\/localhost|https?:\/\/tauri\.localhost)/);
  // The app is still alive and rendering.
  await app.find('[data-testid="welcome-title"]');
});

test('only the app\'s own commands are callable', async () => {
  const call = (cmd, args = {}) =>
    app.exec(
      `return window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])
         .then((v) => ({ ok: true, v }), (e) => ({ ok: false, e: String(e?.message ?? e) }));`,
      [cmd, args],
    );
  const own = await call('app_info');
  assert.equal(own.ok, true, JSON.stringify(own));
  assert.match(own.v.version, /^\d+\.\d+\.\d+/);
  for (const cmd of ['plugin:fs|read_text_file', 'plugin:shell|execute', 'plugin:http|fetch', 'no_such_command']) {
    const r = await call(cmd, { path: '/etc/passwd' });
    assert.equal(r.ok, false, `${cmd} must be refused, got ${JSON.stringify(r)}`);
  }
  // The opener, notification and window-state plugins are registered for
  // Rust's use only: the page can neither open an address of its choosing,
  // post alerts, nor save or restore the window's state.
  const plugins = [
    ['plugin:opener|open_url', { url: 'https://example.com/' }],
    ['plugin:opener|open_path', { path: '/etc/passwd' }],
    ['plugin:notification|notify', { options: { title: 'x', body: 'y' } }],
    ['plugin:updater|check', {}],
    ['plugin:window-state|save_window_state', { flags: 1 }],
    ['plugin:window-state|restore_state', { label: 'main', flags: 1 }],
  ];
  for (const [cmd, args] of plugins) {
    const r = await call(cmd, args);
    assert.equal(r.ok, false, `${cmd} must be refused, got ${JSON.stringify(r)}`);
  }
});
