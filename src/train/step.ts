/**
 * A compiled training step: ONE graph maps (params, state, batch, lr) → (params', state', loss),
 *
 *   loss, g = valueAndGrad(p ↦ lossFn(p, batch))(params)
 *   params', state' = optimizer.update(params, g, state, lr)
 *
 * compiled once by the runtime and called per step. Parameters and optimiser state stay as ORT
 * tensors between steps (feed the returned trees back in); only what the caller asks for (the loss,
 * a checkpoint) is copied to the host. `lr` is a graph input, so a schedule does not recompile.
 *
 * @example
 *   const ts = makeTrainStep(rt, (p, b) => dncnn(p, b.noisy).sub(b.clean).square().mean(), adam({ lr: 1e-3 }),
 *                            { params: specTree(params), batch: { noisy: spec([8, 1, 64, 64]), clean: spec([8, 1, 64, 64]) } });
 *   let p: RunArg = params, s: RunArg = ts.init(params);
 *   const r = await ts.step(p, s, batch, 1e-3); p = r.params; s = r.state;
 *   console.log((await r.loss.toHost()).data[0]);
 */
import { MedreconError } from '../core/errors.js';
import { type HostTensor, tensor } from '../core/tensor.js';
import { type Tree, flattenTree, unflattenTree } from '../core/tree.js';
import { valueAndGrad } from '../autodiff/index.js';
import { type Sym, isSym } from '../ir/sym.js';
import { type TensorSpec, spec, specOf } from '../ir/trace.js';
import { isHostTensor } from '../io/safetensors.js';
import type { Compiled, RunArg, Runtime, RuntimeTensor } from '../runtime/index.js';
import type { Optimizer } from './optimizers.js';

/** A scalar loss of (params, batch). */
export type LossFn = (params: Tree<Sym>, batch: Tree<Sym>) => Sym;

export interface TrainStepSpecs {
  readonly params: Tree<TensorSpec>;
  readonly batch: Tree<TensorSpec>;
}

export interface TrainStepResult {
  readonly params: Tree<RuntimeTensor>;
  readonly state: Tree<RuntimeTensor>;
  /** The loss at the parameters *before* the update. */
  readonly loss: RuntimeTensor;
}

export interface TrainStep {
  /** The compiled graph (inspect `nodeCount`, `dump()`). */
  readonly compiled: Compiled;
  readonly optimizer: Optimizer;
  /** Optimiser state for host parameters (`optimizer.init`). */
  init(params: Tree<HostTensor>): Tree<HostTensor>;
  /** One step; `lr` defaults to the optimiser's `lr`. */
  step(params: RunArg, state: RunArg, batch: RunArg, lr?: number): Promise<TrainStepResult>;
}

/** The spec tree of a host tree (shapes and dtypes only). */
export function specTree(tree: Tree<HostTensor>): Tree<TensorSpec> {
  const { leaves, def } = flattenTree(tree, isHostTensor);
  return unflattenTree(def, leaves.map(specOf));
}

/** Compile the training step for these specs (see the module comment). */
export function makeTrainStep(runtime: Runtime, lossFn: LossFn, optimizer: Optimizer, specs: TrainStepSpecs): TrainStep {
  if (!specs || specs.params === undefined || specs.batch === undefined) throw new MedreconError('INVALID_ARGUMENT', 'makeTrainStep: specs must be { params, batch }');
  const stateSpecs = optimizer.initSpecs(specs.params);
  const fn = (params: Tree<Sym>, state: Tree<Sym>, batch: Tree<Sym>, lr: Sym) => {
    const [loss, grads] = valueAndGrad((p: Tree<Sym>) => {
      const l = lossFn(p, batch);
      if (!isSym(l) || l.rank !== 0) throw new MedreconError('SHAPE_MISMATCH', `makeTrainStep: the loss must be a scalar Sym, got ${isSym(l) ? `shape [${l.shape.join(', ')}]` : typeof l}`);
      return l;
    }, 0)(params) as [Sym, Tree<Sym>];
    const r = optimizer.update(params, grads, state, lr);
    return { params: r.params, state: r.state, loss };
  };
  const compiled = runtime.compile(fn, [specs.params, stateSpecs, specs.batch, spec([])], { name: `train_step_${optimizer.kind}` });
  return {
    compiled,
    optimizer,
    init: (p) => optimizer.init(p),
    async step(params, state, batch, lr) {
      const out = (await compiled.run(params, state, batch, tensor([], [lr ?? optimizer.lr]))) as { params: Tree<RuntimeTensor>; state: Tree<RuntimeTensor>; loss: RuntimeTensor };
      return { params: out.params, state: out.state, loss: out.loss };
    },
  };
}
