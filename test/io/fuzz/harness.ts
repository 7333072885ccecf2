import { expect } from 'vitest';
import { type ErrorCode, MedreconError } from '../../../src/core/errors.js';
import type { Rng } from '../../../src/core/rng.js';

export const CASE_MS = 500; // per-case time bound (generous for slow CI; typical cases take < 5 ms)
export const ALLOC_SLACK = 64 * 1024 * 1024; // bytes of ArrayBuffer growth tolerated per case

export interface Outcome {
  ok: number;
  codes: Record<string, number>;
}

/**
 * Run `read(input)`: it must return, or throw a MedreconError with one of `codes`; never another
 * error; within CASE_MS; and without ArrayBuffer memory growing by more than
 * `maxFactor × input.length + ALLOC_SLACK` (measured without a GC in between, so short-lived
 * allocations count too).
 */
export function fuzzCase(label: string, read: (b: Uint8Array) => unknown, input: Uint8Array, out: Outcome, codes: ErrorCode[] = ['CORRUPT_FILE', 'UNSUPPORTED'], maxFactor = 16): void {
  const before = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  let err: unknown;
  try {
    read(input);
  } catch (e) {
    err = e;
  }
  const ms = performance.now() - t0;
  const grown = process.memoryUsage().arrayBuffers - before;
  expect(ms, `${label}: took ${ms.toFixed(1)} ms`).toBeLessThan(CASE_MS);
  expect(grown, `${label}: ArrayBuffers grew by ${grown} bytes`).toBeLessThan(maxFactor * input.length + ALLOC_SLACK);
  if (err === undefined) {
    out.ok++;
    return;
  }
  if (!(err instanceof MedreconError) || !codes.includes(err.code)) {
    throw new Error(`${label}: expected MedreconError ${codes.join('|')}, got ${String(err)}\n${(err as Error)?.stack ?? ''}`);
  }
  out.codes[err.code] = (out.codes[err.code] ?? 0) + 1;
}

export const newOutcome = (): Outcome => ({ ok: 0, codes: {} });

/** Truncation lengths: every length up to `dense`, then `extra` random ones below the full length. */
export function truncations(len: number, rng: Rng, dense = 64, extra = 40): number[] {
  const out = new Set<number>();
  for (let i = 0; i < Math.min(dense, len); i++) out.add(i);
  for (let i = 0; i < extra; i++) out.add(rng.int(len));
  out.add(len - 1);
  return [...out].filter((n) => n >= 0 && n < len).sort((a, b) => a - b);
}

/** `count` copies of `b`, each with 1–3 random bits flipped in [from, to). */
export function bitFlips(b: Uint8Array, rng: Rng, count: number, from = 0, to = b.length): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const c = b.slice();
    const k = 1 + rng.int(3);
    for (let j = 0; j < k; j++) {
      const p = from + rng.int(Math.max(1, Math.min(to, b.length) - from));
      c[p] = c[p]! ^ (1 << rng.int(8));
    }
    out.push(c);
  }
  return out;
}

/** Patch little/big-endian integers into a copy. */
export function patched(b: Uint8Array, edits: [offset: number, bytes: 1 | 2 | 4 | 8, value: number | bigint, le?: boolean][]): Uint8Array {
  const c = b.slice();
  const dv = new DataView(c.buffer);
  for (const [o, n, v, le = true] of edits) {
    if (n === 1) dv.setUint8(o, Number(v));
    else if (n === 2) dv.setUint16(o, Number(v) & 0xffff, le);
    else if (n === 4) dv.setUint32(o, Number(BigInt.asUintN(32, BigInt(v))), le);
    else dv.setBigUint64(o, BigInt.asUintN(64, BigInt(v)), le);
  }
  return c;
}

/** Index of the first occurrence of `pattern` in `b` (or -1). */
export function indexOf(b: Uint8Array, pattern: number[], from = 0): number {
  outer: for (let i = from; i + pattern.length <= b.length; i++) {
    for (let j = 0; j < pattern.length; j++) if (b[i + j] !== pattern[j]) continue outer;
    return i;
  }
  return -1;
}
