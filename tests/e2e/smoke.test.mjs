// GUI smoke test: the real app window under Xvfb, driven through WebDriver.
// First launch opens on the welcome screen in Chinese; switching to English
// changes the text and <html lang>; the choice is remembered on restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchApp } from './webdriver.mjs';

test('first launch: welcome in Chinese, switch to English, remembered', async () => {
  let app = await launchApp();
  const home = app.dataDir;
  try {
    const zh = await app.waitText('[data-testid="welcome-title"]', (t) => t.includes('联盟助手'));
    assert.match(zh, /欢迎使用联盟助手/);
    assert.equal(await app.exec('return document.documentElement.lang'), 'zh-CN');
    // The window starts hidden and is shown once the page has loaded.
    assert.equal(await app.exec('return document.visibilityState'), 'visible');
    // Linux gets its own font stack (ui/src/lib/platform.ts).
    assert.equal(await app.exec('return document.documentElement.dataset.os'), 'linux');
    await app.screenshot('welcome-zh');

    await app.click('[data-testid="lang-en"]');
    const en = await app.waitText('[data-testid="welcome-title"]', (t) => /Welcome/.test(t));
    assert.match(en, /Welcome to Union Desk/);
    assert.equal(await app.exec('return document.documentElement.lang'), 'en');
    assert.equal(await app.attr('[data-testid="lang-en"]', 'aria-pressed'), 'true');
    await app.screenshot('welcome-en');
  } finally {
    await app.close();
  }

  // Same data folder: the language choice survives a restart.
  app = await launchApp({ home });
  try {
    const again = await app.waitText('[data-testid="welcome-title"]', (t) => /Welcome/.test(t));
    assert.match(again, /Welcome to Union Desk/);
  } finally {
    await app.close();
  }
});
