/**
 * Runtime tensors: values that live in ONNX Runtime (an ORT `Tensor`), returned by compiled
 * functions and fed back to them without a round trip through JS arrays.
 *
 * @example
 *   const x = rt.tensor(tensor([3], [1, 2, 3]));
 *   const y = await f.run(x);            // a RuntimeTensor
 *   const h = await y.toHost();          // HostTensor copy: { dtype, dims, data }
 */
import { MedreconError } from '../core/errors.js';
import { type DType, type HostTensor, shapeStr, sizeOf } from '../core/tensor.js';
import type { OrtLike, Tensor } from './ort.js';

export interface RuntimeTensor {
  readonly dims: readonly number[];
  readonly dtype: DType;
  /** Copy the values to a host tensor (the copy is independent of this tensor). */
  toHost(): Promise<HostTensor>;
  /** Free the ORT memory now; the tensor cannot be used afterwards. */
  dispose(): void;
  readonly disposed: boolean;
}

/** The runtime's RuntimeTensor: an ORT tensor plus our dtype. */
export class OrtRuntimeTensor implements RuntimeTensor {
  private value: Tensor | null;
  readonly dims: readonly number[];
  constructor(value: Tensor, readonly dtype: DType) {
    this.value = value;
    this.dims = [...value.dims];
  }
  get disposed(): boolean {
    return this.value === null;
  }
  /** The wrapped ORT tensor (throws once disposed). */
  get ort(): Tensor {
    if (this.value === null) throw new MedreconError('INVALID_ARGUMENT', `runtime tensor ${this.dtype}${shapeStr(this.dims)} was disposed`);
    return this.value;
  }
  async toHost(): Promise<HostTensor> {
    const t = this.ort;
    const data = t.location === 'cpu' ? t.data : await t.getData();
    return { dtype: this.dtype, dims: [...this.dims], data: (data as Float32Array | Int32Array | Uint8Array).slice() } as HostTensor;
  }
  /** Float data readable synchronously (CPU tensors), else null. */
  cpuData(): Float32Array | Int32Array | Uint8Array | null {
    const t = this.ort;
    return t.location === 'cpu' ? (t.data as Float32Array | Int32Array | Uint8Array) : null;
  }
  dispose(): void {
    if (this.value === null) return;
    this.value.dispose();
    this.value = null;
  }
  toString(): string {
    return `RuntimeTensor(${this.dtype}${shapeStr(this.dims)})`;
  }
}

export function isRuntimeTensor(x: unknown): x is OrtRuntimeTensor {
  return x instanceof OrtRuntimeTensor;
}

export function isHostTensor(x: unknown): x is HostTensor {
  if (typeof x !== 'object' || x === null) return false;
  const t = x as HostTensor;
  return typeof t.dtype === 'string' && Array.isArray(t.dims) && ArrayBuffer.isView(t.data);
}

const ARRAY_FOR: Record<DType, (new (n: number) => Float32Array | Int32Array | Uint8Array) & { name: string }> = {
  float32: Float32Array,
  int32: Int32Array,
  bool: Uint8Array,
};

/** Check a host tensor's own consistency (dtype known, typed array kind and length match dims). */
export function checkHostTensor(h: HostTensor, what: string): void {
  const ctor = ARRAY_FOR[h.dtype];
  if (!ctor) throw new MedreconError('DTYPE_MISMATCH', `${what}: unknown dtype '${String(h.dtype)}'`, { dtype: h.dtype });
  if (!(h.data instanceof ctor)) {
    throw new MedreconError('DTYPE_MISMATCH', `${what}: dtype ${h.dtype} needs a ${ctor.name}, got ${h.data.constructor.name}`, { dtype: h.dtype });
  }
  if (h.data.length !== sizeOf(h.dims)) {
    throw new MedreconError('SHAPE_MISMATCH', `${what}: data has ${h.data.length} elements but dims ${shapeStr(h.dims)} need ${sizeOf(h.dims)}`, { dims: [...h.dims] });
  }
}

/** Wrap host data as an ORT tensor without copying. */
export function ortTensorOf(ort: OrtLike, h: HostTensor): Tensor {
  switch (h.dtype) {
    case 'float32':
      return new ort.Tensor('float32', h.data as Float32Array, h.dims);
    case 'int32':
      return new ort.Tensor('int32', h.data as Int32Array, h.dims);
    case 'bool':
      return new ort.Tensor('bool', h.data as Uint8Array, h.dims);
  }
  throw new MedreconError('DTYPE_MISMATCH', `unknown dtype '${String(h.dtype)}'`);
}
