/**
 * The runtime: the only code that talks to ONNX Runtime. `compile(fn, specs)` traces a function
 * of symbolic trees, lowers it to ONNX and returns a `Compiled` whose `run` executes it in ORT.
 *
 * Caching, in two levels:
 *  1. by function identity + input specs + options (a WeakMap on `fn`): a second `compile` of the
 *     same function does not even trace. Like `jax.jit`, values captured by the closure are taken
 *     to be constant: a closure whose captured numbers change must be a new function.
 *  2. by the structural hash of the traced graph (output node hashes + input specs + tree
 *     structure + options): a structurally identical graph built by another closure reuses the
 *     lowered model and its ORT session.
 * Sessions are created lazily (first `run` or `ready()`), once per structural hash.
 *
 * @example
 *   const rt = new Runtime(ort);                       // ort = await import('onnxruntime-node')
 *   const f = rt.compile((x: Sym) => x.mul(0.5).add(1), [spec([3])]);
 *   let x: RuntimeTensor = rt.tensor(tensor([3], [1, 2, 3]));
 *   for (let i = 0; i < 10; i++) x = (await f.run(x)) as RuntimeTensor; // stays in ORT
 *   console.log((await x.toHost()).data);
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import { hashString } from '../core/hash.js';
import { type DType, type HostTensor, firstNonFinite, shapeStr } from '../core/tensor.js';
import { type Tree, type TreeDef, flattenTree, treeDefKey, unflattenTree } from '../core/tree.js';
import { withNodeScope } from '../ir/node.js';
import { type SymFn, type TensorSpec, type Traced, isTensorSpec, trace } from '../ir/trace.js';
import { dumpGraph } from '../onnx/dump.js';
import { LOWER_OPTION_KEYS, type LowerOptions, type Lowered, lowerToOnnx } from '../onnx/lower.js';
import { DEVICES, type Device, EXECUTION_PROVIDERS, type InferenceSession, type OrtLike, type Tensor, devicesFromOrt } from './ort.js';
import { OrtRuntimeTensor, type RuntimeTensor, checkHostTensor, isHostTensor, isRuntimeTensor, ortTensorOf } from './tensor.js';

export interface RuntimeOptions {
  /** Execution device (default 'cpu'). */
  device?: Device;
  /** ORT intra-op threads (default: ORT's choice). */
  threads?: number;
  /** Reject NaN/Inf in float inputs with NON_FINITE_INPUT (default false). */
  checkFinite?: boolean;
  /**
   * ORT graph optimisation level (default 'extended'). 'all' adds ORT's NCHWc layout transforms,
   * which pay off for inference-only conv chains but add a reorder per saved activation in training
   * graphs (measured here on an 8-layer 64-channel conv stack at 128²: forward 65 ms either way,
   * forward+backward 221 ms with 'extended' against 252 ms with 'all').
   */
  graphOptimization?: 'all' | 'extended' | 'basic' | 'none';
}
const RUNTIME_OPTION_KEYS = ['device', 'threads', 'checkFinite', 'graphOptimization'] as const;

export interface CompileOptions extends LowerOptions {
  /** Override the runtime's `checkFinite` for this function. */
  checkFinite?: boolean;
}
const COMPILE_OPTION_KEYS = [...LOWER_OPTION_KEYS, 'checkFinite'] as const;

export type RunArg = Tree<HostTensor | RuntimeTensor>;

export interface Compiled {
  /** Run in ORT; outputs stay ORT tensors (feed them back to any compiled function). */
  run(...args: RunArg[]): Promise<Tree<RuntimeTensor>>;
  /** Run and copy every output to the host. */
  runHost(...args: RunArg[]): Promise<Tree<HostTensor>>;
  /** Create the ORT session now (otherwise created by the first run). */
  ready(): Promise<void>;
  /** The ONNX ModelProto bytes. */
  readonly onnx: Uint8Array;
  /** ONNX input names, in flattening order of the arguments. */
  readonly inputNames: string[];
  readonly outputNames: string[];
  /** Number of ONNX nodes. */
  readonly nodeCount: number;
  /** Structural hash (the session-cache key). */
  readonly hash: string;
  /** Text dump of the IR graph and of the ONNX graph. */
  dump(): string;
}

