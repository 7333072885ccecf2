import type { HostTensor } from '../../../src/core/tensor.js';
import type { Tree } from '../../../src/core/tree.js';
import { type TensorSpec, specOf } from '../../../src/ir/trace.js';
import { mapTrees } from '../../../src/nn/params.js';
import { isHostTensor } from '../../../src/runtime/index.js';

/** The TensorSpec tree of a host parameter tree (for trace / compile). */
export const specTree = (p: Tree<HostTensor>): Tree<TensorSpec> => mapTrees(isHostTensor, (l: HostTensor) => specOf(l), p) as Tree<TensorSpec>;
