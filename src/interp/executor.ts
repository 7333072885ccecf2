/**
 * An `Executor` backed by the reference interpreter: compiled functions are traced once and
 * evaluated in float64; device tensors keep float64 values between calls (so an iterative
 * algorithm run here accumulates no float32 rounding). `toHost()` rounds to float32.
 *
 * Slow compared with ONNX Runtime; meant for tests of algorithms (convergence to known solutions)
 * and as a dependency-free fallback.
 *
 * @example
 *   const ex = createInterpExecutor();
 *   const f = ex.compile((x: Sym) => x.mul(2), [spec([3])]);
 *   const y = await f.runHost(tensor([3], [1, 2, 3]));
 */
import { MedreconError } from '../core/errors.js';
import type { HostTensor } from '../core/tensor.js';
import { type Tree, flattenTree, treeDefKey, unflattenTree } from '../core/tree.js';
import type { DeviceTensor, ExecArg, Executable, Executor } from '../ir/executor.js';
import { withNodeScope } from '../ir/node.js';
import { type SymFn, type TensorSpec, trace } from '../ir/trace.js';
import { evaluateRaw } from './evaluate.js';
import { type RawTensor, fromRaw, toRaw } from './raw.js';

class InterpTensor implements DeviceTensor {
  constructor(readonly raw: RawTensor) {}
  get dims(): readonly number[] { return this.raw.dims; }
  get dtype() { return this.raw.dtype; }
  async toHost(): Promise<HostTensor> { return fromRaw(this.raw); }
  dispose(): void {}
}

const isArg = (x: unknown): x is HostTensor | DeviceTensor =>
  x instanceof InterpTensor || (typeof x === 'object' && x !== null && 'dims' in x && 'dtype' in x && 'data' in x);

export function createInterpExecutor(): Executor {
  const cache = new WeakMap<SymFn, Map<string, Executable>>();
  return {
    tensor: (h) => new InterpTensor(toRaw(h)),
    compile(fn: SymFn, specs: readonly Tree<TensorSpec>[]): Executable {
      const key = JSON.stringify(specs);
      const hit = cache.get(fn)?.get(key);
      if (hit) return hit;
      const t = withNodeScope(() => trace(fn, specs));
      const argKeys = t.argDefs.map(treeDefKey);
      const run = async (...args: ExecArg[]): Promise<Tree<DeviceTensor>> => {
        if (args.length !== argKeys.length) throw new MedreconError('MISSING_INPUT', `interpreted function takes ${argKeys.length} arguments, got ${args.length}`);
        const feeds: RawTensor[] = [];
        args.forEach((a, i) => {
          const { leaves, def } = flattenTree(a, isArg);
          if (treeDefKey(def) !== argKeys[i]) throw new MedreconError('INVALID_ARGUMENT', `argument ${i}: tree structure differs from the compiled one`);
          for (const l of leaves) feeds.push(l instanceof InterpTensor ? l.raw : toRaw(l as HostTensor));
        });
        const out = evaluateRaw(t.outputs.map((o) => o.node), feeds);
        return unflattenTree(t.outDef, out.map((r) => new InterpTensor(r)));
      };
      const exe: Executable = {
        run,
        async runHost(...args) {
          const out = await run(...args);
          const { leaves, def } = flattenTree(out, (x): x is DeviceTensor => x instanceof InterpTensor);
          return unflattenTree(def, await Promise.all(leaves.map((l) => l.toHost())));
        },
      };
      let m = cache.get(fn);
      if (!m) cache.set(fn, (m = new Map()));
      m.set(key, exe);
      return exe;
    },
  };
}
