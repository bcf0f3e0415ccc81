// A minimal W3C WebDriver client over fetch (Node 20), plus helpers that
// start tauri-driver and the real Union Desk window. No npm dependencies.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import net from 'node:net';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const APP = process.env.UNION_DESK_APP ?? join(ROOT, 'target', 'debug', 'union-desk');
export const SHOTS = join(ROOT, '.e2e', 'screenshots');
export const LOGS = join(ROOT, '.e2e', 'logs');

function findTauriDriver() {
  const cargoHome = process.env.CARGO_HOME ?? join(homedir(), '.cargo');
  const candidates = [join(cargoHome, 'bin', 'tauri-driver')];
  for (const dir of (process.env.PATH ?? '').split(':')) candidates.push(join(dir, 'tauri-driver'));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error('tauri-driver not found: run `cargo xtask setup`');
  return found;
}

async function freePort() {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
    srv.on('error', rej);
  });
}

async function waitForPort(port, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise((res) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); res(true); });
      s.on('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listened on port ${port} within ${ms} ms`);
}

/**
 * The pids of app processes that use `dataDir` (Linux: read from /proc;
 * elsewhere an empty list). The app may leave the driver's process group,
 * so close() looks for it by its data folder.
 */
export function appProcesses(dataDir) {
  if (process.platform !== 'linux') return [];
  const wanted = `UNION_DESK_HOME=${dataDir}`;
  const pids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const env = readFileSync(`/proc/${name}/environ`, 'latin1').split('\0');
      const exe = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0')[0];
      if (env.includes(wanted) && exe.endsWith('union-desk')) pids.push(Number(name));
    } catch { /* gone, or not ours to read */ }
  }
  return pids;
}

