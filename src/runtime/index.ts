/**
 * The runtime: the only door to ONNX Runtime (an ORT module is injected, never imported here).
 *
 * @example
 *   import { createRuntime } from 'medrecon/node';
 *   const rt = createRuntime();
 *   const f = rt.compile((x: Sym) => x.exp(), [spec([3])]);
 *   const y = await f.runHost(tensor([3], [0, 1, 2]));
 */
export { type CompileOptions, type Compiled, type RunArg, Runtime, type RuntimeOptions, type RuntimeStats } from './runtime.js';
export { type RuntimeTensor, isHostTensor, isRuntimeTensor } from './tensor.js';
export { DEVICES, type Device, EXECUTION_PROVIDERS, type OrtBackendInfo, type OrtLike, devicesFromOrt } from './ort.js';
