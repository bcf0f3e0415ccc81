// What a desktop user expects of the window (issue 19 item 14), in the real
// app under Xvfb: opening the app a second time hands over to the running
// one (which focuses its window) and the second process ends; a quit asked
// by the system (SIGTERM, as at logout) is a clean quit; and the window
// comes back at the size the user left it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP, appProcesses, launchApp } from './webdriver.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check()` is truthy; returns its last value. */
async function until(check, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The app's log text (all files of its data folder's log folder). */
function logText(dataDir) {
  const dir = join(dataDir, 'logs');
  if (!existsSync(dir)) return '';
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

test('desktop: a second launch hands over, a system quit keeps the window size, which comes back', async () => {
  let app = await launchApp();
  const home = app.dataDir;
  let size;
  try {
    await app.waitText('[data-testid="welcome-title"]', (t) => t.length > 0);
    // Another size than tauri.conf.json's 1200x780, so a restore shows.
    size = await app.resize(1010, 690);
    const [pid] = appProcesses(home);
    assert.ok(pid, 'the app runs on its data folder');

    // A second launch on the same data folder: it hands over and ends.
    const second = spawn(APP, [], { env: { ...process.env, UNION_DESK_HOME: home }, stdio: 'ignore' });
    const exit = await Promise.race([
      new Promise((r) => second.once('exit', (code, signal) => r({ code, signal }))),
      sleep(15000).then(() => 'still running'),
    ]);
    if (exit === 'still running') second.kill('SIGKILL');
    assert.deepEqual(exit, { code: 0, signal: null }, 'the second launch ends by itself');
    assert.deepEqual(appProcesses(home), [pid], 'only the first app is left');
    await until(() => /opened again: focusing this window/.test(logText(home)), 10000, 'the hand-over in the log');
    // The first window still answers, shown.
    assert.equal(await app.exec('return document.visibilityState'), 'visible');

    // The system asks the app to quit (a logout sends SIGTERM).
    process.kill(pid, 'SIGTERM');
    await until(() => appProcesses(home).length === 0, 10000, 'the app to quit on SIGTERM');
    assert.match(logText(home), /asked to quit by the system/);
    assert.doesNotMatch(logText(home), /quitting did not finish in time/);
    const kept = JSON.parse(readFileSync(join(home, 'window-state.json'), 'utf8'));
    const main = kept.main;
    assert.ok(main, `the main window's state is kept: ${JSON.stringify(kept)}`);
    assert.ok(Math.abs(main.width - 1010) <= 40 && Math.abs(main.height - 690) <= 60, JSON.stringify(main));
  } finally {
    await app.close();
  }

  // Started again: the window has the size it was left with.
  app = await launchApp({ home });
  try {
    await app.waitText('[data-testid="welcome-title"]', (t) => t.length > 0);
    const now = await app.exec('return [window.innerWidth, window.innerHeight]');
    assert.deepEqual(now, size, `restored inner size ${now} (left at ${size})`);
  } finally {
    await app.close();
  }
});
