import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { type ErrorCode, isMedreconError } from '../../../src/core/errors.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const fixture = (...p: string[]): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, ...p)));

/** Assert `f` throws a MedreconError with one of `codes`. */
export function expectCode(f: () => unknown, ...codes: ErrorCode[]): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a throw').toBeDefined();
  expect(codes.some((c) => isMedreconError(err, c)), `expected ${codes.join('|')}, got ${String(err)}`).toBe(true);
}

export function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}
export function minmax(a: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < lo) lo = a[i]!;
    if (a[i]! > hi) hi = a[i]!;
  }
  return [lo, hi];
}
