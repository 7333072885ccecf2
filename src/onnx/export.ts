/**
 * Standalone ONNX export: a traced function, or any registry model with its weights, as one ONNX
 * ModelProto (opset `ONNX_OPSET` = 18, the runtime's) that ONNX Runtime (or any ONNX consumer) runs
 * without medrecon. Host tensors captured by the traced closure are graph constants and become
 * ONNX initializers; the graph's inputs and outputs carry readable names.
 *
 * Model signature (`exportModel`), with N the batch, C the model's channels, r the width of the
 * model's data range (1 for 'unit', 2 for 'signed', max − min otherwise):
 *
 *   denoiser (drunet, dncnn):  y = lo + r·apply(p, (x − lo)/r, σ/r)   (= modelDenoiser's Denoiser view)
 *                              x [N, C, H, W] and sigma [N] in the data's units, [lo, lo + r] the range
 *                              (dncnn ignores sigma; the input is kept so every denoiser looks alike)
 *   diffusion (cunet, unet):   y = apply(p, x, t)       x [N, C, H, W] = x_t (data range mapped to
 *                              [−1, 1]), t [N] float32 timesteps in [0, T); y is the ε or v prediction
 *
 * All shapes are static: N, H and W are fixed at export (H, W multiples of the model's size
 * multiple). The model's kind, role, config, data range, diffusion parameterisation, training
 * provenance and the medrecon version go into the ModelProto's metadata_props.
 *
 * @example
 *   const bytes = exportOnnx((x: Sym) => x.mul(2), [spec([1, 3])]);          // input 'x', output 'y'
 *   const onnx = exportModel(loadModel(st, json), { height: 256, width: 256 }); // x, sigma → y
 */
import { constantParams, isHostLeaf, modelDenoiser } from '../diffusion/model-denoiser.js';
import { MedreconError, checkOptions } from '../core/errors.js';
import { type Tree, flattenTree } from '../core/tree.js';
import { withNodeScope } from '../ir/node.js';
import type { Sym } from '../ir/sym.js';
import { type SymFn, type TensorSpec, spec, trace } from '../ir/trace.js';
import { type LoadedModel, type SavedModelMeta, modelEntry } from '../nn/registry.js';
import { lowerToOnnx } from './lower.js';
import { PRODUCER_VERSION } from './proto.js';

export interface ExportOnnxOptions {
  /** Graph name (default 'medrecon'). */
  readonly name?: string;
  /** One name per flat input (default: 'x' for a single input, else `in_<path>`). */
  readonly inputNames?: readonly string[];
  /** One name per flat output (default: 'y' for a single output, else `out_<path>`). */
  readonly outputNames?: readonly string[];
  /** ModelProto.doc_string. */
  readonly docString?: string;
  /** ModelProto.metadata_props. */
  readonly metadata?: Readonly<Record<string, string>>;
}
const EXPORT_ONNX_KEYS = ['name', 'inputNames', 'outputNames', 'docString', 'metadata'] as const;

/**
 * Trace `fn` on placeholders of `specs` and return a standalone ONNX model (bytes). Values the
 * closure captures (e.g. `constant(hostWeights)`) are embedded as initializers.
 *
 * @example
 *   const w = constant(tensor([3], [1, 2, 3]));
 *   const bytes = exportOnnx((x: Sym) => x.mul(w), [spec([2, 3])], { inputNames: ['image'] });
 */
