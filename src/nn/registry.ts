/**
 * The model registry: one entry per network family, so that training, saving, loading, export and
 * the CLI treat every model the same way. A model is (kind, config, params); its forward is
 *
 *   denoiser role  (drunet, dncnn):  y = apply(p, x, cond),  cond = σ [N] in the network's
 *                                     normalised units (σ / width of the data range); dncnn ignores it
 *   diffusion role (cunet, unet):    y = apply(p, x_t, cond), cond = t [N] float32 timesteps
 *
 * with x [N, C, H, W]. A saved model is a safetensors file of the parameters plus a JSON document
 * (`SavedModelMeta`): kind, config, role, data range, the diffusion parameterisation when there is
 * one, and free-form training provenance (the model card's facts).
 *
 * @example
 *   const e = modelEntry('drunet');
 *   const p = e.init(new Rng(0), { channels: 1, widths: [16, 32, 64], blocksPerLevel: 1 });
 *   const y = e.apply(p, x, sigma, cfg);                   // inside a traced function
 *   const file = saveModel(p, { kind: 'drunet', config: cfg, role: 'denoiser', dataRange: 'unit' });
 *   const { params, meta } = loadModel(file.safetensors, file.configJson);
 */
import { MedreconError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { HostTensor } from '../core/tensor.js';
import type { Tree } from '../core/tree.js';
import type { Sym } from '../ir/sym.js';
import { type JsonValue, type ParamsFile, type WriteSafetensorsOptions, loadParams, saveParams } from '../io/safetensors.js';
import type { DataRange } from './denoiser.js';
import { type CunetConfig, type CunetParams, cunet, initCunet, resolveCunetConfig } from './models/cunet.js';
import { type DncnnConfig, type DncnnParams, dncnn, initDncnn } from './models/dncnn.js';
import { type DrunetConfig, type DrunetParams, drunet, drunetForwardOptions, initDrunet } from './models/drunet.js';
import { type UnetConfig, type UnetParams, initUnet, resolveUnetConfig, unet } from './models/unet.js';

export type ModelKind = 'drunet' | 'dncnn' | 'cunet' | 'unet';
export type ModelRole = 'denoiser' | 'diffusion';
export const MODEL_KINDS: readonly ModelKind[] = ['drunet', 'dncnn', 'cunet', 'unet'];

export type ModelConfig = DrunetConfig | DncnnConfig | CunetConfig | UnetConfig;

export interface ModelEntry {
  readonly kind: ModelKind;
  readonly role: ModelRole;
  init(rng: Rng, config: ModelConfig): Tree<HostTensor>;
  /** Forward pass (see the module comment for `cond`). */
  apply(params: Tree<Sym>, x: Sym, cond: Sym, config: ModelConfig): Sym;
  /** Input channels C. */
  channels(config: ModelConfig): number;
  /** H and W must be multiples of this. */
  sizeMultiple(config: ModelConfig): number;
}

const ENTRIES: Readonly<Record<ModelKind, ModelEntry>> = {
  drunet: {
    kind: 'drunet', role: 'denoiser',
    init: (rng, c) => initDrunet(rng, c as DrunetConfig) as Tree<HostTensor>,
    apply: (p, x, cond, c) => drunet(p as unknown as DrunetParams<Sym>, x, cond, drunetForwardOptions(c as DrunetConfig)),
    channels: (c) => (c as DrunetConfig).channels,
    sizeMultiple: (c) => 2 ** ((c as DrunetConfig).widths.length - 1),
  },
  dncnn: {
    kind: 'dncnn', role: 'denoiser',
    init: (rng, c) => initDncnn(rng, c as DncnnConfig) as Tree<HostTensor>,
    apply: (p, x) => dncnn(p as unknown as DncnnParams<Sym>, x),
    channels: (c) => (c as DncnnConfig).channels,
    sizeMultiple: () => 1,
  },
  cunet: {
    kind: 'cunet', role: 'diffusion',
    init: (rng, c) => initCunet(rng, c as CunetConfig) as Tree<HostTensor>,
    apply: (p, x, t, c) => cunet(p as unknown as CunetParams<Sym>, x, t, c as CunetConfig),
    channels: (c) => (c as CunetConfig).channels,
    sizeMultiple: (c) => 2 ** resolveCunetConfig(c as CunetConfig).levels,
  },
  unet: {
    kind: 'unet', role: 'diffusion',
    init: (rng, c) => initUnet(rng, c as UnetConfig) as Tree<HostTensor>,
    apply: (p, x, t, c) => unet(p as unknown as UnetParams<Sym>, x, t, c as UnetConfig),
    channels: (c) => (c as UnetConfig).channels,
    sizeMultiple: (c) => 2 ** (resolveUnetConfig(c as UnetConfig).dimMults.length - 1),
  },
};

/** The registry entry of a model kind (INVALID_ARGUMENT for an unknown kind). */
export function modelEntry(kind: string): ModelEntry {
  const e = (ENTRIES as Record<string, ModelEntry | undefined>)[kind];
  if (!e) throw new MedreconError('INVALID_ARGUMENT', `unknown model kind '${kind}' (kinds: ${MODEL_KINDS.join(', ')})`);
  return e;
}

/** How a diffusion model was trained: x₀ lives in [−1, 1] (the data range mapped linearly). */
export interface DiffusionMeta {
  readonly schedule: 'linear' | 'sigmoid' | 'cosine';
  readonly T: number;
  readonly prediction: 'eps' | 'v';
}

/** The JSON side of a saved model. */
export interface SavedModelMeta {
  readonly kind: ModelKind;
  readonly config: ModelConfig;
  readonly role: ModelRole;
  /** Units of the images the model was trained on (denoisers: σ is relative to its width). */
  readonly dataRange: DataRange;
  readonly diffusion?: DiffusionMeta;
  /** Provenance for the model card: data, split, steps, wall time, σ or t range, licence… */
  readonly training?: { readonly [k: string]: JsonValue };
  readonly name?: string;
}

export interface LoadedModel {
  readonly params: Tree<HostTensor>;
  readonly meta: SavedModelMeta;
}

/** Serialise a model (parameters F32, or F16 with `{ dtype: 'F16' }`). */
export function saveModel(params: Tree<HostTensor>, meta: SavedModelMeta, opts: WriteSafetensorsOptions = {}): ParamsFile {
  checkMeta(meta);
  return saveParams(params, { format: 'medrecon-model', ...meta } as unknown as JsonValue, opts);
}

/** Inverse of `saveModel` (CORRUPT_FILE when the JSON is not a medrecon model). */
export function loadModel(bytes: Uint8Array, configJson: string): LoadedModel {
  const { params, config } = loadParams(bytes, configJson);
  const m = config as unknown as (SavedModelMeta & { format?: string }) | null;
  if (!m || typeof m !== 'object' || m.format !== 'medrecon-model') throw new MedreconError('CORRUPT_FILE', 'loadModel: the JSON is not a medrecon model (format ≠ medrecon-model)');
  const { format: _f, ...meta } = m;
  try {
    checkMeta(meta);
  } catch (e) {
    throw new MedreconError('CORRUPT_FILE', `loadModel: ${(e as Error).message}`);
  }
  return { params, meta };
}

function checkMeta(meta: SavedModelMeta): void {
  const e = modelEntry(meta.kind);
  if (meta.role !== e.role) throw new MedreconError('INVALID_ARGUMENT', `model ${meta.kind} has role ${e.role}, not ${meta.role}`);
  if (e.role === 'diffusion' && !meta.diffusion) throw new MedreconError('INVALID_ARGUMENT', `diffusion model ${meta.kind} needs diffusion metadata (schedule, T, prediction)`);
  if (meta.dataRange === undefined) throw new MedreconError('INVALID_ARGUMENT', 'model metadata needs a dataRange');
}
