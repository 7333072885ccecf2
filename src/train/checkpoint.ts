/**
 * Checkpoints: parameters + optimiser state + Rng state in one safetensors file and one JSON.
 * Tensor names are `params.<path>` and `state.<path>`; the JSON (`saveParams` format) carries the
 * tree structure, the optimiser kind and options, the Rng state, the step and a user config.
 *
 * @example
 *   const ck = await saveCheckpoint({ params, state, rng, step: 100, config: { width: 32 } });
 *   writeFileSync('ck.safetensors', ck.safetensors); writeFileSync('ck.json', ck.configJson);
 *   const back = loadCheckpoint(ck.safetensors, ck.configJson); // { params, state, rng, step, config }
 */
import { MedreconError } from '../core/errors.js';
import { Rng, type RngState } from '../core/rng.js';
import type { HostTensor } from '../core/tensor.js';
import { type Tree, flattenTree, unflattenTree } from '../core/tree.js';
import { type JsonValue, type ParamsFile, isHostTensor, loadParams, saveParams } from '../io/safetensors.js';
import type { RuntimeTensor } from '../runtime/index.js';
import type { Optimizer } from './optimizers.js';

type AnyTensor = HostTensor | RuntimeTensor;
const isAnyTensor = (x: unknown): x is AnyTensor =>
  isHostTensor(x) || (typeof x === 'object' && x !== null && typeof (x as RuntimeTensor).toHost === 'function' && Array.isArray((x as RuntimeTensor).dims));

/** Copy a tree of host or runtime tensors to the host. */
export async function treeToHost(tree: Tree<AnyTensor>): Promise<Tree<HostTensor>> {
  const { leaves, def } = flattenTree(tree, isAnyTensor);
  const host = await Promise.all(leaves.map((l) => (isHostTensor(l) ? l : l.toHost())));
  return unflattenTree(def, host);
}

export interface CheckpointInput {
  readonly params: Tree<AnyTensor>;
  readonly state?: Tree<AnyTensor>;
  readonly optimizer?: Optimizer;
  readonly rng?: Rng;
  readonly step?: number;
  readonly config?: JsonValue;
}

export interface Checkpoint {
  readonly params: Tree<HostTensor>;
  readonly state: Tree<HostTensor> | undefined;
  readonly rng: Rng | undefined;
  readonly step: number;
  readonly optimizer: { kind: string; options: Record<string, number | boolean> } | null;
  readonly config: JsonValue;
}

/** Serialise a checkpoint (runtime tensors are copied to the host first). */
export async function saveCheckpoint(ck: CheckpointInput): Promise<ParamsFile> {
  const params = await treeToHost(ck.params);
  const tree: Record<string, Tree<HostTensor>> = { params };
  if (ck.state !== undefined) tree.state = await treeToHost(ck.state);
  const meta: { [k: string]: JsonValue } = {
    kind: 'medrecon-checkpoint',
    step: ck.step ?? 0,
    optimizer: ck.optimizer ? { kind: ck.optimizer.kind, options: { ...ck.optimizer.options } } : null,
    rng: ck.rng ? { key: [...ck.rng.state().key], stream: ck.rng.state().stream, position: ck.rng.state().position } : null,
    hasState: ck.state !== undefined,
    config: ck.config ?? null,
  };
  return saveParams(tree, meta);
}

function isRngState(x: unknown): x is RngState {
  const s = x as RngState;
  return typeof x === 'object' && x !== null && Array.isArray(s.key) && s.key.length === 2 && s.key.every((k) => Number.isInteger(k)) && Number.isInteger(s.stream) && Number.isInteger(s.position);
}

/** Inverse of `saveCheckpoint`. */
export function loadCheckpoint(bytes: Uint8Array, configJson: string): Checkpoint {
  const { params: tree, config: meta } = loadParams(bytes, configJson);
  const m = meta as { [k: string]: JsonValue } | null;
  if (!m || typeof m !== 'object' || Array.isArray(m) || m.kind !== 'medrecon-checkpoint') throw new MedreconError('CORRUPT_FILE', 'loadCheckpoint: not a medrecon checkpoint');
  const t = tree as Record<string, Tree<HostTensor>>;
  if (t.params === undefined) throw new MedreconError('CORRUPT_FILE', 'loadCheckpoint: no params');
  if (m.rng !== null && !isRngState(m.rng)) throw new MedreconError('CORRUPT_FILE', 'loadCheckpoint: bad rng state');
  return {
    params: t.params,
    state: m.hasState ? t.state : undefined,
    rng: m.rng !== null ? Rng.fromState(m.rng as unknown as RngState) : undefined,
    step: typeof m.step === 'number' ? m.step : 0,
    optimizer: (m.optimizer as Checkpoint['optimizer']) ?? null,
    config: m.config ?? null,
  };
}
