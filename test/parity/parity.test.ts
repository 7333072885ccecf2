/**
 * ONNX Runtime vs the reference interpreter, for every op and every case of OP_CASES.
 *
 * All cases of one op are compiled into one graph (one ORT session per op) whose outputs are the
 * cases' outputs; if that graph fails, the cases are rerun one by one to name the failing case.
 * Float outputs are compared with |ort − ref| ≤ atol + rtol·|ref|: exactly for ops that only move
 * or select values, within 2 ulp for single correctly-rounded arithmetic, else the case's `tol`
 * (default rtol 1e-5, atol 1e-6). int32 and bool outputs must be equal.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { HostTensor } from '../../src/core/tensor.js';
import { evaluate } from '../../src/interp/index.js';
import { type Node, OP_GROUP, type OpName, type Sym, trace, withNodeScope } from '../../src/ir/index.js';
import { createRuntime } from '../../src/node/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { type CasedOp, OP_CASES, type OpCase, caseInputs } from '../opcases.js';

const EXACT = new Set<OpName>([
  'neg', 'abs', 'sign', 'floor', 'relu', 'stopGradient', 'maximum', 'minimum', 'eq', 'lt', 'le', 'gt', 'ge', 'where',
  'reduceMax', 'reduceMin', 'reshape', 'transpose', 'expand', 'slice', 'pad', 'concat', 'flip', 'gather', 'cast',
]);
const ULP = new Set<OpName>(['add', 'sub', 'mul', 'div', 'sqrt', 'reciprocal']);
const EPS32 = 2 ** -23;

function tolFor(op: OpName, c: OpCase): { rtol: number; atol: number } {
  if (c.tol) return { rtol: c.tol.rtol ?? 1e-5, atol: c.tol.atol ?? 1e-6 };
  if (EXACT.has(op)) return { rtol: 0, atol: 0 };
  if (ULP.has(op)) return { rtol: 2 * EPS32, atol: 0 };
  return { rtol: 1e-5, atol: 1e-6 };
}

/** First mismatch as a message, or null. */
export function compareTensors(got: HostTensor, want: HostTensor, tol: { rtol: number; atol: number }): string | null {
  if (got.dtype !== want.dtype) return `dtype ${got.dtype} vs ${want.dtype}`;
  if (got.dims.join(',') !== want.dims.join(',')) return `dims [${got.dims}] vs [${want.dims}]`;
  const exact = got.dtype !== 'float32';
  for (let i = 0; i < want.data.length; i++) {
    const a = got.data[i]!;
    const b = want.data[i]!;
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    const bad = exact ? a !== b : !(Math.abs(a - b) <= tol.atol + tol.rtol * Math.abs(b)) && a !== b;
    if (bad) return `index ${i}: ort ${a} vs ref ${b} (|diff| ${Math.abs(a - b)}, rtol ${tol.rtol}, atol ${tol.atol})`;
  }
  return null;
}

function reference(c: OpCase, xs: HostTensor[]): HostTensor {
  return withNodeScope(() => {
    const t = trace((...s: Sym[]) => c.fn(...s), c.specs);
    return evaluate([t.outputs[0]!.node as Node], xs)[0]!;
  });
}

let rt: Runtime;
beforeAll(() => {
  rt = createRuntime({ threads: 1 });
});

const SEED = 7;

describe('ORT vs interpreter parity (OP_CASES)', () => {
  for (const op of Object.keys(OP_CASES) as CasedOp[]) {
    const cases = OP_CASES[op];
    it(`${op} (${cases.length} cases)`, async () => {
      const inputs = cases.map((c) => caseInputs(c, SEED));
      const refs = cases.map((c, k) => reference(c, inputs[k]!));
      const grouped = (args: Sym[][]) => args.map((xs, k) => cases[k]!.fn(...xs));
      let outs: HostTensor[] | null = null;
      try {
        const f = rt.compile(grouped, [cases.map((c) => c.specs)]);
        // The graph must contain the op under test (guards against a case that simplifies it away).
        expect(f.dump()).toContain(` = ${op}`);
        outs = (await f.runHost(inputs)) as HostTensor[];
      } catch {
        outs = null;
      }
      const failures: string[] = [];
      for (let k = 0; k < cases.length; k++) {
        const c = cases[k]!;
        let got: HostTensor;
        if (outs) got = outs[k]!;
        else {
          try {
            got = (await rt.compile((...xs: Sym[]) => c.fn(...xs), c.specs).runHost(...inputs[k]!)) as HostTensor;
          } catch (e) {
            failures.push(`${c.name}: ${(e as Error).message}`);
            continue;
          }
        }
        const msg = compareTensors(got, refs[k]!, tolFor(op, c));
        if (msg) failures.push(`${c.name}: ${msg}`);
      }
      expect(failures, failures.join('\n')).toEqual([]);
    });
  }

  it('covers every op of the IR except the sources', () => {
    const covered = new Set(Object.keys(OP_CASES));
    const missing = (Object.keys(OP_GROUP) as OpName[]).filter((o) => OP_GROUP[o] !== 'source' && !covered.has(o));
    expect(missing).toEqual([]);
  });

  it('dft lowered to ONNX DFT (benchmark option) agrees with the interpreter', async () => {
    const cases = OP_CASES.dft;
    const inputs = cases.map((c) => caseInputs(c, SEED));
    const f = rt.compile((args: Sym[][]) => args.map((xs, k) => cases[k]!.fn(...xs)), [cases.map((c) => c.specs)], { dft: 'onnx' });
    expect(f.dump()).toContain(' = DFT{');
    const outs = (await f.runHost(inputs)) as HostTensor[];
    const failures = cases.flatMap((c, k) => {
      const m = compareTensors(outs[k]!, reference(c, inputs[k]!), tolFor('dft', c));
      return m ? [`${c.name}: ${m}`] : [];
    });
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('the comparison can fail (a wrong value is caught)', () => {
    const want: HostTensor = { dtype: 'float32', dims: [2], data: new Float32Array([1, 2]) };
    const got: HostTensor = { dtype: 'float32', dims: [2], data: new Float32Array([1, 2.001]) };
    expect(compareTensors(got, want, { rtol: 1e-5, atol: 1e-6 })).toMatch(/index 1/);
    expect(compareTensors(want, want, { rtol: 0, atol: 0 })).toBeNull();
  });
});