export interface RuntimeStats {
  /** ORT sessions created. */
  sessionsCreated: number;
  /** Calls to `compile`. */
  compiles: number;
  /** Calls to `compile` answered from a cache (either level): no lowering, no new session. */
  cacheHits: number;
  /** Functions traced (level-1 misses). */
  traces: number;
  /** Graphs lowered to ONNX (level-2 misses). */
  lowerings: number;
  /** Total time spent tracing, ms. */
  traceMs: number;
  /** Total time spent lowering and serialising, ms. */
  lowerMs: number;
}

interface SessionEntry {
  readonly hash: string;
  readonly lowered: Lowered;
  session?: Promise<InferenceSession>;
}

const GRAPH_OPT = { all: 'all', extended: 'extended', basic: 'basic', none: 'disabled' } as const;

function specsKey(specs: readonly Tree<TensorSpec>[]): string {
  return specs
    .map((s) => {
      const { leaves, def } = flattenTree(s, isTensorSpec);
      return `${treeDefKey(def)}|${leaves.map((l) => `${l.dtype}${shapeStr(l.dims)}`).join(';')}`;
    })
    .join('||');
}

function optionsKey(o: CompileOptions | undefined): string {
  if (!o) return '{}';
  return JSON.stringify(Object.keys(o).sort().map((k) => [k, (o as Record<string, unknown>)[k]]));
}

function countLeaves(d: TreeDef): number {
  return d.kind === 'leaf' ? 1 : d.children.reduce((n, c) => n + countLeaves(c), 0);
}

function isLeafArg(x: unknown): x is HostTensor | RuntimeTensor {
  return isRuntimeTensor(x) || isHostTensor(x);
}

export class Runtime {
  readonly device: Device;
  readonly available: readonly Device[];
  readonly stats: Readonly<RuntimeStats> = { sessionsCreated: 0, compiles: 0, cacheHits: 0, traces: 0, lowerings: 0, traceMs: 0, lowerMs: 0 };
  private readonly opts: RuntimeOptions;
  private readonly byFn = new WeakMap<object, Map<string, CompiledFn>>();
  private readonly byHash = new Map<string, SessionEntry>();

