/**
 * The `LinearOperator` contract: y = A x with a true adjoint x' = Aᴴ y, both as graph builders over
 * Sym (so an operator is differentiable, compiles into any larger graph, and runs on any Executor).
 *
 * - `inShape` / `outShape`: shapes of x and y (complex tensors carry a trailing axis of 2; the
 *   adjoint is the adjoint for the real inner product ⟨a, b⟩ = Σ a·b over all entries, which for
 *   complex data is Re⟨a, b⟩ — the convention under which ‖Ax‖² and gradients are right).
 * - `adjoint` defaults to the IR's `linearTranspose` of `forward` (`fromForward`), so an operator
 *   needs a closed-form adjoint only where it is faster.
 * - Derived operators: `normalOp` (AᴴA), `compose` (A∘B), `scaleOp` (αA), `sumOp` (A+B),
 *   `stackOps` ([A; B] with outputs concatenated along a new leading axis — shapes must agree),
 *   `identityOp`. Host-side algorithms (operator norm, dot test, CG pseudo-inverse) live in
 *   `./algorithms.ts` and take an `Executor`.
 *
 * @example
 *   const A = fromForward('double', [3], [3], (x) => x.mul(2));
 *   const AhA = normalOp(A);          // x ↦ 4x
 */
import { MedreconError } from '../core/errors.js';
import { shapeStr } from '../core/tensor.js';
import { linearTranspose } from '../autodiff/index.js';
import { type Sym, add, concat, mul, reshape, sliceAxis, squeeze, unsqueeze } from '../ir/sym.js';
import { spec } from '../ir/trace.js';

export interface LinearOperator {
  readonly name: string;
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  forward(x: Sym): Sym;
  adjoint(y: Sym): Sym;
}

function checkShape(what: string, op: string, got: readonly number[], want: readonly number[]): void {
  if (shapeStr(got) !== shapeStr(want)) {
    throw new MedreconError('SHAPE_MISMATCH', `${op}.${what}: expected ${shapeStr(want)}, got ${shapeStr(got)}`, { op, got: [...got], want: [...want] });
  }
}

/** Wrap forward/adjoint closures with shape checks at trace time. */
export function linearOperator(name: string, inShape: readonly number[], outShape: readonly number[], forward: (x: Sym) => Sym, adjoint: (y: Sym) => Sym): LinearOperator {
  return {
    name,
    inShape: [...inShape],
    outShape: [...outShape],
    forward(x) {
      checkShape('forward input', name, x.shape, inShape);
      const y = forward(x);
      checkShape('forward output', name, y.shape, outShape);
      return y;
    },
    adjoint(y) {
      checkShape('adjoint input', name, y.shape, outShape);
      const x = adjoint(y);
      checkShape('adjoint output', name, x.shape, inShape);
      return x;
    },
  };
}

/** An operator from its forward alone; the adjoint is the exact graph transpose (linearTranspose). */
export function fromForward(name: string, inShape: readonly number[], outShape: readonly number[], forward: (x: Sym) => Sym): LinearOperator {
  let t: ((ct: Sym) => Sym) | undefined;
  const adj = (y: Sym): Sym => {
    t ??= linearTranspose((x) => forward(x as Sym), spec(inShape)) as (ct: Sym) => Sym;
    return t(y);
  };
  return linearOperator(name, inShape, outShape, forward, adj);
}

export function identityOp(shape: readonly number[]): LinearOperator {
  return linearOperator('identity', shape, shape, (x) => x, (y) => y);
}

/** AᴴA (self-adjoint). */
export function normalOp(A: LinearOperator): LinearOperator {
  const f = (x: Sym) => A.adjoint(A.forward(x));
  return linearOperator(`normal(${A.name})`, A.inShape, A.inShape, f, f);
}

/** A∘B: x ↦ A(B x). */
export function compose(A: LinearOperator, B: LinearOperator): LinearOperator {
  checkShape('compose', `${A.name}∘${B.name}`, B.outShape, A.inShape);
  return linearOperator(`${A.name}∘${B.name}`, B.inShape, A.outShape, (x) => A.forward(B.forward(x)), (y) => B.adjoint(A.adjoint(y)));
}

/** αA for a real scalar α. */
export function scaleOp(A: LinearOperator, alpha: number): LinearOperator {
  return linearOperator(`${alpha}·${A.name}`, A.inShape, A.outShape, (x) => mul(A.forward(x), alpha), (y) => A.adjoint(mul(y, alpha)));
}

/** A + B (same shapes). */
export function sumOp(A: LinearOperator, B: LinearOperator): LinearOperator {
  checkShape('sum inShape', `${A.name}+${B.name}`, B.inShape, A.inShape);
  checkShape('sum outShape', `${A.name}+${B.name}`, B.outShape, A.outShape);
  return linearOperator(`${A.name}+${B.name}`, A.inShape, A.outShape, (x) => add(A.forward(x), B.forward(x)), (y) => add(A.adjoint(y), B.adjoint(y)));
}

/** [A₁; …; Aₖ]: outputs stacked on a new leading axis (all outShapes equal); adjoint Σ Aᵢᴴ yᵢ. */
export function stackOps(ops: readonly LinearOperator[]): LinearOperator {
  if (ops.length === 0) throw new MedreconError('INVALID_ARGUMENT', 'stackOps: needs at least one operator');
  const [A0] = ops as [LinearOperator];
  for (const B of ops) {
    checkShape('stack inShape', B.name, B.inShape, A0.inShape);
    checkShape('stack outShape', B.name, B.outShape, A0.outShape);
  }
  const k = ops.length;
  return linearOperator(
    `[${ops.map((o) => o.name).join('; ')}]`,
    A0.inShape,
    [k, ...A0.outShape],
    (x) => concat(ops.map((o) => unsqueeze(o.forward(x), 0)), 0),
    (y) => ops.map((o, i) => o.adjoint(squeeze(sliceAxis(y, 0, i, i + 1), 0))).reduce((a, b) => add(a, b)),
  );
}

/** Reshape as an operator (its adjoint reshapes back). */
export function reshapeOp(inShape: readonly number[], outShape: readonly number[]): LinearOperator {
  return linearOperator('reshape', inShape, outShape, (x) => reshape(x, outShape), (y) => reshape(y, inShape));
}