/** Kills the app processes of `dataDir` and waits (up to 10 s) until none is left. */
async function stopAppProcesses(dataDir) {
  const until = Date.now() + 10000;
  for (;;) {
    const pids = appProcesses(dataDir);
    if (pids.length === 0) return;
    if (Date.now() > until) throw new Error(`app processes of ${dataDir} outlived close(): ${pids.join(', ')}`);
    for (const pid of pids) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts tauri-driver and opens a WebDriver session on the real app window.
 * A session that cannot be created (the driver or WebKitWebDriver died on
 * a busy machine) is tried once more with a fresh driver.
 */
export async function launchApp({ home } = {}) {
  if (!existsSync(APP)) throw new Error(`app binary missing: ${APP} (cargo build -p union-desk)`);
  // UNION_DESK_E2E_DIR keeps the data folders for the secret-leak scan.
  const parent = process.env.UNION_DESK_E2E_DIR ?? tmpdir();
  mkdirSync(parent, { recursive: true });
  const dataDir = home ?? mkdtempSync(join(parent, 'union-desk-e2e-'));
  // An app still running on this data folder would take the new launch
  // over (single instance) and the new session would never open.
  await stopAppProcesses(dataDir);
  try {
    return await startSession(dataDir);
  } catch (first) {
    console.error(`# launchApp: ${first.message}; trying once more`);
    await stopAppProcesses(dataDir);
    return startSession(dataDir);
  }
}

async function startSession(dataDir) {
  const port = await freePort();
  const nativePort = await freePort();
  // The driver, WebKitWebDriver and the app get their own process group (so
  // close() can stop all of them) and write to a log file rather than to this
  // process's stdout: a helper that outlived its parent must never hold the
  // test runner's pipe open.
  mkdirSync(LOGS, { recursive: true });
  const logFd = openSync(join(LOGS, `tauri-driver-${port}.log`), 'a');
  const driver = spawn(findTauriDriver(), ['--port', String(port), '--native-port', String(nativePort)], {
    env: { ...process.env, UNION_DESK_HOME: dataDir },
    stdio: ['ignore', logFd, logFd],
    detached: true,
  });
  closeSync(logFd);
  await waitForPort(port, 20000);
  const base = `http://127.0.0.1:${port}`;
  const session = new Session(base, null, driver, dataDir);
  try {
    const res = await call(base, 'POST', '/session', {
      capabilities: {
        alwaysMatch: { browserName: 'wry', 'tauri:options': { application: APP } },
      },
    });
    if (!res.sessionId) throw new Error(`no WebDriver session: ${JSON.stringify(res)}`);
    session.id = res.sessionId;
    await session.recordIpc();
  } catch (e) {
    await session.close();
    throw e;
  }
  return session;
}

// Records every IPC reply (and error) the app sends the webview, then close()
// writes them into the data folder, where the secret-leak scan reads them: a
// secret in any IPC reply fails CI. Tauri's own `invoke` cannot be wrapped
// (non-writable), but on every platform it reaches the backend with fetch()
// to its IPC protocol, so the recorder wraps fetch and keeps the text of
// those responses. Replies only: arguments legitimately carry a secret the
// user pastes in.
const IPC_RECORDER = `
  if (window.__udRecorder) return 'already';
  const log = (window.__udIpcLog = window.__udIpcLog || []);
  const original = window.fetch;
  const isIpc = (url) => url.startsWith('ipc://localhost/') || url.startsWith('http://ipc.localhost/');
  window.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : (input && input.url) || '';
    const response = await original(input, init);
    if (isIpc(url)) {
      const cmd = decodeURIComponent(url.replace(/^[a-z]+:\\/\\/[^/]+\\//, '').split('?')[0]);
      try {
        log.push({ cmd, ok: response.ok, reply: await response.clone().text() });
      } catch (e) {
        log.push({ cmd, ok: response.ok, reply: 'unreadable: ' + e });
      }
    }
    return response;
  };
  window.__udRecorder = true;
  return window.fetch === original ? 'frozen' : 'installed';
`;

async function call(base, method, path, body) {
  const r = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status} ${JSON.stringify(json.value ?? json)}`);
  return json.value ?? json;
}

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class Session {
  constructor(base, id, driver, dataDir) {
    this.base = base;
    this.id = id;
    this.driver = driver;
    this.dataDir = dataDir;
  }
  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }
  async find(css, timeoutMs = 10000) {
    const until = Date.now() + timeoutMs;
    let last;
    while (Date.now() < until) {
      try {
        const el = await this.cmd('POST', '/element', { using: 'css selector', value: css });
        return el[ELEMENT];
      } catch (e) {
        last = e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`element ${css} not found: ${last}`);
  }
  /** Visible text of the first match (WebKitWebDriver's /text is unreliable here). */
  async text(css) {
    await this.find(css);
    return this.exec(
      'const el = document.querySelector(arguments[0]); return el ? (el.innerText ?? el.textContent).trim() : null;',
      [css],
    );
  }
  /** Waits until the element's text satisfies `pred`; returns the last text. */
  async waitText(css, pred, timeoutMs = 10000) {
    const until = Date.now() + timeoutMs;
    let t = '';
    while (Date.now() < until) {
      try {
        t = await this.text(css);
        if (pred(t)) return t;
      } catch { /* re-rendered: try again */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    return t;
  }
  async click(css) {
    await this.cmd('POST', `/element/${await this.find(css)}/click`, {});
  }
  async type(css, value) {
    const el = await this.find(css);
    await this.cmd('POST', `/element/${el}/clear`, {});
    await this.cmd('POST', `/element/${el}/value`, { text: value });
  }
  async attr(css, name) {
    return this.cmd('GET', `/element/${await this.find(css)}/attribute/${name}`);
  }
  async exec(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }
  /**
   * Saves what the screen shows. The capture is taken from the X display
   * (ImageMagick `import`), not with WebDriver's screenshot command: WebKitGTK
   * never answers that command when it draws without its DMA-BUF renderer,
   * the app's Linux default (src-tauri/lib.rs). Two animation frames are
   * awaited first, so the last change is painted.
   */
  async screenshot(name) {
    await this.cmd('POST', '/execute/async', {
      script:
        'const done = arguments[arguments.length - 1];' +
        'requestAnimationFrame(() => requestAnimationFrame(() => done(true)));',
      args: [],
    });
    mkdirSync(SHOTS, { recursive: true });
    const file = join(SHOTS, `${name}.png`);
    const png = execFileSync('import', ['-silent', '-window', 'root', 'png:-'], {
      maxBuffer: 64 * 1024 * 1024,
      timeout: 20000,
    });
    writeFileSync(file, png);
    return file;
  }
  /**
   * How the page sits in its window: how far the document itself can scroll
   * (down and sideways) and how far the main pane overflows sideways. A
   * healthy shell has 0 for all three: only the main pane scrolls, and only
   * downwards.
   */
  async layout() {
    return this.exec(`
      const d = document.scrollingElement || document.documentElement;
      const m = document.querySelector('main');
      return {
        docY: d.scrollHeight - d.clientHeight,
        docX: d.scrollWidth - d.clientWidth,
        mainX: m ? m.scrollWidth - m.clientWidth : 0,
        scrollY: window.scrollY,
        width: window.innerWidth,
        height: window.innerHeight,
      };`);
  }
  /**
   * Resizes the app window to width x height (its outer size) and waits
   * until the page has seen the new size. WebDriver's Set Window Rect first;
   * where the driver cannot, xdotool resizes the X window by its title.
   */
  async resize(width, height) {
    const before = await this.exec('return [window.innerWidth, window.innerHeight]');
    try {
      await this.cmd('POST', '/window/rect', { width, height });
    } catch {
      execFileSync('xdotool', ['search', '--sync', '--name', 'Union Desk', 'windowsize', '%@', String(width), String(height)], {
        timeout: 10000,
      });
    }
    const until = Date.now() + 10000;
    while (Date.now() < until) {
      const now = await this.exec('return [window.innerWidth, window.innerHeight]');
      if (now[0] !== before[0] || now[1] !== before[1] || (now[0] <= width && now[0] >= width - 40)) return now;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the window did not resize to ${width}x${height}`);
  }

  async recordIpc() {
    const until = Date.now() + 10000;
    let state = 'not-ready';
    while (state === 'not-ready' && Date.now() < until) {
      state = await this.exec(IPC_RECORDER).catch(() => 'not-ready');
      if (state === 'not-ready') await new Promise((r) => setTimeout(r, 100));
    }
    if (state !== 'installed' && state !== 'already') throw new Error(`IPC recorder not installed: ${state}`);
  }
  /** The IPC replies kept so far: [{cmd, ok, reply}]. */
  async ipcLog() {
    return JSON.parse(await this.exec('return JSON.stringify(window.__udIpcLog || []);'));
  }
  /** Ends the session (closing the app), then stops the driver's whole process group for sure. */
  async close() {
    if (this.id) {
      try {
        const log = await this.ipcLog();
        writeFileSync(join(this.dataDir, `ipc-replies-${this.id}.json`), JSON.stringify(log, null, 1));
      } catch { /* window already gone: nothing more to keep */ }
      try { await this.cmd('DELETE', ''); } catch { /* window already gone */ }
    }
    const group = -this.driver.pid;
    const signal = (sig) => { try { process.kill(group, sig); } catch { /* group already gone */ } };
    if (this.driver.exitCode === null && this.driver.signalCode === null) {
      const exited = new Promise((r) => this.driver.once('exit', r));
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    // WebKitWebDriver and the app may outlive tauri-driver: end the rest of the group.
    signal('SIGKILL');
    await stopAppProcesses(this.dataDir);
  }

}