export function exportOnnx(fn: SymFn, specs: readonly Tree<TensorSpec>[], opts: ExportOnnxOptions = {}): Uint8Array {
  checkOptions('exportOnnx', opts, EXPORT_ONNX_KEYS);
  if (typeof fn !== 'function') throw new MedreconError('INVALID_ARGUMENT', 'exportOnnx: fn must be a function');
  if (!Array.isArray(specs)) throw new MedreconError('INVALID_ARGUMENT', 'exportOnnx: specs must be an array with one spec tree per argument');
  if (opts.metadata !== undefined) {
    if (typeof opts.metadata !== 'object' || opts.metadata === null) throw new MedreconError('INVALID_ARGUMENT', 'exportOnnx: metadata must be an object of strings');
    for (const [k, v] of Object.entries(opts.metadata)) {
      if (typeof v !== 'string') throw new MedreconError('INVALID_ARGUMENT', `exportOnnx: metadata '${k}' must be a string, got ${typeof v}`, { key: k });
    }
  }
  return withNodeScope(() => {
    const traced = trace(fn, specs);
    const inputNames = opts.inputNames ?? (traced.inputs.length === 1 ? ['x'] : undefined);
    const outputNames = opts.outputNames ?? (traced.outputs.length === 1 ? ['y'] : undefined);
    return lowerToOnnx(traced, {
      name: opts.name ?? 'medrecon',
      ...(inputNames ? { inputNames } : {}),
      ...(outputNames ? { outputNames } : {}),
      ...(opts.docString ? { docString: opts.docString } : {}),
      ...(opts.metadata ? { metadata: opts.metadata } : {}),
    }).bytes;
  });
}

export interface ExportModelOptions {
  /** Batch size N (default 1). */
  readonly batch?: number;
  /** Image height H (a multiple of the model's size multiple). */
  readonly height: number;
  /** Image width W (a multiple of the model's size multiple). */
  readonly width: number;
  /** Graph name (default: the model's name, else its kind). */
  readonly name?: string;
}
const EXPORT_MODEL_KEYS = ['batch', 'height', 'width', 'name'] as const;

/** One graph input or output of an exported model. */
export interface ExportedValue {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dtype: 'float32';
  /** What the value means. */
  readonly description: string;
}

/** The inputs and outputs `exportModel` gives a model at a size. */
export interface ModelSignature {
  readonly inputs: readonly ExportedValue[];
  readonly outputs: readonly ExportedValue[];
}

function positiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new MedreconError('INVALID_ARGUMENT', `exportModel: ${what} must be a positive integer, got ${String(v)}`, { [what]: v });
  return v;
}

function describeRange(meta: SavedModelMeta): string {
  const r = meta.dataRange;
  return r === 'unit' ? '[0, 1]' : r === 'signed' ? '[−1, 1]' : `[${r.min}, ${r.max}]${r.unit ? ` ${r.unit}` : ''}`;
}

/**
 * The graph inputs and outputs of `exportModel(model, opts)` (validates the sizes: INVALID_ARGUMENT
 * for a batch/height/width that is not a positive integer, SHAPE_MISMATCH for H or W that is not a
 * multiple of the model's size multiple).
 *
 * @example
 *   modelSignature(meta, { height: 64, width: 64 }).inputs.map((v) => v.name); // ['x', 'sigma']
 */
export function modelSignature(meta: SavedModelMeta, opts: ExportModelOptions): ModelSignature {
  checkOptions('exportModel', opts, EXPORT_MODEL_KEYS);
  const entry = modelEntry(meta.kind);
  const N = positiveInt(opts.batch ?? 1, 'batch');
  const H = positiveInt(opts.height, 'height');
  const W = positiveInt(opts.width, 'width');
  const m = entry.sizeMultiple(meta.config);
  if (H % m || W % m) {
    throw new MedreconError('SHAPE_MISMATCH', `exportModel: ${meta.kind} needs H and W divisible by ${m}, got ${H}×${W} (e.g. ${Math.max(m, Math.round(H / m) * m)}×${Math.max(m, Math.round(W / m) * m)})`, { height: H, width: W, sizeMultiple: m });
  }
  const C = entry.channels(meta.config);
  const dims = [N, C, H, W];
  const range = describeRange(meta);
  if (entry.role === 'denoiser') {
    return {
      inputs: [
        { name: 'x', dims, dtype: 'float32', description: `noisy images in the data range ${range}` },
        { name: 'sigma', dims: [N], dtype: 'float32', description: `noise standard deviation per image, in the data's units${meta.kind === 'dncnn' ? ' (ignored by dncnn)' : ''}` },
      ],
      outputs: [{ name: 'y', dims, dtype: 'float32', description: 'denoised images' }],
    };
  }
  const d = meta.diffusion;
  return {
    inputs: [
      { name: 'x', dims, dtype: 'float32', description: `noisy x_t (data range ${range} mapped to [−1, 1])` },
      { name: 't', dims: [N], dtype: 'float32', description: `diffusion timestep per image, in [0, ${d?.T ?? 1000})` },
    ],
    outputs: [{ name: 'y', dims, dtype: 'float32', description: `${d?.prediction === 'v' ? 'v' : 'ε'} prediction${d ? ` (${d.schedule} schedule, T = ${d.T})` : ''}` }],
  };
}

