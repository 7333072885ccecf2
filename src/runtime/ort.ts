/**
 * The shape of an ONNX Runtime module as the runtime uses it (onnxruntime-node and onnxruntime-web
 * both satisfy it). Only types are imported here; a concrete ORT package is bound by `src/node`
 * (or `src/web`) and injected into `Runtime`.
 *
 * Devices map to execution providers through `EXECUTION_PROVIDERS`.
 *
 * @example
 *   import * as ort from 'onnxruntime-node';
 *   const rt = new Runtime(ort, { device: 'cpu' });
 */
import type { InferenceSession, Tensor, TensorConstructor } from 'onnxruntime-common';

export type { InferenceSession, Tensor };

/** The execution devices medrecon knows. */
export type Device = 'cpu' | 'cuda' | 'wasm' | 'webgpu';
export const DEVICES: readonly Device[] = ['cpu', 'cuda', 'wasm', 'webgpu'];

/** Device → ORT execution provider name. */
export const EXECUTION_PROVIDERS: { readonly [D in Device]: string } = {
  cpu: 'cpu',
  cuda: 'cuda',
  wasm: 'wasm',
  webgpu: 'webgpu',
};

/** One entry of onnxruntime-node's `listSupportedBackends()`. */
export interface OrtBackendInfo {
  readonly name: string;
  readonly bundled?: boolean;
}

/** What the runtime needs from an ORT module. */
export interface OrtLike {
  readonly InferenceSession: {
    create(buffer: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  };
  readonly Tensor: TensorConstructor;
  /** onnxruntime-node only: the backends of this build (`bundled: false` = needs extra binaries). */
  readonly listSupportedBackends?: () => readonly OrtBackendInfo[];
}

/** Devices an ORT module reports as usable: bundled backends we know, `cpu` always for Node. */
export function devicesFromOrt(ort: OrtLike): Device[] {
  if (!ort.listSupportedBackends) return ['cpu'];
  const out = new Set<Device>();
  for (const b of ort.listSupportedBackends()) {
    if (b.bundled === false) continue;
    if ((DEVICES as readonly string[]).includes(b.name)) out.add(b.name as Device);
  }
  return DEVICES.filter((d) => out.has(d));
}
