/**
 * The per-op test-case registry: several small cases for every op of the IR (except the sources
 * `input` and `const`). It drives property tests over the whole op set:
 *   - interpreter shape/known-value tests (test/interp),
 *   - finite-difference gradchecks of the VJP rules (differentiate the inputs with `diff[i]`),
 *   - ONNX Runtime vs reference-interpreter parity (tolerance hint `tol`).
 *
 * The table is typed `{ [K in Exclude<OpName, 'input' | 'const'>]: OpCase[] }`, so adding an op to
 * src/ir/ops.ts without cases here is a compile error.
 *
 * Data: `caseInputs(c, seed)` draws input i from the counter-based `Rng(seed).fork(i)`, with the
 * case's `gen` where given (positive values for log/sqrt, valid int32 indices, values away from
 * kinks and ties for abs/relu/max/min/floor, ...) and otherwise N(0, 1) float32, integers in
 * [-5, 5] for int32 and fair coins for bool.
 *
 * @example
 *   for (const [op, cases] of Object.entries(OP_CASES))
 *     for (const c of cases) {
 *       const xs = caseInputs(c, 1);
 *       const y = interpret((...s: Sym[]) => c.fn(...s), xs);
 *     }
 */
import { MedreconError } from '../src/core/errors.js';
import { Rng } from '../src/core/rng.js';
import { type DType, type HostTensor, shapeStr, sizeOf, tensor } from '../src/core/tensor.js';
import type { OpName } from '../src/ir/ops.js';
import * as S from '../src/ir/sym.js';
import type { Sym } from '../src/ir/sym.js';
import { type TensorSpec, spec } from '../src/ir/trace.js';

export interface OpCase {
  /** Human-readable, unique within its op, e.g. 'add broadcast [3,1,5]+[4,5]'. */
  name: string;
  /** Input specs, in the order `fn` takes them. */
  specs: TensorSpec[];
  /** Builds the op under test from the inputs (the built graph always contains that op). */
  fn: (...xs: Sym[]) => Sym;
  /** Custom data for input i (dims and dtype must match `specs[i]`). */
  gen?: (rng: Rng, i: number) => HostTensor;
  /** Which inputs a gradcheck should differentiate (false for int/bool inputs and where FD is ill-posed). */
  diff: boolean[];
  /** Parity tolerance hint for float32 ORT vs the float64 reference. */
  tol?: { rtol?: number; atol?: number };
}

export type CasedOp = Exclude<OpName, 'input' | 'const'>;

// ------------------------------------------------------------------ data generators

/** A generator for one input: data of the given dims. */
export type InputGen = (rng: Rng, dims: readonly number[]) => HostTensor;

/** Generators used by the cases (exported so other tests can reuse them). */
export const G = {
  /** N(0, scale²). */
  normal: (scale = 1): InputGen => (rng, dims) => tensor(dims, rng.normal(sizeOf(dims), 0, scale)),
  /** Uniform in (lo, hi). */
  uniform: (lo: number, hi: number): InputGen => (rng, dims) => tensor(dims, rng.uniform(sizeOf(dims), lo, hi)),
  /** N(0,1) pushed away from 0: |x| ≥ min (for abs, relu, sign, reciprocal). */
  away: (min = 0.1): InputGen => (rng, dims) => {
    const d = rng.normal(sizeOf(dims));
    for (let i = 0; i < d.length; i++) d[i] = (d[i]! < 0 ? -1 : 1) * (min + Math.abs(d[i]!));
    return tensor(dims, d);
  },
  /** Non-integers k + u, k integer in [lo, hi), u in [0.1, 0.9] (for floor and float→int casts). */
  nonInt: (lo = -4, hi = 4): InputGen => (rng, dims) => {
    const n = sizeOf(dims);
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) d[i] = lo + rng.int(hi - lo) + 0.1 + 0.8 * rng.nextUniform();
    return tensor(dims, d);
  },
  /**
   * Values k + [0.25, 0.45] ('low') or k + [0.55, 0.75] ('high') with k in -2..2: any low value
   * differs from any high value by at least 0.1, so maximum/minimum between a 'low' and a 'high'
   * operand never tie (finite differences are well-posed).
   */
  band: (which: 'low' | 'high'): InputGen => (rng, dims) => {
    const n = sizeOf(dims);
    const d = new Float32Array(n);
    const base = which === 'low' ? 0.25 : 0.55;
    for (let i = 0; i < n; i++) d[i] = rng.int(5) - 2 + base + 0.2 * rng.nextUniform();
    return tensor(dims, d);
  },
  /** A shuffled arithmetic sequence with spacing `step` (distinct values: no ties in max/min reductions). */
  distinct: (step = 0.1): InputGen => (rng, dims) => {
    const n = sizeOf(dims);
    const p = rng.permutation(n);
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) d[i] = (p[i]! - (n - 1) / 2) * step;
    return tensor(dims, d);
  },
  /** Multiples of `step` in [-m·step, m·step] (exact in float32; makes eq/le/ge ties frequent). */
  grid: (step = 0.5, m = 2): InputGen => (rng, dims) => {
    const n = sizeOf(dims);
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) d[i] = (rng.int(2 * m + 1) - m) * step;
    return tensor(dims, d);
  },
  /** int32 uniform in [lo, hi]. */
  ints: (lo = -5, hi = 5): InputGen => (rng, dims) => {
    const n = sizeOf(dims);
    const d = new Int32Array(n);
    for (let i = 0; i < n; i++) d[i] = lo + rng.int(hi - lo + 1);
    return tensor(dims, d, 'int32');
  },
  /** Valid indices into an axis of size n: [0, n) or, with `negative`, [-n, n). */
  indices: (n: number, negative = false): InputGen => (rng, dims) => {
    const k = sizeOf(dims);
    const d = new Int32Array(k);
    for (let i = 0; i < k; i++) d[i] = negative ? rng.int(2 * n) - n : rng.int(n);
    return tensor(dims, d, 'int32');
  },
  /** Fair coins. */
  bools: (): InputGen => (rng, dims) => {
    const n = sizeOf(dims);
    const d = new Uint8Array(n);
    for (let i = 0; i < n; i++) d[i] = rng.nextU32() & 1;
    return tensor(dims, d, 'bool');
  },
};

