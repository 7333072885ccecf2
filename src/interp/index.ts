/**
 * The reference interpreter (the executable specification of the IR).
 *
 * - `EVAL`: one evaluator per op (exhaustive over `OpName`).
 * - `evaluateRaw(outputs, feeds)`: float64 evaluation over `RawTensor`s (ints/bools stored exactly).
 * - `evaluate(outputs, feeds)`: the same over host tensors (float32 results rounded on output).
 * - `interpret(fn, args)`: trace a Sym function on the specs of `args` and evaluate it.
 * - `toRaw` / `fromRaw`: conversions; `erf`, `sigmoid`, `softplus`: the scalar special functions.
 *
 * @example
 *   import { interpret } from './interp/index.js';
 *   const [y] = interpret((x: Sym) => [x.exp().sum()], [tensor([3], [0, 1, 2])]) as HostTensor[];
 */
export { type RawTensor, toRaw, fromRaw, raw } from './raw.js';
export { EVAL, type Evaluator, type EvalContext, evaluateRaw, evaluate, interpret } from './evaluate.js';
export { erf, sigmoid, softplus } from './special.js';
export { twiddles } from './index-ops.js';
export { createInterpExecutor } from './executor.js';