/** ModelProto metadata_props of an exported model. */
function modelMetadata(meta: SavedModelMeta): Record<string, string> {
  const md: Record<string, string> = {
    kind: meta.kind,
    role: meta.role,
    config: JSON.stringify(meta.config),
    data_range: JSON.stringify(meta.dataRange),
    medrecon_version: PRODUCER_VERSION,
  };
  if (meta.diffusion) md['diffusion'] = JSON.stringify(meta.diffusion);
  if (meta.name) md['name'] = meta.name;
  if (meta.training) md['training'] = JSON.stringify(meta.training);
  return md;
}

/**
 * A saved model (see `loadModel`) as a standalone ONNX inference model at a fixed batch and size:
 * inputs `x` [N, C, H, W] and `sigma` [N] (denoisers, σ in the data's units; the graph divides it
 * by the data-range width r) or `t` [N] (diffusion), output `y` [N, C, H, W]. Errors: see
 * `modelSignature`.
 *
 * @example
 *   const { params, meta } = loadModel(safetensorsBytes, configJson);
 *   writeFileSync('drunet.onnx', exportModel({ params, meta }, { height: 256, width: 256 }));
 */
export function exportModel(model: LoadedModel, opts: ExportModelOptions): Uint8Array {
  if (!model || typeof model !== 'object' || !model.meta || !model.params) throw new MedreconError('INVALID_ARGUMENT', 'exportModel: expected a loaded model { params, meta }');
  const { params, meta } = model;
  const sig = modelSignature(meta, opts);
  const entry = modelEntry(meta.kind);
  const leaves = flattenTree(params, isHostLeaf).leaves;
  if (leaves.some((l) => l.dtype !== 'float32')) throw new MedreconError('DTYPE_MISMATCH', `exportModel: ${meta.kind} parameters must be float32`);
  // Denoisers: the library's Denoiser view (data units in and out: u = (x − lo)/r, y = lo + r·f(u, σ/r)).
  const forward = (x: Sym, cond: Sym): Sym => {
    if (entry.role === 'denoiser') return modelDenoiser(model).denoise(x, cond);
    const p = constantParams(params);
    return entry.apply(p, x, cond, meta.config);
  };
  const doc = [
    `medrecon ${meta.kind} (${meta.role})${meta.name ? ` '${meta.name}'` : ''}, exported for inference.`,
    ...sig.inputs.map((v) => `input ${v.name} ${v.dtype}[${v.dims.join(', ')}]: ${v.description}`),
    ...sig.outputs.map((v) => `output ${v.name} ${v.dtype}[${v.dims.join(', ')}]: ${v.description}`),
  ].join('\n');
  return exportOnnx(forward, sig.inputs.map((v) => spec(v.dims)), {
    name: opts.name ?? meta.name ?? meta.kind,
    inputNames: sig.inputs.map((v) => v.name),
    outputNames: sig.outputs.map((v) => v.name),
    docString: doc,
    metadata: modelMetadata(meta),
  });
}
