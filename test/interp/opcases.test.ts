/**
 * The OP_CASES registry against the interpreter: every case builds its op, evaluates without error
 * to the node's shape and dtype with finite values, and its data generator is deterministic and
 * respects the constraints the case relies on.
 */
import { describe, expect, it } from 'vitest';
import { shapeStr } from '../../src/core/tensor.js';
import { OP_NAMES } from '../../src/ir/ops.js';
import { topoSort, withNodeScope } from '../../src/ir/node.js';
import type { Sym } from '../../src/ir/sym.js';
import { trace } from '../../src/ir/trace.js';
import { evaluate } from '../../src/interp/index.js';
import { OP_CASES, type CasedOp, allOpCases, caseInputs } from '../opcases.js';

describe('OP_CASES registry', () => {
  it('covers every op except the sources, with several cases each', () => {
    const ops = OP_NAMES.filter((o) => o !== 'input' && o !== 'const');
    expect(Object.keys(OP_CASES).sort()).toEqual([...ops].sort());
    for (const op of ops) expect(OP_CASES[op as CasedOp].length, op).toBeGreaterThanOrEqual(4);
  });
  it('names are unique within an op and diff has one flag per input, false for non-float inputs', () => {
    for (const op of Object.keys(OP_CASES) as CasedOp[]) {
      const names = OP_CASES[op].map((c) => c.name);
      expect(new Set(names).size, op).toBe(names.length);
      for (const c of OP_CASES[op]) {
        expect(c.diff.length, c.name).toBe(c.specs.length);
        c.specs.forEach((s, i) => { if (s.dtype !== 'float32') expect(c.diff[i], c.name).toBe(false); });
      }
    }
  });
  it('comparisons, sign, floor, cast and stopGradient are never differentiated', () => {
    for (const op of ['eq', 'lt', 'le', 'gt', 'ge', 'sign', 'floor', 'cast', 'stopGradient'] as CasedOp[]) {
      for (const c of OP_CASES[op]) expect(c.diff.every((d) => !d), c.name).toBe(true);
    }
  });
  it('dft covers the required lengths in both directions', () => {
    for (const n of [1, 2, 3, 5, 8, 12, 15, 16, 20, 64]) {
      expect(OP_CASES.dft.some((c) => c.name.includes(`forward N=${n} `))).toBe(true);
      expect(OP_CASES.dft.some((c) => c.name.includes(`inverse N=${n} `))).toBe(true);
    }
  });
  it('caseInputs is deterministic per seed and differs across seeds', () => {
    const c = OP_CASES.conv[0]!;
    const a = caseInputs(c, 7);
    const b = caseInputs(c, 7);
    const d = caseInputs(c, 8);
    expect([...a[0]!.data]).toEqual([...b[0]!.data]);
    expect([...a[0]!.data]).not.toEqual([...d[0]!.data]);
    expect([...a[0]!.data]).not.toEqual([...a[1]!.data].slice(0, a[0]!.data.length));
  });
  it('generators respect their constraints', () => {
    const minAbs = (op: CasedOp) => Math.min(...OP_CASES[op].flatMap((c) => caseInputs(c, 3).filter((t) => t.dtype === 'float32').flatMap((t) => [...t.data].map(Math.abs))));
    expect(minAbs('abs')).toBeGreaterThanOrEqual(0.1 - 1e-7);
    expect(minAbs('relu')).toBeGreaterThanOrEqual(0.1 - 1e-7);
    for (const c of [...OP_CASES.log, ...OP_CASES.sqrt]) for (const v of caseInputs(c, 3)[0]!.data) expect(v).toBeGreaterThan(0);
    // maximum/minimum operands never come closer than 0.09 (no ties for finite differences)
    for (const c of [...OP_CASES.maximum, ...OP_CASES.minimum]) {
      if (c.specs[0]!.dtype !== 'float32') continue;
      const [a, b] = caseInputs(c, 5);
      for (const u of a!.data) for (const v of b!.data) expect(Math.abs(u - v)).toBeGreaterThan(0.09);
    }
    // floor data is away from integers
    for (const c of OP_CASES.floor.slice(0, 4)) for (const v of caseInputs(c, 3)[0]!.data) expect(Math.abs(v - Math.round(v))).toBeGreaterThan(0.09);
    // indices are in range
    for (const c of [...OP_CASES.gather, ...OP_CASES.scatterAdd]) expect(() => caseInputs(c, 11)).not.toThrow();
  });
  it('tensors stay small (≤ 2k elements per input)', () => {
    for (const [, c] of allOpCases()) for (const s of c.specs) expect(s.dims.reduce((p, d) => p * d, 1), c.name).toBeLessThanOrEqual(2048);
  });
});

describe('every case evaluates on the interpreter', () => {
  for (const [op, c] of allOpCases()) {
    it(`${op}: ${c.name}`, () => {
      withNodeScope(() => {
        const t = trace((...xs: Sym[]) => c.fn(...xs), c.specs);
        const out = t.outputs[0]!.node;
        expect(topoSort([out]).some((n) => n.op === op), 'graph contains the op under test').toBe(true);
        const [y] = evaluate([out], caseInputs(c, 1));
        expect(shapeStr(y!.dims)).toBe(shapeStr(out.shape));
        expect(y!.dtype).toBe(out.dtype);
        if (y!.dtype === 'float32') for (const v of y!.data) expect(Number.isFinite(v)).toBe(true);
      });
    });
  }
});
