// Release configuration checks that need no build: run with
//   node --test tests/install/config.test.mjs
// They guard what a broken release would only reveal on users' machines:
// the updater trusting the wrong key (or a committed private key), the
// update check switched on too early, installers losing their names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const conf = JSON.parse(readFileSync(join(ROOT, 'tauri.conf.json'), 'utf8'));
const read = (p) => readFileSync(join(ROOT, p), 'utf8');

test('updater: a minisign public key, signed artifacts, HTTPS endpoints', () => {
  const updater = conf.plugins?.updater;
  assert.ok(updater, 'plugins.updater is configured');
  const decoded = Buffer.from(updater.pubkey, 'base64').toString('utf8');
  assert.match(decoded, /^untrusted comment: minisign public key: [0-9A-F]{16}\n/);
  // Line 2 is base64 of "Ed" + 8-byte key id + 32-byte Ed25519 key.
  const raw = Buffer.from(decoded.split('\n')[1], 'base64');
  assert.equal(raw.length, 42);
  assert.equal(raw.subarray(0, 2).toString(), 'Ed');
  assert.equal(conf.bundle.createUpdaterArtifacts, true);
  assert.ok(updater.endpoints.length > 0);
  for (const url of updater.endpoints) assert.match(url, /^https:\/\//);
});

test('no updater private key is committed anywhere in the repository', () => {
  // A Tauri/minisign secret key, raw or base64-wrapped as `signer generate` writes it.
  const needles = ['rsign encrypted secret key', 'dW50cnVzdGVkIGNvbW1lbnQ6IHJzaWduIGVuY3J5cHRlZCBzZWNyZXQga2V5'];
  for (const needle of needles) {
    let hits = '';
    try {
      // --untracked: a key file dropped into the work tree counts too.
      hits = execFileSync('git', ['grep', '--untracked', '-l', '-I', '-F', needle, '--', ':!tests/install/config.test.mjs'], {
        cwd: ROOT,
        encoding: 'utf8',
      });
    } catch (e) {
      if (e.status !== 1) throw e; // 1 = no match
    }
    assert.deepEqual(hits.split('\n').filter(Boolean), [], `files containing "${needle}"`);
  }
});

test('the update check stays off: no webview permission, no check call', () => {
  const cap = read('capabilities/main-window.json');
  assert.doesNotMatch(cap, /updater:/, 'the webview may not start an update');
  const lib = read('src-tauri/lib.rs');
  assert.match(lib, /tauri_plugin_updater::Builder::new\(\)\.build\(\)/, 'plugin registered');
  assert.doesNotMatch(lib, /\.check\(\)/, 'no automatic check at start-up');
});

test('installers: names, Chinese desktop entry, pinned MSI upgrade code', () => {
  assert.equal(conf.productName, 'Union Desk');
  assert.equal(conf.mainBinaryName, 'union-desk');
  assert.equal(conf.identifier, 'com.uniondesk.desktop');
  const deb = conf.bundle.linux.deb;
  assert.equal(deb.desktopTemplate, conf.bundle.linux.rpm.desktopTemplate);
  const desktop = read(deb.desktopTemplate);
  assert.match(desktop, /^Name\[zh_CN\]=联盟助手$/m);
  assert.match(desktop, /^Exec=\{\{exec\}\}$/m);
  assert.match(desktop, /^Icon=\{\{icon\}\}$/m);
  assert.equal(conf.bundle.windows.wix.upgradeCode, '0441fa10-be29-5a5c-b401-8616587ec9f2');
  assert.deepEqual(conf.bundle.windows.wix.language, ['zh-CN', 'en-US']);
  assert.ok(conf.bundle.windows.nsis.languages.includes('SimpChinese'));
  assert.ok(conf.bundle.macOS.minimumSystemVersion);
});

test('latest.json: the .deb entry takes the repacked package signature, nothing else changes', async () => {
  const { withDebSignature, DEB_PLATFORM } = await import('../../packaging/release/latest-json-deb.mjs');
  const sig = (text) => Buffer.from(text).toString('base64');
  const oldSig = sig('untrusted comment: signature from tauri secret key\nOLD\n');
  const newSig = sig('untrusted comment: signature from tauri secret key\nNEW\n');
  const manifest = {
    version: '0.2.0',
    notes: '更新说明',
    platforms: {
      'linux-x86_64': { signature: 'A', url: 'https://example.invalid/u.AppImage' },
      [DEB_PLATFORM]: { signature: oldSig, url: 'https://example.invalid/u.deb' },
      'windows-x86_64': { signature: 'W', url: 'https://example.invalid/u.exe' },
    },
  };
  const updated = JSON.parse(withDebSignature(JSON.stringify(manifest), `${newSig}\n`));
  assert.equal(updated.platforms[DEB_PLATFORM].signature, newSig);
  const expected = structuredClone(manifest);
  expected.platforms[DEB_PLATFORM].signature = newSig;
  assert.deepEqual(updated, expected);

  // No .deb entry: nothing to rewrite.
  delete manifest.platforms[DEB_PLATFORM];
  assert.equal(withDebSignature(JSON.stringify(manifest), newSig), null);
  // Bad inputs are refused with a reason, never written through.
  assert.throws(() => withDebSignature('{not json', newSig), /not JSON/);
  assert.throws(() => withDebSignature('{"version":"1"}', newSig), /platforms/);
  assert.throws(() => withDebSignature(JSON.stringify(manifest), 'not a signature!'), /not a Tauri updater signature/);
  assert.throws(() => withDebSignature(JSON.stringify(manifest), sig('hello')), /not a Tauri updater signature/);
});

test('latest.json fix: the command rewrites the file in place', async () => {
  const { mkdtempSync, writeFileSync: write, readFileSync: readBack, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'latest-json-'));
  try {
    const newSig = Buffer.from('untrusted comment: x\nNEW\n').toString('base64');
    write(join(dir, 'latest.json'), JSON.stringify({ platforms: { 'linux-x86_64-deb': { signature: 'old', url: 'u' } } }));
    write(join(dir, 'u.deb.sig'), newSig);
    const script = join(ROOT, 'packaging/release/latest-json-deb.mjs');
    execFileSync('node', [script, join(dir, 'latest.json'), join(dir, 'u.deb.sig')]);
    assert.equal(JSON.parse(readBack(join(dir, 'latest.json'), 'utf8')).platforms['linux-x86_64-deb'].signature, newSig);
    write(join(dir, 'bad.json'), '{');
    assert.throws(() => execFileSync('node', [script, join(dir, 'bad.json'), join(dir, 'u.deb.sig')], { stdio: 'pipe' }));
    assert.equal(readBack(join(dir, 'bad.json'), 'utf8'), '{');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