  /**
   * @param ort an ORT module (onnxruntime-node / onnxruntime-web namespace)
   * @param opts runtime options
   * @param available the devices usable with this module (default: what `ort.listSupportedBackends()` reports as bundled)
   */
  constructor(readonly ort: OrtLike, opts: RuntimeOptions = {}, available?: readonly Device[]) {
    checkOptions('Runtime', opts, RUNTIME_OPTION_KEYS);
    this.opts = { ...opts };
    this.available = [...(available ?? devicesFromOrt(ort))];
    const device = opts.device ?? 'cpu';
    if (!(DEVICES as readonly string[]).includes(device)) {
      throw new MedreconError('DEVICE_UNAVAILABLE', `unknown device '${String(device)}' (known: ${DEVICES.join(', ')}; available here: ${this.available.join(', ') || 'none'})`, { device, available: [...this.available] });
    }
    if (!this.available.includes(device)) {
      throw new MedreconError('DEVICE_UNAVAILABLE', `device '${device}' is not available here (available: ${this.available.join(', ') || 'none'})${device === 'cuda' ? '; CUDA needs the onnxruntime-node CUDA provider binaries and a CUDA GPU' : ''}`, { device, available: [...this.available] });
    }
    if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 0)) {
      throw new MedreconError('INVALID_ARGUMENT', `Runtime: threads must be a non-negative integer, got ${opts.threads}`);
    }
    if (opts.graphOptimization !== undefined && !(opts.graphOptimization in GRAPH_OPT)) {
      throw new MedreconError('INVALID_ARGUMENT', `Runtime: graphOptimization must be one of ${Object.keys(GRAPH_OPT).join(', ')}, got '${opts.graphOptimization}'`);
    }
    this.device = device;
  }

  private get mstats(): RuntimeStats {
    return this.stats as RuntimeStats;
  }

  /**
   * Trace `fn` on placeholders of `specs`, lower it and return a runnable handle (synchronous;
   * the ORT session is created on first use). Cached: see the module comment.
   */
  compile(fn: SymFn, specs: readonly Tree<TensorSpec>[], opts?: CompileOptions): Compiled {
    checkOptions('compile', opts, COMPILE_OPTION_KEYS);
    if (typeof fn !== 'function') throw new MedreconError('INVALID_ARGUMENT', 'compile: fn must be a function');
    if (!Array.isArray(specs)) throw new MedreconError('INVALID_ARGUMENT', 'compile: specs must be an array with one spec tree per argument');
    const st = this.mstats;
    st.compiles++;
    let key: string;
    try {
      key = `${specsKey(specs)}##${optionsKey(opts)}`;
    } catch (e) {
      throw new MedreconError('INVALID_ARGUMENT', `compile: specs must be trees of TensorSpec (${(e as Error).message})`);
    }
    let perFn = this.byFn.get(fn);
    const hit = perFn?.get(key);
    if (hit) {
      st.cacheHits++;
      return hit;
    }
    const t0 = performance.now();
    const traced = withNodeScope(() => trace(fn, specs));
    st.traces++;
    st.traceMs += performance.now() - t0;
    const hash = hashString(
      [
        traced.outputs.map((o) => o.node.hash).join(','),
        traced.inputSpecs.map((s, i) => `${traced.inputPaths[i]}:${s.dtype}${shapeStr(s.dims)}`).join(';'),
        traced.argDefs.map(treeDefKey).join('|'),
        treeDefKey(traced.outDef),
        traced.outputPaths.join(';'),
        optionsKey({ dft: opts?.dft ?? 'expand', name: opts?.name ?? 'medrecon' }), // defaults spelled out: same graph, same key
      ].join('#'),
    );
    let entry = this.byHash.get(hash);
    if (entry) {
      st.cacheHits++;
    } else {
      const t1 = performance.now();
      const lowered = lowerToOnnx(traced, { ...(opts?.dft !== undefined ? { dft: opts.dft } : {}), ...(opts?.name !== undefined ? { name: opts.name } : {}) });
      st.lowerings++;
      st.lowerMs += performance.now() - t1;
      entry = { hash, lowered };
      this.byHash.set(hash, entry);
    }
    const compiled = new CompiledFn(this, entry, traced, opts?.checkFinite ?? this.opts.checkFinite ?? false);
    if (!perFn) {
      perFn = new Map();
      this.byFn.set(fn, perFn);
    }
    perFn.set(key, compiled);
    return compiled;
  }

  /** Upload a host tensor (copied) as a runtime tensor. */
  tensor(h: HostTensor): RuntimeTensor {
    if (!isHostTensor(h)) throw new MedreconError('INVALID_ARGUMENT', 'Runtime.tensor: expected a HostTensor {dtype, dims, data}');
    checkHostTensor(h, 'Runtime.tensor');
    const copy = { dtype: h.dtype, dims: [...h.dims], data: h.data.slice() } as HostTensor;
    return new OrtRuntimeTensor(ortTensorOf(this.ort, copy), h.dtype);
  }

  /** The ORT session of a cache entry (created once). */
  session(entry: SessionEntry, describe: () => string): Promise<InferenceSession> {
    if (!entry.session) {
      const options: InferenceSession.SessionOptions = {
        executionProviders: [EXECUTION_PROVIDERS[this.device]],
        graphOptimizationLevel: GRAPH_OPT[this.opts.graphOptimization ?? 'extended'],
        ...(this.opts.threads ? { intraOpNumThreads: this.opts.threads } : {}),
        // ORT's CPU ScatterND-add races across intra-op threads (see Lowered.needsSerialScatter).
        ...(entry.lowered.needsSerialScatter && (this.device === 'cpu' || this.device === 'wasm') ? { intraOpNumThreads: 1 } : {}),
      };
      this.mstats.sessionsCreated++;
      entry.session = this.ort.InferenceSession.create(entry.lowered.bytes, options).catch((e: unknown) => {
        entry.session = undefined;
        throw new MedreconError('RUNTIME_FAILURE', `ONNX Runtime could not create a session on '${this.device}' for graph ${entry.hash} (${describe()}): ${(e as Error)?.message ?? String(e)}`, { hash: entry.hash, device: this.device }, { cause: e });
      });
    }
    return entry.session;
  }

  /** Release every cached session (compiled handles stay valid and recreate sessions on use). */
  async releaseSessions(): Promise<void> {
    const all = [...this.byHash.values()];
    await Promise.all(
      all.map(async (e) => {
        const s = e.session;
        e.session = undefined;
        if (s) await s.then((x) => x.release()).catch(() => undefined);
      }),
    );
  }
}

