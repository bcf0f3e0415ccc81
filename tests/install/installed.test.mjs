// Install test, second half: the app installed by the .deb (not a build
// output) opens its window in a headless desktop session. Run by
// tests/install/deb.sh, which installs the package first and removes it after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { launchApp, APP } from '../e2e/webdriver.mjs';

const INSTALLED = '/usr/bin/union-desk';

/** PIDs whose executable is `path`, read from /proc (no pgrep pattern games). */
function processesRunning(path) {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/exe`) === path;
      } catch {
        return false;
      }
    });
}

test('the installed union-desk opens its window', async () => {
  assert.equal(APP, INSTALLED, 'run with UNION_DESK_APP=/usr/bin/union-desk');
  const app = await launchApp();
  try {
    const title = await app.waitText('[data-testid="welcome-title"]', (t) => t.includes('联盟助手'), 20000);
    assert.match(title, /联盟助手/, 'the welcome screen rendered from the embedded UI');
    assert.ok(processesRunning(INSTALLED).length > 0, `a process runs ${INSTALLED}`);

    // The window manager sees a mapped window with the product name in its title.
    const ids = execFileSync('xdotool', ['search', '--onlyvisible', '--name', 'Union Desk'], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .filter(Boolean);
    assert.ok(ids.length > 0, 'xdotool finds a visible "Union Desk" window');
    const name = execFileSync('xdotool', ['getwindowname', ids[0]], { encoding: 'utf8' }).trim();
    assert.equal(name, '联盟助手 Union Desk');

    // The data folder is the one we chose, not the user's real one.
    assert.ok(readdirSync(app.dataDir).length > 0, `the app wrote its data into ${app.dataDir}`);

    const shot = await app.screenshot('installed-welcome');
    console.log(`screenshot: ${shot}`);
  } finally {
    await app.close();
  }
});
