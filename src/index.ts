/**
 * medrecon — the platform-neutral catalogue (safe in Node and in the browser).
 *
 * Bind a concrete ONNX Runtime with an entry: `medrecon/node` (onnxruntime-node: cpu, cuda) or the
 * browser entry (onnxruntime-web: wasm, webgpu). Everything here only builds graphs, evaluates
 * them in the reference interpreter, or encodes/decodes bytes.
 *
 * @example
 *   import { spec, conv, relu, valueAndGrad } from 'medrecon';
 *   import { createRuntime } from 'medrecon/node';
 *   const rt = createRuntime();
 *   const f = rt.compile((w, x) => relu(conv(x, w, { padding: 1 })).mean(), [spec([8, 1, 3, 3]), spec([1, 1, 64, 64])]);
 */
export * from './core/errors.js';
export * from './core/tensor.js';
export * from './core/tree.js';
export * from './core/rng.js';
export * from './ir/index.js';
export * from './ir/composite.js';
export * from './autodiff/index.js';
export * as interp from './interp/index.js';
export { lowerToOnnx, ONNX_OPSET, type Lowered, type LowerOptions } from './onnx/lower.js';
export { dumpGraph } from './onnx/dump.js';
export * from './onnx/export.js';
export { Runtime, type Compiled, type RuntimeTensor, type RuntimeOptions, type CompileOptions, type Device } from './runtime/index.js';
export * from './nn/index.js';
export * from './train/index.js';
export * from './io/index.js';
export * from './metrics/index.js';
export * from './physics/index.js';
export * from './optim/index.js';
export * from './diffusion/index.js';