function defaultGen(s: TensorSpec): InputGen {
  switch (s.dtype) {
    case 'float32':
      return G.normal();
    case 'int32':
      return G.ints();
    case 'bool':
      return G.bools();
  }
}

/**
 * Deterministic data for the inputs of case `c`: input i comes from `new Rng(seed).fork(i)`.
 * Throws INTERNAL when a custom generator returns the wrong dims or dtype.
 */
export function caseInputs(c: OpCase, seed: number): HostTensor[] {
  const root = new Rng(seed);
  return c.specs.map((s, i) => {
    const r = root.fork(i);
    const t = c.gen ? c.gen(r, i) : defaultGen(s)(r, s.dims);
    if (t.dtype !== s.dtype || shapeStr(t.dims) !== shapeStr(s.dims)) {
      throw new MedreconError('INTERNAL', `caseInputs(${c.name}): input ${i} generated as ${t.dtype}${shapeStr(t.dims)}, spec is ${s.dtype}${shapeStr(s.dims)}`);
    }
    return t;
  });
}

// ------------------------------------------------------------------ case builder

const f32 = (...dims: number[]): TensorSpec => spec(dims, 'float32');
const i32 = (...dims: number[]): TensorSpec => spec(dims, 'int32');
const b8 = (...dims: number[]): TensorSpec => spec(dims, 'bool');

interface CaseOpts {
  /** Per-input generators (undefined entries use the default for the dtype). */
  gens?: (InputGen | undefined)[];
  /** Defaults to "float32 inputs are differentiated". */
  diff?: boolean[];
  tol?: { rtol?: number; atol?: number };
}

function mk(name: string, specs: TensorSpec[], fn: (...xs: Sym[]) => Sym, o: CaseOpts = {}): OpCase {
  const c: OpCase = {
    name,
    specs,
    fn,
    diff: o.diff ?? specs.map((s) => s.dtype === 'float32'),
  };
  if (o.gens) {
    const gens = o.gens;
    c.gen = (rng, i) => (gens[i] ?? defaultGen(specs[i]!))(rng, specs[i]!.dims);
  }
  if (o.tol) c.tol = o.tol;
  return c;
}

const ds = (d: readonly number[]) => `[${d.join(',')}]`;

/** Standard unary cases over a few shapes (0-d, 1-d odd, 3-d with a size-1 dim). */
function unaryCases(op: string, f: (x: Sym) => Sym, gen: InputGen | undefined, o: { diff?: boolean; tol?: CaseOpts['tol'] } = {}): OpCase[] {
  const shapes = [[], [7], [2, 1, 5], [3, 4, 6]];
  return shapes.map((s) => mk(`${op} ${ds(s)}`, [f32(...s)], f, { gens: [gen], diff: [o.diff ?? true], tol: o.tol }));
}

/** Standard binary cases: same shape, broadcasting both ways, rank differences, 0-d scalars. */
function binaryCases(op: string, f: (a: Sym, b: Sym) => Sym, ga?: InputGen, gb?: InputGen, o: { diff?: boolean; tol?: CaseOpts['tol'] } = {}): OpCase[] {
  const pairs: [number[], number[]][] = [
    [[3, 4], [3, 4]],
    [[3, 1, 5], [4, 5]], // rank difference, broadcast both ways
    [[4, 1], [1, 6]], // outer broadcast
    [[], [2, 3]], // 0-d with matrix
    [[2, 3, 1], []],
    [[], []],
    [[7], [1]],
  ];
  const d = o.diff ?? true;
  return pairs.map(([a, b]) => mk(`${op} ${ds(a)}${ds(b)}`, [f32(...a), f32(...b)], f, { gens: [ga, gb], diff: [d, d], tol: o.tol }));
}

// ------------------------------------------------------------------ the registry

const dftLengths = [1, 2, 3, 5, 8, 12, 15, 16, 20, 64];

