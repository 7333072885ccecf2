/**
 * Browser entry: binds onnxruntime-web to the runtime.
 *
 * Devices: 'wasm' always (ORT's CPU kernels compiled to WebAssembly), 'webgpu' when the browser
 * exposes `navigator.gpu` (an adapter may still be missing, e.g. with a GPU-less headless browser:
 * session creation then fails with RUNTIME_FAILURE). The default device is 'wasm'. Asking for
 * 'cpu' or 'cuda' throws DEVICE_UNAVAILABLE.
 *
 * ONNX Runtime's own files (`ort-wasm-simd-threaded.jsep.wasm` and friends, from
 * `node_modules/onnxruntime-web/dist/`) must be served by the page; `wasmPaths` is the URL prefix
 * they are fetched from (ending with '/'; default: ORT's own guess, next to the bundle).
 *
 * Threads: `threads` sets `ort.env.wasm.numThreads`; the default is 1 unless the page is
 * cross-origin isolated (only then can WebAssembly threads share memory), where ORT picks.
 * ORT reads these settings when it loads its WebAssembly module, i.e. at the first session: the
 * first runtime that creates a session fixes them for the page.
 *
 * All session work (create, run, release) of the runtimes made here goes through one serialized
 * queue (see `./queue.ts`): onnxruntime-web must not run two `session.run` calls at once.
 *
 * @example
 *   import { createRuntime, listDevices } from 'medrecon/web';
 *   const rt = createRuntime({ wasmPaths: '/ort/' });     // device 'wasm'
 *   const f = rt.compile((x: Sym) => x.relu(), [spec([4])]);
 *   const y = await f.runHost(tensor([4], [-1, 2, -3, 4]));  // [0, 2, 0, 4]
 */
import * as ort from 'onnxruntime-web';
import { MedreconError, checkOptions } from '../core/errors.js';
import { type Device, type OrtLike, Runtime, type RuntimeOptions } from '../runtime/index.js';
import { serialQueue, serializeOrt } from './queue.js';

export * from '../runtime/index.js';
export { type SerialQueue, serialQueue, serializeOrt } from './queue.js';

export interface WebRuntimeOptions extends RuntimeOptions {
  /**
   * URL prefix (ending with '/') where ORT's .wasm/.mjs files are served, e.g. '/ort/' or an
   * absolute URL of your own static host (sets `ort.env.wasm.wasmPaths`).
   */
  wasmPaths?: string;
}
const WEB_OPTION_KEYS = ['device', 'threads', 'checkFinite', 'graphOptimization', 'wasmPaths'] as const;

interface BrowserGlobals {
  readonly navigator?: { readonly gpu?: unknown };
  readonly crossOriginIsolated?: boolean;
}
const g = globalThis as BrowserGlobals;

/** Devices usable here: 'wasm', plus 'webgpu' when `navigator.gpu` exists. */
export function listDevices(): Device[] {
  return g.navigator?.gpu ? ['wasm', 'webgpu'] : ['wasm'];
}

/** One queue for every session of this page (they share one WebAssembly instance). */
const queue = serialQueue();
const serializedOrt: OrtLike = serializeOrt(ort, queue);

/** The onnxruntime-web module the runtimes use (for `ort.env` tweaks beyond the options here). */
export { ort };

/**
 * A new runtime on onnxruntime-web (default device 'wasm').
 * Throws DEVICE_UNAVAILABLE for a device not in `listDevices()`, UNKNOWN_OPTION for unknown keys.
 */
export function createRuntime(opts: WebRuntimeOptions = {}): Runtime {
  checkOptions('createRuntime', opts, WEB_OPTION_KEYS);
  const { wasmPaths, ...rest } = opts;
  if (wasmPaths !== undefined) {
    if (typeof wasmPaths !== 'string' || wasmPaths === '') throw new MedreconError('INVALID_ARGUMENT', `createRuntime: wasmPaths must be a non-empty URL prefix, got ${JSON.stringify(wasmPaths)}`);
    ort.env.wasm.wasmPaths = wasmPaths.endsWith('/') ? wasmPaths : `${wasmPaths}/`;
  }
  if (rest.threads !== undefined && !(Number.isInteger(rest.threads) && rest.threads >= 0)) {
    throw new MedreconError('INVALID_ARGUMENT', `createRuntime: threads must be a non-negative integer, got ${rest.threads}`);
  }
  if (rest.threads !== undefined) ort.env.wasm.numThreads = rest.threads;
  else if (g.crossOriginIsolated !== true) ort.env.wasm.numThreads = 1;
  return new Runtime(serializedOrt, { ...rest, device: rest.device ?? 'wasm' }, listDevices());
}

let dflt: Runtime | undefined;
/** The page's default runtime ('wasm'), created on first use. */
export function defaultRuntime(): Runtime {
  dflt ??= createRuntime();
  return dflt;
}