class CompiledFn implements Compiled {
  private readonly nArgs: number;
  private readonly argKeys: string[];
  private readonly argOffsets: number[];

  constructor(
    private readonly rt: Runtime,
    private readonly entry: SessionEntry,
    private readonly traced: Traced,
    private readonly checkFinite: boolean,
  ) {
    this.nArgs = traced.argDefs.length;
    this.argKeys = traced.argDefs.map(treeDefKey);
    this.argOffsets = [];
    let k = 0;
    for (const d of traced.argDefs) {
      this.argOffsets.push(k);
      k += countLeaves(d);
    }
  }

  get onnx(): Uint8Array { return this.entry.lowered.bytes; }
  get inputNames(): string[] { return this.entry.lowered.inputNames; }
  get outputNames(): string[] { return this.entry.lowered.outputNames; }
  get nodeCount(): number { return this.entry.lowered.nodeCount; }
  get hash(): string { return this.entry.hash; }

  dump(): string {
    return dumpGraph({ traced: this.traced, lowered: this.entry.lowered });
  }

  private describeInputs(): string {
    const t = this.traced;
    if (!t.inputSpecs.length) return 'no inputs';
    return `inputs: ${t.inputSpecs.map((s, i) => `${this.inputNames[i]} ${s.dtype}${shapeStr(s.dims)}`).join(', ')}`;
  }

  private describeInput(i: number): string {
    const s = this.traced.inputSpecs[i]!;
    return `input '${this.traced.inputPaths[i]}' (${this.inputNames[i]}, ${s.dtype}${shapeStr(s.dims)})`;
  }

  async ready(): Promise<void> {
    await this.rt.session(this.entry, () => this.describeInputs());
  }

  /** Validate the arguments and build the ORT feeds. */
  private feeds(args: readonly RunArg[]): Record<string, Tensor> {
    const t = this.traced;
    if (args.length < this.nArgs || args.slice(0, this.nArgs).some((a) => a === undefined)) {
      const missing = args.length < this.nArgs ? args.length : args.findIndex((a) => a === undefined);
      const first = t.inputPaths.findIndex((p) => p === String(missing) || p.startsWith(`${missing}.`));
      throw new MedreconError('MISSING_INPUT', `compiled function takes ${this.nArgs} argument${this.nArgs === 1 ? '' : 's'}, argument ${missing} is missing${first >= 0 ? ` (first ${this.describeInput(first)})` : ''}`, { expected: this.nArgs, got: args.length });
    }
    if (args.length > this.nArgs) {
      throw new MedreconError('INVALID_ARGUMENT', `compiled function takes ${this.nArgs} argument${this.nArgs === 1 ? '' : 's'}, got ${args.length}`, { expected: this.nArgs, got: args.length });
    }
    const feeds: Record<string, Tensor> = {};
    for (let a = 0; a < this.nArgs; a++) {
      let flat: { leaves: (HostTensor | RuntimeTensor)[]; paths: string[]; def: TreeDef };
      try {
        flat = flattenTree(args[a]!, isLeafArg);
      } catch (e) {
        throw new MedreconError('INVALID_ARGUMENT', `argument ${a}: expected a tree of HostTensor/RuntimeTensor (${(e as Error).message})`);
      }
      if (treeDefKey(flat.def) !== this.argKeys[a]) this.structureError(a, flat.paths);
      const off = this.argOffsets[a]!;
      flat.leaves.forEach((leaf, j) => {
        const i = off + j;
        const spec = t.inputSpecs[i]!;
        feeds[this.inputNames[i]!] = this.feedOne(i, spec, leaf);
      });
    }
    return feeds;
  }

