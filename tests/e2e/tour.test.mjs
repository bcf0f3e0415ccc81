// The tour: every screen of the main navigation, in Chinese and English, at
// 1280x800 and at the 900x600 minimum, in the real window. On each it checks
// that the document itself never scrolls (only the main pane does) and that
// nothing overflows sideways, and saves a screenshot
// (.e2e/screenshots/tour-<screen>-<lang>-<w>x<h>.png), so a layout
// regression fails CI (issue 19). On Chinese screens it also checks that
// no run of 4 or more English words is shown.
//
// It starts where the shell once broke: the add-account form open and the
// mouse wheel turned over the sidebar, which scrolled the whole app out of
// its window and left a blank band.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { launchApp } from './webdriver.mjs';

const SCREENS = ['accounts', 'search', 'links', 'orders', 'quota', 'callback', 'debugger', 'settings'];
const SIZES = [
  [1280, 800],
  [900, 600],
];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Turns the real mouse wheel (X button 5, down) `clicks` times at (x, y) of the app window. */
function wheelAt(x, y, clicks) {
  execFileSync(
    'xdotool',
    ['search', '--sync', '--name', 'Union Desk', 'mousemove', '--window', '%1', String(x), String(y), 'click', '--repeat', String(clicks), '5'],
    { timeout: 10000 },
  );
}

async function settle(app, screen) {
  await app.find(`main[data-testid="screen-${screen}"]`, 15000);
  const until = Date.now() + 15000;
  while (Date.now() < until) {
    const loading = await app.exec('return Boolean(document.querySelector("main .screen-loading"))');
    if (!loading) break;
    await sleep(100);
  }
  await sleep(400);
}

function assertFits(layout, where) {
  assert.equal(layout.scrollY, 0, `${where}: the document scrolled by ${layout.scrollY} px`);
  assert.ok(layout.docY <= 0, `${where}: the document is ${layout.docY} px taller than the window`);
  assert.ok(layout.docX <= 0, `${where}: the document is ${layout.docX} px wider than the window`);
  assert.ok(layout.mainX <= 1, `${where}: the main pane overflows sideways by ${layout.mainX} px`);
}

test('tour: every screen, both languages, both sizes, no document scroll, no sideways overflow', { timeout: 280000 }, async () => {
  const app = await launchApp();
  try {
    await app.click('[data-testid="start-sandbox"]');
    await app.find('[data-testid="profile-card"]', 20000);

    // The add-account form open, the wheel over the sidebar: nothing moves.
    await app.click('[data-testid="add-profile"]');
    await app.find('[data-testid="add-form"]');
    await app.exec('window.scrollTo(0, 5000)');
    wheelAt(100, 500, 15);
    await sleep(300);
    const shell = await app.layout();
    assertFits(shell, 'add-account form after the wheel over the sidebar');
    await app.screenshot('tour-add-form-wheel-zh');

    for (const [w, h] of SIZES) {
      const [innerW] = await app.resize(w, h);
      assert.ok(innerW <= w && innerW >= w - 40, `the window is ${innerW} px wide, ${w} was asked`);
      for (const lang of ['zh', 'en']) {
        await app.click('[data-testid="nav-settings"]');
        await app.click(`[data-testid="lang-${lang}"]`);
        const want = lang === 'zh' ? 'zh-CN' : 'en';
        const until = Date.now() + 5000;
        while (Date.now() < until && (await app.exec('return document.documentElement.lang')) !== want) await sleep(100);
        for (const screen of SCREENS) {
          await app.click(`[data-testid="nav-${screen}"]`);
          await settle(app, screen);
          assertFits(await app.layout(), `${screen} (${lang}, ${w}x${h})`);
          if (lang === 'zh') {
            // No developer English in the Chinese UI: no run of 4 or more
            // English words in what the screen shows (issue 19 item 3).
            const english = await app.exec(
              `const text = document.querySelector('main').innerText;
               const m = text.match(/[A-Za-z]+(?:[ ,:'-]+[A-Za-z]+){3,}/);
               return m ? m[0] : '';`,
            );
            assert.equal(english, '', `${screen} (zh) shows English: ${english}`);
          }
          await app.screenshot(`tour-${screen}-${lang}-${w}x${h}`);
        }
      }
    }
  } finally {
    await app.close();
  }
});
