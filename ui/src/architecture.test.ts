// House rules that TypeScript cannot enforce: only the generated bindings
// touch Tauri, only ipc.ts touches the bindings, and nothing loads code or
// fonts from elsewhere.

import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = dirname(fileURLToPath(import.meta.url))
const UI = dirname(SRC)
const BINDINGS = 'lib/bindings.ts'
const IPC = 'lib/ipc.ts'

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return /\.(ts|js|mjs|cjs|svelte)$/.test(entry.name) ? [path] : []
  })
}

/** Module specifiers a file imports, re-exports, requires or loads dynamically. */
export function importedSpecifiers(code: string): string[] {
  const found: string[] = []
  const patterns = [
    /\bimport\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?[\w*{}\s,$]*\s+from\s+['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ]
  for (const pattern of patterns) {
    for (const match of code.matchAll(pattern)) found.push(match[1])
  }
  return found
}

const TAURI = '@tauri-apps/'

function rel(path: string): string {
  return relative(SRC, path).split(sep).join('/')
}

function importsOf(path: string): string[] {
  return importedSpecifiers(readFileSync(path, 'utf8'))
}

describe('the IPC seam', () => {
  it('has the generated bindings in place', () => {
    const path = join(SRC, BINDINGS)
    expect(existsSync(path), `${BINDINGS} is missing: run \`cargo xtask bindings\``).toBe(true)
    expect(importsOf(path).some((s) => s.startsWith(TAURI))).toBe(true)
  })

  it('lets no file but the bindings import @tauri-apps', () => {
    const offenders = sourceFiles(SRC)
      .filter((path) => rel(path) !== BINDINGS)
      .filter((path) => importsOf(path).some((s) => s.startsWith(TAURI)))
      .map(rel)
    expect(offenders).toEqual([])
  })

  it('lets no file but ipc.ts import the bindings', () => {
    const offenders = sourceFiles(SRC)
      .filter((path) => rel(path) !== IPC && rel(path) !== BINDINGS)
      .filter((path) => importsOf(path).some((s) => /(^|\/)bindings(\.ts|\.js)?$/.test(s)))
      .map(rel)
    expect(offenders).toEqual([])
  })

  it('recognises every form of import it guards against', () => {
    // Built at run time so this file itself stays clean.
    const pkg = TAURI + 'api/core'
    const samples = [
      `import { invoke } from '${pkg}'`,
      `import type { X } from "${pkg}"`,
      `import * as core from '${pkg}'`,
      `import '${pkg}'`,
      `export { invoke } from '${pkg}'`,
      `const core = await import('${pkg}')`,
      `const core = require("${pkg}")`,
      `import {\n  invoke,\n  Channel,\n} from '${pkg}'`,
    ]
    for (const sample of samples) {
      expect(importedSpecifiers(sample), sample).toContain(pkg)
    }
    expect(importedSpecifiers(`const note = 'see ${pkg} docs'`)).toEqual([])
  })
})

/** Names of the types and interfaces a TypeScript file declares (exported or not). */
export function declaredTypeNames(code: string): string[] {
  const declaration = /^[ \t]*(?:export\s+)?(?:declare\s+)?(?:type|interface|enum)\s+([A-Za-z_$][\w$]*)/gm
  return [...code.matchAll(declaration)].map((match) => match[1])
}

describe('one source of IPC types and command names', () => {
  const bindingsCode = () => readFileSync(join(SRC, BINDINGS), 'utf8')
  const ipcCode = () => readFileSync(join(SRC, IPC), 'utf8')

  it('declares no type in ipc.ts that the bindings already export', () => {
    const generated = new Set(declaredTypeNames(bindingsCode()))
    // A parser that found nothing would let every duplicate through.
    expect(generated.size).toBeGreaterThan(40)
    expect(generated).toContain('ProfileSummary')
    const twice = declaredTypeNames(ipcCode()).filter((name) => generated.has(name))
    expect(twice, 'use the generated type (ipc.ts re-exports it) instead of declaring it again').toEqual([])
  })

  it('calls no command by a name in a string', () => {
    // `commands[name]` or a cast to a record bypasses the generated signatures.
    expect(ipcCode()).not.toMatch(/commands\s*\[|commands\s+as\s|\binvoke\s*\(/)
  })

  it('recognises every form of type declaration it guards against', () => {
    // The module name is built at run time so this file itself imports nothing.
    const generated = './' + 'bindings'
    const code = [
      'export type A = string',
      'type B = { x: number }',
      'export interface C { y: string }',
      '  interface D {}',
      'export declare type E = number',
      'export enum F { One }',
      `export type * from '${generated}'`,
      `import type { G } from '${generated}'`,
      'const type = 1',
    ].join('\n')
    expect(declaredTypeNames(code)).toEqual(['A', 'B', 'C', 'D', 'E', 'F'])
  })
})

describe('webview lockdown', () => {
  it('never renders raw HTML', () => {
    const offenders = sourceFiles(SRC)
      .filter((path) => path.endsWith('.svelte'))
      .filter((path) => readFileSync(path, 'utf8').includes('{@html'))
      .map(rel)
    expect(offenders).toEqual([])
  })

  it('has no inline script in index.html (CSP script-src self)', () => {
    const html = readFileSync(join(UI, 'index.html'), 'utf8')
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
    expect(scripts.length).toBeGreaterThan(0)
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc=/)
      expect(body.trim()).toBe('')
    }
  })

  it('loads nothing from the network (fonts, styles, scripts)', () => {
    const files = [join(UI, 'index.html'), ...sourceFiles(SRC), join(SRC, 'app.css')]
    const remote = /(?:src|href)\s*=\s*["']https?:|url\(\s*["']?https?:|@import\s+(?:url\()?["']?https?:/i
    const offenders = files
      .filter((path) => !path.endsWith('.test.ts'))
      .filter((path) => remote.test(readFileSync(path, 'utf8')))
      .map((path) => relative(UI, path))
    expect(offenders).toEqual([])
  })
})