  private structureError(a: number, givenPaths: string[]): never {
    const t = this.traced;
    const expected = t.inputPaths.map((p, i) => ({ p, i })).filter(({ p }) => p === String(a) || p.startsWith(`${a}.`));
    const given = new Set(givenPaths.map((p) => (p ? `${a}.${p}` : String(a))));
    const missing = expected.filter(({ p }) => !given.has(p));
    if (missing.length) {
      throw new MedreconError('MISSING_INPUT', `argument ${a}: missing ${missing.map(({ i }) => this.describeInput(i)).join(', ')}`, { missing: missing.map(({ p }) => p) });
    }
    const exp = new Set(expected.map(({ p }) => p));
    const extra = [...given].filter((p) => !exp.has(p));
    throw new MedreconError('INVALID_ARGUMENT', `argument ${a}: ${extra.length ? `unexpected input${extra.length > 1 ? 's' : ''} ${extra.map((p) => `'${p}'`).join(', ')}` : 'tree structure differs from the compiled one'} (expected ${expected.map(({ p }) => `'${p}'`).join(', ') || 'nothing'})`, { extra });
  }

  private feedOne(i: number, spec: TensorSpec, leaf: HostTensor | RuntimeTensor): Tensor {
    const dtype: DType = leaf.dtype;
    if (dtype !== spec.dtype) {
      throw new MedreconError('DTYPE_MISMATCH', `${this.describeInput(i)} got dtype ${dtype}`, { input: this.traced.inputPaths[i], expected: spec.dtype, got: dtype });
    }
    if (shapeStr(leaf.dims) !== shapeStr(spec.dims)) {
      throw new MedreconError('SHAPE_MISMATCH', `${this.describeInput(i)} got dims ${shapeStr(leaf.dims)}`, { input: this.traced.inputPaths[i], expected: [...spec.dims], got: [...leaf.dims] });
    }
    let ortT: Tensor;
    let data: Float32Array | Int32Array | Uint8Array | null;
    if (isRuntimeTensor(leaf)) {
      if (leaf.disposed) throw new MedreconError('INVALID_ARGUMENT', `${this.describeInput(i)}: the runtime tensor was disposed`, { input: this.traced.inputPaths[i] });
      ortT = leaf.ort;
      data = this.checkFinite ? leaf.cpuData() : null;
    } else {
      const h = leaf as HostTensor;
      checkHostTensor(h, this.describeInput(i));
      ortT = ortTensorOf(this.rt.ort, h);
      data = h.data;
    }
    if (this.checkFinite && dtype === 'float32' && data) {
      const k = firstNonFinite({ dtype, dims: leaf.dims, data } as HostTensor);
      if (k >= 0) {
        throw new MedreconError('NON_FINITE_INPUT', `${this.describeInput(i)} has a non-finite value (${data[k]}) at flat index ${k}`, { input: this.traced.inputPaths[i], index: k });
      }
    }
    return ortT;
  }

  async run(...args: RunArg[]): Promise<Tree<RuntimeTensor>> {
    const feeds = this.feeds(args);
    const session = await this.rt.session(this.entry, () => this.describeInputs());
    let out: InferenceSession.ReturnType;
    try {
      out = await session.run(feeds);
    } catch (e) {
      throw new MedreconError('RUNTIME_FAILURE', `ONNX Runtime failed running graph ${this.hash} (${this.describeInputs()}): ${(e as Error)?.message ?? String(e)}`, { hash: this.hash }, { cause: e });
    }
    const leaves = this.outputNames.map((n, k) => new OrtRuntimeTensor(out[n]!, this.traced.outputs[k]!.dtype));
    return unflattenTree(this.traced.outDef, leaves);
  }

  async runHost(...args: RunArg[]): Promise<Tree<HostTensor>> {
    const out = await this.run(...args);
    const { leaves, def } = flattenTree(out, isRuntimeTensor);
    const host = await Promise.all(leaves.map(async (l) => {
      const h = await l.toHost();
      l.dispose();
      return h;
    }));
    return unflattenTree(def, host);
  }
}