export const OP_CASES: { [K in CasedOp]: OpCase[] } = {
  // ---------------------------------------------------------------- unary
  neg: [
    ...unaryCases('neg', S.neg, undefined),
    mk('neg int32 [3,4]', [i32(3, 4)], S.neg),
  ],
  abs: [
    ...unaryCases('abs', S.abs, G.away()),
    mk('abs int32 [5]', [i32(5)], S.abs),
  ],
  sign: [
    ...unaryCases('sign', S.sign, G.away(), { diff: false }),
    mk('sign with zeros [9]', [f32(9)], S.sign, { gens: [G.grid(1, 1)], diff: [false] }),
    mk('sign int32 [2,5]', [i32(2, 5)], S.sign),
  ],
  exp: unaryCases('exp', S.exp, G.normal(1.5)),
  log: unaryCases('log', S.log, G.uniform(0.2, 4)),
  sqrt: unaryCases('sqrt', S.sqrt, G.uniform(0.2, 4)),
  reciprocal: unaryCases('reciprocal', S.reciprocal, G.away(0.3)),
  sin: unaryCases('sin', S.sin, G.normal(3)),
  cos: unaryCases('cos', S.cos, G.normal(3)),
  tanh: unaryCases('tanh', S.tanh, G.normal(2)),
  sigmoid: [
    ...unaryCases('sigmoid', S.sigmoid, G.normal(3)),
    mk('sigmoid large |x| [6]', [f32(6)], S.sigmoid, { gens: [G.uniform(-30, 30)] }),
  ],
  softplus: [
    ...unaryCases('softplus', S.softplus, G.normal(3)),
    mk('softplus large |x| [6]', [f32(6)], S.softplus, { gens: [G.uniform(-40, 40)], tol: { rtol: 1e-5, atol: 1e-5 } }),
  ],
  relu: unaryCases('relu', S.relu, G.away()),
  erf: [
    ...unaryCases('erf', S.erf, G.normal(1.5), { tol: { rtol: 1e-5, atol: 1e-6 } }),
    mk('erf tails [8]', [f32(8)], S.erf, { gens: [G.uniform(-6, 6)], tol: { rtol: 1e-5, atol: 1e-6 } }),
  ],
  floor: [
    ...unaryCases('floor', S.floor, G.nonInt(), { diff: false }),
    mk('floor on integers [6]', [f32(6)], S.floor, { gens: [G.grid(1, 3)], diff: [false] }),
  ],
  // stopGradient: identity forward; its defined derivative (0) differs from FD (1), so diff: false.
  stopGradient: [
    ...unaryCases('stopGradient', S.stopGradient, undefined, { diff: false }),
    mk('stopGradient inside x*sg(x) [5]', [f32(5)], (x) => S.mul(x, S.stopGradient(x)), { diff: [false] }),
  ],

  // ---------------------------------------------------------------- binary
  add: [
    ...binaryCases('add', S.add),
    mk('add int32 broadcast [3,1]+[4]', [i32(3, 1), i32(4)], S.add),
    mk('add same input twice [4]', [f32(4)], (x) => S.add(x, x)),
  ],
  sub: [
    ...binaryCases('sub', S.sub),
    mk('sub int32 [2,3]-[]', [i32(2, 3), i32()], S.sub),
  ],
  mul: [
    ...binaryCases('mul', S.mul),
    mk('mul int32 [4,1]*[1,3]', [i32(4, 1), i32(1, 3)], S.mul),
    mk('mul by number [3,2]', [f32(3, 2)], (x) => S.mul(x, 2.5)),
  ],
  div: [
    ...binaryCases('div', S.div, undefined, G.away(0.5)),
    mk('div number by tensor [5]', [f32(5)], (x) => S.div(1.5, x), { gens: [G.away(0.5)] }),
  ],
  pow: [
    ...binaryCases('pow', S.pow, G.uniform(0.5, 2), G.uniform(-2, 2), { tol: { rtol: 1e-5, atol: 1e-6 } }),
    mk('pow integer exponent of signed base [6]^3', [f32(6)], (x) => S.pow(x, 3), { tol: { rtol: 1e-5, atol: 1e-6 } }),
    mk('pow square of signed base [2,3]^2', [f32(2, 3)], (x) => S.pow(x, 2)),
    mk('pow fractional exponent [4]^0.5', [f32(4)], (x) => S.pow(x, 0.5), { gens: [G.uniform(0.3, 3)] }),
    mk('pow number base 2^[5]', [f32(5)], (x) => S.pow(2, x)),
  ],
  maximum: [
    ...binaryCases('maximum', S.maximum, G.band('low'), G.band('high')),
    ...binaryCases('maximum (high first)', S.maximum, G.band('high'), G.band('low')).slice(0, 2),
    mk('maximum int32 [3,4] [4]', [i32(3, 4), i32(4)], S.maximum),
  ],
  minimum: [
    ...binaryCases('minimum', S.minimum, G.band('low'), G.band('high')),
    ...binaryCases('minimum (high first)', S.minimum, G.band('high'), G.band('low')).slice(0, 2),
    mk('minimum int32 [2,1] [1,3]', [i32(2, 1), i32(1, 3)], S.minimum),
  ],
  eq: [
    ...binaryCases('eq', S.eq, G.grid(), G.grid(), { diff: false }),
    mk('eq int32 [4,3] [3]', [i32(4, 3), i32(3)], S.eq, { gens: [G.ints(-2, 2), G.ints(-2, 2)] }),
  ],
  lt: [
    ...binaryCases('lt', S.lt, G.grid(), G.grid(), { diff: false }),
    mk('lt normal [3,4] [4]', [f32(3, 4), f32(4)], S.lt, { diff: [false, false] }),
    mk('lt int32 [5] []', [i32(5), i32()], S.lt),
  ],
  le: [
    ...binaryCases('le', S.le, G.grid(), G.grid(), { diff: false }),
    mk('le int32 [2,3] [2,1]', [i32(2, 3), i32(2, 1)], S.le, { gens: [G.ints(-2, 2), G.ints(-2, 2)] }),
  ],
  gt: [
    ...binaryCases('gt', S.gt, G.grid(), G.grid(), { diff: false }),
    mk('gt int32 [6] [6]', [i32(6), i32(6)], S.gt, { gens: [G.ints(-2, 2), G.ints(-2, 2)] }),
  ],
  ge: [
    ...binaryCases('ge', S.ge, G.grid(), G.grid(), { diff: false }),
    mk('ge int32 [3,1] [1,4]', [i32(3, 1), i32(1, 4)], S.ge, { gens: [G.ints(-2, 2), G.ints(-2, 2)] }),
  ],

  // ---------------------------------------------------------------- ternary
  where: [
    mk('where same shape [3,4]', [b8(3, 4), f32(3, 4), f32(3, 4)], S.where),
    mk('where broadcast cond [4,1] a [3] b [2,1,1]', [b8(4, 1), f32(3), f32(2, 1, 1)], S.where),
    mk('where 0-d branches', [b8(2, 3), f32(), f32()], S.where),
    mk('where 0-d cond', [b8(), f32(2, 2), f32(2, 2)], S.where),
    mk('where from comparison x>0 ? x : 0.1x', [f32(4, 5)], (x) => S.where(S.gt(x, 0), x, S.mul(x, 0.1)), { gens: [G.away()] }),
    mk('where int32 branches', [b8(5), i32(5), i32(1)], S.where),
    mk('where bool branches', [b8(2, 3), b8(2, 3), b8(3)], S.where),
  ],

  // ---------------------------------------------------------------- reduce
  reduceSum: [
    mk('reduceSum all [3,4,5] -> []', [f32(3, 4, 5)], (x) => S.sum(x)),
    mk('reduceSum axes [0,2] keepdims [3,4,5]', [f32(3, 4, 5)], (x) => S.sum(x, [0, 2], true)),
    mk('reduceSum axis -1 [2,7]', [f32(2, 7)], (x) => S.sum(x, -1)),
    mk('reduceSum size-1 axis [4,1,3]', [f32(4, 1, 3)], (x) => S.sum(x, 1)),
    mk('reduceSum axes [1,3] [2,3,2,4]', [f32(2, 3, 2, 4)], (x) => S.sum(x, [1, 3])),
    mk('reduceSum int32 axis 0 keepdims [5,3]', [i32(5, 3)], (x) => S.sum(x, 0, true)),
  ],
  reduceMean: [
    mk('reduceMean all [3,4,5]', [f32(3, 4, 5)], (x) => S.mean(x)),
    mk('reduceMean axes [0,2] keepdims [3,4,5]', [f32(3, 4, 5)], (x) => S.mean(x, [0, 2], true)),
    mk('reduceMean axis 1 [6,7]', [f32(6, 7)], (x) => S.mean(x, 1)),
    mk('reduceMean axes [2,3] keepdims [2,3,4,5]', [f32(2, 3, 4, 5)], (x) => S.mean(x, [2, 3], true)),
  ],
  reduceMax: [
    mk('reduceMax all [4,5]', [f32(4, 5)], (x) => S.max(x), { gens: [G.distinct()] }),
    mk('reduceMax axis 1 [3,6,2]', [f32(3, 6, 2)], (x) => S.max(x, 1), { gens: [G.distinct()] }),
    mk('reduceMax axes [0,2] keepdims [3,4,5]', [f32(3, 4, 5)], (x) => S.max(x, [0, 2], true), { gens: [G.distinct()] }),
    mk('reduceMax axis 0 keepdims [1,7]', [f32(1, 7)], (x) => S.max(x, 0, true), { gens: [G.distinct()] }),
    mk('reduceMax int32 axis -1 [4,3]', [i32(4, 3)], (x) => S.max(x, -1)),
  ],
  reduceMin: [
    mk('reduceMin all [4,5]', [f32(4, 5)], (x) => S.min(x), { gens: [G.distinct()] }),
    mk('reduceMin axis 0 [5,3]', [f32(5, 3)], (x) => S.min(x, 0), { gens: [G.distinct()] }),
    mk('reduceMin axes [1,2] keepdims [2,3,4]', [f32(2, 3, 4)], (x) => S.min(x, [1, 2], true), { gens: [G.distinct()] }),
    mk('reduceMin int32 all [3,3]', [i32(3, 3)], (x) => S.min(x)),
  ],

  // ---------------------------------------------------------------- movement
  reshape: [
    mk('reshape [2,3,4] -> [6,4]', [f32(2, 3, 4)], (x) => S.reshape(x, [6, 4])),
    mk('reshape [2,3,4] -> [4,-1]', [f32(2, 3, 4)], (x) => S.reshape(x, [4, -1])),
    mk('reshape [1] -> []', [f32(1)], (x) => S.reshape(x, [])),
    mk('reshape [] -> [1,1]', [f32()], (x) => S.reshape(x, [1, 1])),
    mk('reshape int32 [12] -> [3,1,4]', [i32(12)], (x) => S.reshape(x, [3, 1, 4])),
  ],
  transpose: [
    mk('transpose [3,4] reversed', [f32(3, 4)], (x) => S.transpose(x)),
    mk('transpose [2,3,4] perm [2,0,1]', [f32(2, 3, 4)], (x) => S.transpose(x, [2, 0, 1])),
    mk('transpose [2,3,1,5] perm [1,0,3,2]', [f32(2, 3, 1, 5)], (x) => S.transpose(x, [1, 0, 3, 2])),
    mk('transpose bool [2,3] ', [b8(2, 3)], (x) => S.transpose(x)),
  ],
  expand: [
    mk('expand [3,1] -> [2,3,4]', [f32(3, 1)], (x) => S.expand(x, [2, 3, 4])),
    mk('expand [] -> [2,3]', [f32()], (x) => S.expand(x, [2, 3])),
    mk('expand [1,4,1] -> [3,4,2]', [f32(1, 4, 1)], (x) => S.expand(x, [3, 4, 2])),
    mk('expand [5] -> [1,5] (rank only)', [f32(5)], (x) => S.expand(x, [1, 5])),
    mk('expand bool [2,1] -> [2,3]', [b8(2, 1)], (x) => S.expand(x, [2, 3])),
    mk('expand int32 [1] -> [4]', [i32(1)], (x) => S.expand(x, [4])),
  ],
  slice: [
    mk('slice [10] 1:8:2', [f32(10)], (x) => S.slice(x, [[1, 8, 2]])),
    mk('slice [10] ::-1', [f32(10)], (x) => S.slice(x, [[undefined, undefined, -1]])),
    mk('slice [9] 7:1:-2', [f32(9)], (x) => S.slice(x, [[7, 1, -2]])),
    mk('slice [6,5] clamped -100:100, -2:', [f32(6, 5)], (x) => S.slice(x, [[-100, 100], [-2]])),
    mk('slice [4,5,6] mixed steps', [f32(4, 5, 6)], (x) => S.slice(x, [[1, 3], [undefined, undefined, -2], [0, 6, 3]])),
    mk('slice [3,7] size-1 result', [f32(3, 7)], (x) => S.slice(x, [[2, 3], [5, 0, -4]])),
    mk('slice [5,4] with step 3 past end', [f32(5, 4)], (x) => S.slice(x, [[0, 100, 3], [3, -100, -1]])),
    mk('slice int32 [8] 2:6', [i32(8)], (x) => S.slice(x, [[2, 6]])),
  ],
  pad: [
    mk('pad constant 0 [3,4] ((1,2),(0,3))', [f32(3, 4)], (x) => S.pad(x, [[1, 2], [0, 3]])),
    mk('pad constant 1.5 [2,3,2] last axis (2,1)', [f32(2, 3, 2)], (x) => S.pad(x, [[2, 1]], 'constant', 1.5)),
    mk('pad reflect [5] (2,3)', [f32(5)], (x) => S.pad(x, [[2, 3]], 'reflect')),
    mk('pad reflect [2,4,5] ((1,3),(4,2))', [f32(2, 4, 5)], (x) => S.pad(x, [[1, 3], [4, 2]], 'reflect')),
    mk('pad edge [4] (3,2)', [f32(4)], (x) => S.pad(x, [[3, 2]], 'edge')),
    mk('pad edge [2,3,4] ((0,2),(1,0),(2,2))', [f32(2, 3, 4)], (x) => S.pad(x, [[0, 2], [1, 0], [2, 2]], 'edge')),
    mk('pad edge size-1 axis [3,1] ((0,0),(2,3))', [f32(3, 1)], (x) => S.pad(x, [[0, 0], [2, 3]], 'edge')),
    mk('pad constant int32 [2,3] ((1,1),(1,1)) value 7', [i32(2, 3)], (x) => S.pad(x, [[1, 1], [1, 1]], 'constant', 7)),
  ],
  concat: [
    mk('concat 3 inputs axis 1 [2,1,3] [2,4,3] [2,2,3]', [f32(2, 1, 3), f32(2, 4, 3), f32(2, 2, 3)], (a, b, c) => S.concat([a!, b!, c!], 1)),
    mk('concat 2 inputs axis 0 [3,4] [1,4]', [f32(3, 4), f32(1, 4)], (a, b) => S.concat([a!, b!], 0)),
    mk('concat same input twice axis -1 [2,3]', [f32(2, 3)], (a) => S.concat([a, a], -1)),
    mk('concat int32 axis 0 [2] [3] [1]', [i32(2), i32(3), i32(1)], (a, b, c) => S.concat([a!, b!, c!], 0)),
    mk('stack 3 inputs axis 0 [2,3]', [f32(2, 3), f32(2, 3), f32(2, 3)], (a, b, c) => S.stack([a!, b!, c!], 0)),
  ],
  flip: [
    mk('flip [7] axis 0', [f32(7)], (x) => S.flip(x, 0)),
    mk('flip [2,3,4] axes [0,2]', [f32(2, 3, 4)], (x) => S.flip(x, [0, 2])),
    mk('flip [3,1,5] all axes', [f32(3, 1, 5)], (x) => S.flip(x, [0, 1, 2])),
    mk('flip bool [2,3] axis -1', [b8(2, 3)], (x) => S.flip(x, -1)),
  ],

  // ---------------------------------------------------------------- contraction
  matmul: [
    mk('matmul [3,4]@[4,5]', [f32(3, 4), f32(4, 5)], S.matmul),
    mk('matmul batched [2,3,4]@[2,4,5]', [f32(2, 3, 4), f32(2, 4, 5)], S.matmul),
    mk('matmul rank diff [2,3,4]@[4,5]', [f32(2, 3, 4), f32(4, 5)], S.matmul),
    mk('matmul broadcast [2,1,3,4]@[3,4,2]', [f32(2, 1, 3, 4), f32(3, 4, 2)], S.matmul),
    mk('matmul [1,5]@[5,1]', [f32(1, 5), f32(5, 1)], S.matmul),
    mk('matmul vector @ matrix [4]@[4,3]', [f32(4), f32(4, 3)], S.matmul),
    mk('matmul long inner [2,33]@[33,3]', [f32(2, 33), f32(33, 3)], S.matmul, { tol: { rtol: 1e-5, atol: 1e-5 } }),
  ],

  // ---------------------------------------------------------------- convolution
  conv: [
    mk('conv1d stride 2 pad 1 x[2,3,11] w[4,3,3]', [f32(2, 3, 11), f32(4, 3, 3)], (x, w) => S.conv(x!, w!, { stride: 2, padding: 1 }), { tol: { atol: 1e-5 } }),
    mk('conv1d dilation 2 asymmetric pads x[1,2,9] w[3,2,3]', [f32(1, 2, 9), f32(3, 2, 3)], (x, w) => S.conv(x!, w!, { dilation: 2, padding: [2, 1] }), { tol: { atol: 1e-5 } }),
    mk('conv2d plain x[1,2,5,6] w[3,2,3,3]', [f32(1, 2, 5, 6), f32(3, 2, 3, 3)], (x, w) => S.conv(x!, w!), { tol: { atol: 1e-5 } }),
    mk('conv2d groups 2 dilation 2 pads [1,2,0,1] x[1,4,7,6] w[6,2,3,3]', [f32(1, 4, 7, 6), f32(6, 2, 3, 3)], (x, w) => S.conv(x!, w!, { groups: 2, dilation: 2, padding: [1, 2, 0, 1] }), { tol: { atol: 1e-5 } }),
    mk('conv2d stride [2,1] pad 1 x[2,3,6,5] w[2,3,3,2]', [f32(2, 3, 6, 5), f32(2, 3, 3, 2)], (x, w) => S.conv(x!, w!, { stride: [2, 1], padding: 1 }), { tol: { atol: 1e-5 } }),
    mk('conv2d depthwise same x[2,3,6,5] w[3,1,3,3]', [f32(2, 3, 6, 5), f32(3, 1, 3, 3)], (x, w) => S.conv(x!, w!, { groups: 3, padding: 'same' }), { tol: { atol: 1e-5 } }),
    mk('conv2d 1x1 x[1,4,3,3] w[5,4,1,1]', [f32(1, 4, 3, 3), f32(5, 4, 1, 1)], (x, w) => S.conv(x!, w!), { tol: { atol: 1e-5 } }),
    mk('conv2d stride 3 even kernel x[1,1,8,7] w[2,1,2,4]', [f32(1, 1, 8, 7), f32(2, 1, 2, 4)], (x, w) => S.conv(x!, w!, { stride: 3, padding: [0, 1] }), { tol: { atol: 1e-5 } }),
    mk('conv3d stride [1,2,1] pad 1 x[1,2,5,4,6] w[3,2,2,3,2]', [f32(1, 2, 5, 4, 6), f32(3, 2, 2, 3, 2)], (x, w) => S.conv(x!, w!, { stride: [1, 2, 1], padding: 1 }), { tol: { atol: 1e-5 } }),
    mk('conv3d groups 2 dilation [1,2,1] x[1,4,4,5,3] w[2,2,2,2,2]', [f32(1, 4, 4, 5, 3), f32(2, 2, 2, 2, 2)], (x, w) => S.conv(x!, w!, { groups: 2, dilation: [1, 2, 1] }), { tol: { atol: 1e-5 } }),
  ],
  convTranspose: [
    mk('convT1d stride 2 pad 1 outPad 1 x[2,3,5] w[3,2,3]', [f32(2, 3, 5), f32(3, 2, 3)], (x, w) => S.convTranspose(x!, w!, { stride: 2, padding: 1, outputPadding: 1 }), { tol: { atol: 1e-5 } }),
    mk('convT1d plain x[1,2,4] w[2,3,2]', [f32(1, 2, 4), f32(2, 3, 2)], (x, w) => S.convTranspose(x!, w!), { tol: { atol: 1e-5 } }),
    mk('convT2d groups 2 stride [2,1] dil [1,2] outPad [1,0] pad [1,0] x[1,4,4,3] w[4,3,3,2]', [f32(1, 4, 4, 3), f32(4, 3, 3, 2)], (x, w) => S.convTranspose(x!, w!, { groups: 2, stride: [2, 1], dilation: [1, 2], outputPadding: [1, 0], padding: [1, 0] }), { tol: { atol: 1e-5 } }),
    mk('convT2d stride 2 x[2,3,3,4] w[3,2,4,4] pad 1', [f32(2, 3, 3, 4), f32(3, 2, 4, 4)], (x, w) => S.convTranspose(x!, w!, { stride: 2, padding: 1 }), { tol: { atol: 1e-5 } }),
    mk('convT2d depthwise stride 2 outPad 1 x[1,3,3,3] w[3,1,3,3]', [f32(1, 3, 3, 3), f32(3, 1, 3, 3)], (x, w) => S.convTranspose(x!, w!, { groups: 3, stride: 2, padding: 1, outputPadding: 1 }), { tol: { atol: 1e-5 } }),
    mk('convT2d asymmetric pads [0,1,2,0] x[1,2,4,4] w[2,2,3,3]', [f32(1, 2, 4, 4), f32(2, 2, 3, 3)], (x, w) => S.convTranspose(x!, w!, { padding: [0, 1, 2, 0] }), { tol: { atol: 1e-5 } }),
    mk('convT3d stride 2 x[1,2,3,3,2] w[2,2,2,2,2]', [f32(1, 2, 3, 3, 2), f32(2, 2, 2, 2, 2)], (x, w) => S.convTranspose(x!, w!, { stride: 2 }), { tol: { atol: 1e-5 } }),
    mk('convT3d dilation 2 outPad [1,0,1] stride [1,1,2] x[1,1,2,3,3] w[1,2,2,2,2]', [f32(1, 1, 2, 3, 3), f32(1, 2, 2, 2, 2)], (x, w) => S.convTranspose(x!, w!, { dilation: 2, stride: [1, 1, 2], outputPadding: [1, 0, 1] }), { tol: { atol: 1e-5 } }),
  ],
  avgPool: [
    mk('avgPool2d k3 s2 p1 countIncludePad x[2,3,7,6]', [f32(2, 3, 7, 6)], (x) => S.avgPool(x, 3, { stride: 2, padding: 1, countIncludePad: true })),
    mk('avgPool2d k3 s2 p1 excludePad x[2,3,7,6]', [f32(2, 3, 7, 6)], (x) => S.avgPool(x, 3, { stride: 2, padding: 1, countIncludePad: false })),
    mk('avgPool2d k2 default stride x[1,2,6,5]', [f32(1, 2, 6, 5)], (x) => S.avgPool(x, 2)),
    mk('avgPool2d k [3,2] s1 asymmetric pads [1,0,2,1] excludePad x[1,1,5,5]', [f32(1, 1, 5, 5)], (x) => S.avgPool(x, [3, 2], { stride: 1, padding: [1, 0, 2, 1] })),
    mk('avgPool2d k [3,2] s1 asymmetric pads [1,0,2,1] includePad x[1,1,5,5]', [f32(1, 1, 5, 5)], (x) => S.avgPool(x, [3, 2], { stride: 1, padding: [1, 0, 2, 1], countIncludePad: true })),
    mk('avgPool1d k3 s1 p1 excludePad x[2,2,7]', [f32(2, 2, 7)], (x) => S.avgPool(x, 3, { stride: 1, padding: 1 })),
    mk('avgPool1d k2 s3 x[1,3,10]', [f32(1, 3, 10)], (x) => S.avgPool(x, 2, { stride: 3 })),
    mk('avgPool3d k2 s [1,2,2] p [1,0,1] includePad x[1,2,4,5,4]', [f32(1, 2, 4, 5, 4)], (x) => S.avgPool(x, 2, { stride: [1, 2, 2], padding: [1, 0, 1], countIncludePad: true })),
    mk('avgPool3d k2 s [1,2,2] p [1,0,1] excludePad x[1,2,4,5,4]', [f32(1, 2, 4, 5, 4)], (x) => S.avgPool(x, 2, { stride: [1, 2, 2], padding: [1, 0, 1] })),
  ],

  // ---------------------------------------------------------------- indexing
  gather: [
    mk('gather axis 0 x[5,4] idx[2,3] repeats', [f32(5, 4), i32(2, 3)], (x, i) => S.gather(x!, i!, 0), { gens: [undefined, G.indices(5)] }),
    mk('gather axis 1 x[3,6,2] idx[4]', [f32(3, 6, 2), i32(4)], (x, i) => S.gather(x!, i!, 1), { gens: [undefined, G.indices(6)] }),
    mk('gather axis -1 x[2,3,5] idx[2,2]', [f32(2, 3, 5), i32(2, 2)], (x, i) => S.gather(x!, i!, -1), { gens: [undefined, G.indices(5)] }),
    mk('gather 0-d index axis 1 x[3,4]', [f32(3, 4), i32()], (x, i) => S.gather(x!, i!, 1), { gens: [undefined, G.indices(4)] }),
    mk('gather negative indices axis 0 x[4,3] idx[6]', [f32(4, 3), i32(6)], (x, i) => S.gather(x!, i!, 0), { gens: [undefined, G.indices(4, true)] }),
    mk('gather many repeats axis 0 x[2,3] idx[3,4]', [f32(2, 3), i32(3, 4)], (x, i) => S.gather(x!, i!, 0), { gens: [undefined, G.indices(2)] }),
    mk('gather int32 data axis 0 x[5] idx[3]', [i32(5), i32(3)], (x, i) => S.gather(x!, i!, 0), { gens: [undefined, G.indices(5)] }),
  ],
  scatterAdd: [
    mk('scatterAdd axis 0 shape [4,3] idx[6] repeats', [i32(6), f32(6, 3)], (i, u) => S.scatterAdd(i!, u!, 0, [4, 3]), { gens: [G.indices(4)] }),
    mk('scatterAdd axis 1 shape [2,5,3] idx[2,3]', [i32(2, 3), f32(2, 2, 3, 3)], (i, u) => S.scatterAdd(i!, u!, 1, [2, 5, 3]), { gens: [G.indices(5)] }),
    mk('scatterAdd axis -1 shape [3,4] idx[7] many repeats', [i32(7), f32(3, 7)], (i, u) => S.scatterAdd(i!, u!, -1, [3, 4]), { gens: [G.indices(2)] }),
    mk('scatterAdd 0-d index axis 0 shape [3,2]', [i32(), f32(2)], (i, u) => S.scatterAdd(i!, u!, 0, [3, 2]), { gens: [G.indices(3)] }),
    mk('scatterAdd negative indices axis 0 shape [5] idx[8]', [i32(8), f32(8)], (i, u) => S.scatterAdd(i!, u!, 0, [5]), { gens: [G.indices(5, true)] }),
  ],

  // ---------------------------------------------------------------- cast
  cast: [
    mk('cast float32->int32 truncates toward zero [3,4]', [f32(3, 4)], (x) => S.cast(x, 'int32'), { gens: [G.nonInt()], diff: [false] }),
    mk('cast float32->bool [8]', [f32(8)], (x) => S.cast(x, 'bool'), { gens: [G.grid(0.5, 1)], diff: [false] }),
    mk('cast int32->float32 [2,3]', [i32(2, 3)], (x) => S.cast(x, 'float32')),
    mk('cast int32->bool [6]', [i32(6)], (x) => S.cast(x, 'bool'), { gens: [G.ints(-1, 1)] }),
    mk('cast bool->float32 [2,2]', [b8(2, 2)], (x) => S.cast(x, 'float32')),
    mk('cast bool->int32 [5]', [b8(5)], (x) => S.cast(x, 'int32')),
    mk('cast float32->bool->float32 mask [3,3]', [f32(3, 3)], (x) => S.mul(x, S.cast(S.cast(x, 'bool'), 'float32')), { gens: [G.grid(0.5, 1)], diff: [false] }),
  ],

  // ---------------------------------------------------------------- spectral
  dft: [
    ...dftLengths.flatMap((n) => [
      mk(`dft forward N=${n} [${n},2] axis 0`, [f32(n, 2)], (x) => S.dft(x, 0), { tol: { rtol: 1e-4, atol: 1e-4 } }),
      mk(`dft inverse N=${n} [2,${n},2] axis 1`, [f32(2, n, 2)], (x) => S.dft(x, 1, true), { tol: { rtol: 1e-4, atol: 1e-4 } }),
    ]),
    mk('dft forward N=5 [5,3,2] axis 0 (leading axis, strided)', [f32(5, 3, 2)], (x) => S.dft(x, 0), { tol: { rtol: 1e-4, atol: 1e-4 } }),
    mk('dft inverse N=12 [2,12,3,2] axis 1', [f32(2, 12, 3, 2)], (x) => S.dft(x, 1, true), { tol: { rtol: 1e-4, atol: 1e-4 } }),
    mk('dft forward N=15 [3,15,2] axis -2', [f32(3, 15, 2)], (x) => S.dft(x, -2), { tol: { rtol: 1e-4, atol: 1e-4 } }),
    mk('dft 2-D forward [4,6,2] axes 0 then 1', [f32(4, 6, 2)], (x) => S.dft(S.dft(x, 0), 1), { tol: { rtol: 1e-4, atol: 1e-4 } }),
    mk('dft forward then inverse N=20 [20,2]', [f32(20, 2)], (x) => S.dft(S.dft(x, 0), 0, true), { tol: { rtol: 1e-4, atol: 1e-4 } }),
  ],
};

/** All cases as [op, case] pairs (convenient for `it.each`). */
export function allOpCases(): [CasedOp, OpCase][] {
  const out: [CasedOp, OpCase][] = [];
  for (const op of Object.keys(OP_CASES) as CasedOp[]) for (const c of OP_CASES[op]) out.push([op, c]);
  return out;
}

/** Re-exported for convenience in tests that build specs by hand. */
export type { DType };
