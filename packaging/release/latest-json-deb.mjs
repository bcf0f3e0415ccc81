#!/usr/bin/env node
// Puts the xz-repacked .deb's updater signature into latest.json.
//
//   node packaging/release/latest-json-deb.mjs LATEST_JSON DEB_SIG
//
// tauri-action writes latest.json from the .deb it built (gzip). The release
// workflow then replaces that .deb with the xz repack and its new `.sig`
// (cargo xtask package), so the `linux-x86_64-deb` entry must carry the new
// signature, or an updater on a .deb install would refuse the download.
// The file is rewritten only when that entry exists; every other platform
// is left exactly as it was.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const DEB_PLATFORM = 'linux-x86_64-deb';

/**
 * Returns the new latest.json text, or null when there is no .deb entry.
 * Throws on input that is not a Tauri updater manifest or signature.
 */
export function withDebSignature(latestText, sigText) {
  let manifest;
  try {
    manifest = JSON.parse(latestText);
  } catch (e) {
    throw new Error(`latest.json is not JSON: ${e.message}`);
  }
  if (!manifest || typeof manifest.platforms !== 'object' || manifest.platforms === null) {
    throw new Error('latest.json has no "platforms" object');
  }
  const signature = sigText.trim();
  // A Tauri .sig is base64 of a minisign signature file (starts "untrusted comment:").
  const decoded = Buffer.from(signature, 'base64').toString('utf8');
  if (!/^[A-Za-z0-9+/]+=*$/.test(signature) || !decoded.startsWith('untrusted comment:')) {
    throw new Error('the .sig file is not a Tauri updater signature');
  }
  const entry = manifest.platforms[DEB_PLATFORM];
  if (!entry) return null;
  entry.signature = signature;
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

function main([latestPath, sigPath]) {
  if (!latestPath || !sigPath) {
    console.error('usage: latest-json-deb.mjs LATEST_JSON DEB_SIG');
    return 2;
  }
  const updated = withDebSignature(readFileSync(latestPath, 'utf8'), readFileSync(sigPath, 'utf8'));
  if (updated === null) {
    console.log(`latest.json has no ${DEB_PLATFORM} entry: left unchanged`);
    return 0;
  }
  writeFileSync(latestPath, updated);
  console.log(`latest.json: ${DEB_PLATFORM} now carries the repacked .deb's signature`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exitCode = 1;
  }
}
