/**
 * Architecture check: the import direction of design.md §2.
 * core ← ir ← {interp, autodiff, onnx} ← runtime; nn/physics/diffusion/optim/train never import
 * runtime-binding code (node/, web/, cli/) or a concrete ORT package; only node/ and web/ import ORT;
 * web/ (browser code) imports neither node/ nor cli/ nor any `node:` builtin.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function layer(p: string): string {
  const rel = relative(SRC, p);
  return rel.includes('/') ? rel.split('/')[0]! : '(root)';
}

/** Which top-level folders each folder may import from (besides itself). */
const ALLOWED: Record<string, string[]> = {
  core: [],
  ir: ['core'],
  interp: ['core', 'ir'],
  autodiff: ['core', 'ir'],
  onnx: ['core', 'ir'],
  runtime: ['core', 'ir', 'onnx', 'autodiff'],
  metrics: ['core'],
  io: ['core'],
  nn: ['core', 'ir', 'autodiff', 'io'],
  train: ['core', 'ir', 'autodiff', 'nn', 'io', 'runtime', 'metrics', 'diffusion'],
  physics: ['core', 'ir', 'autodiff', 'io'],
  optim: ['core', 'ir', 'autodiff', 'physics', 'nn', 'metrics'],
  diffusion: ['core', 'ir', 'autodiff', 'nn', 'physics', 'optim'],
  node: ['*'],
  web: ['*'], // but see DENIED
  cli: ['(root)', 'node', 'io'], // a consumer of the public API only (the catalogue, the Node entry, codecs)
  '(root)': ['*'],
};
/** Single files allowed more than their folder: the standalone model export wraps registry models. */
const FILE_ALLOWED: Record<string, string[]> = { 'onnx/export.ts': ['nn', 'diffusion'] };
/** Folders a folder must not import even under '*' (browser code must not reach Node-only code). */
const DENIED: Record<string, string[]> = { web: ['node', 'cli'] };
const ORT = /^onnxruntime-(node|web)$/;

describe('import direction (design.md §2)', () => {
  const all = files(SRC);
  it('finds the source tree', () => expect(all.length).toBeGreaterThan(5));
  for (const f of all) {
    const from = layer(f);
    it(relative(SRC, f), () => {
      const text = readFileSync(f, 'utf8');
      const specs = [...text.matchAll(/^\s*(import type|import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => ({ typeOnly: m[1] === 'import type', s: m[2]! }));
      for (const { typeOnly, s } of specs) {
        if (ORT.test(s)) {
          if (typeOnly && from === 'runtime') continue; // the runtime may name ORT's types, never load it
          expect(['node', 'web'], `${relative(SRC, f)} imports ${s}`).toContain(from);
          continue;
        }
        if (from === 'web') expect(s.startsWith('node:'), `${relative(SRC, f)} (browser code) imports the Node builtin ${s}`).toBe(false);
        if (!s.startsWith('.')) continue;
        const to = layer(resolve(dirname(f), s));
        if (to === from) continue;
        expect(DENIED[from] ?? [], `${relative(SRC, f)} (${from}) must not import ${s} (${to})`).not.toContain(to);
        const ok = [...(ALLOWED[from] ?? []), ...(FILE_ALLOWED[relative(SRC, f)] ?? [])];
        expect(ok.includes('*') || ok.includes(to), `${relative(SRC, f)} (${from}) must not import ${s} (${to})`).toBe(true);
      }
    });
  }
});
