/**
 * The execution contract that algorithm code (physics, optim, diffusion) is written against, so it
 * never imports a runtime: anything that can compile a traced function and run it fits.
 *
 * Implementations: `Runtime` (ONNX Runtime, src/runtime) and `createInterpExecutor()` (the float64
 * reference interpreter, src/interp) — the latter runs the same algorithm code in float64 for
 * convergence tests.
 *
 * Device tensors stay on the executor between calls; feed them back as arguments. Only
 * `toHost()` copies to JS arrays.
 *
 * @example
 *   async function powerIteration(ex: Executor, A: (x: Sym) => Sym, x0: HostTensor) {
 *     const step = ex.compile((x: Sym) => { const y = A(x); return y.div(y.square().sum().sqrt()); }, [specOf(x0)]);
 *     let x: DeviceTensor | HostTensor = x0;
 *     for (let i = 0; i < 50; i++) x = (await step.run(x)) as DeviceTensor;
 *   }
 */
import type { DType, HostTensor } from '../core/tensor.js';
import type { Tree } from '../core/tree.js';
import type { SymFn, TensorSpec } from './trace.js';

export interface DeviceTensor {
  readonly dims: readonly number[];
  readonly dtype: DType;
  toHost(): Promise<HostTensor>;
  dispose(): void;
}

export type ExecArg = Tree<HostTensor | DeviceTensor>;

export interface Executable {
  run(...args: ExecArg[]): Promise<Tree<DeviceTensor>>;
  runHost(...args: ExecArg[]): Promise<Tree<HostTensor>>;
}

export interface Executor {
  compile(fn: SymFn, specs: readonly Tree<TensorSpec>[]): Executable;
  /** Put a host tensor on the executor. */
  tensor(h: HostTensor): DeviceTensor;
}
