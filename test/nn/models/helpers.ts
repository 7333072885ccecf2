import type { HostTensor } from '../../../src/core/tensor.js';
import type { Tree } from '../../../src/core/tree.js';
import { type TensorSpec, specOf } from '../../../src/ir/trace.js';
import { mapTrees } from '../../../src/nn/params.js';
import { isHostTensor } from '../../../src/runtime/index.js';

/** The TensorSpec tree of a host parameter tree (for trace / compile). */
export const specTree = (p: Tree<HostTensor>): Tree<TensorSpec> => mapTrees(isHostTensor, (l: HostTensor) => specOf(l), p) as Tree<TensorSpec>;

/**
 * Central-difference check of selected gradient coordinates: for each probe [w, gw, i], perturb
 * w.data[i] by ±eps, re-evaluate the scalar loss L(), and compare with gw.data[i].
 */
export function checkProbes(L: () => number, probes: readonly [HostTensor, HostTensor, number][], eps = 1e-2, atol = 2e-3, rtol = 2e-2): void {
  for (const [w, gw, i] of probes) {
    const v = w.data[i]!;
    w.data[i] = v + eps;
    const lp = L();
    w.data[i] = v - eps;
    const lm = L();
    w.data[i] = v;
    const fd = (lp - lm) / (2 * eps);
    if (!(Math.abs(gw.data[i]! - fd) < atol + rtol * Math.abs(fd))) throw new Error(`gradient ${gw.data[i]} vs finite difference ${fd} (coordinate ${i})`);
  }
  const largest = Math.max(...probes.map(([, gw, i]) => Math.abs(gw.data[i]!)));
  if (!(largest > 1e-3)) throw new Error(`all probed gradients are ~0 (max ${largest}): the check would be vacuous`);
}
