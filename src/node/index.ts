/**
 * Node entry: binds onnxruntime-node to the runtime.
 *
 * @example
 *   import { createRuntime, listDevices } from 'medrecon/node';
 *   console.log(listDevices());            // e.g. ['cpu', 'webgpu']
 *   const rt = createRuntime({ threads: 2 });
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { DEVICES, type Device, Runtime, type RuntimeOptions } from '../runtime/index.js';

export * from '../runtime/index.js';

/** Whether onnxruntime-node's CUDA execution provider library is installed next to its binding. */
function cudaProviderInstalled(): boolean {
  try {
    const req = createRequire(import.meta.url);
    const pkg = dirname(req.resolve('onnxruntime-node/package.json'));
    const bin = join(pkg, 'bin');
    const walk = (d: string, depth: number): boolean =>
      depth >= 0 &&
      existsSync(d) &&
      readdirSync(d, { withFileTypes: true }).some((e) =>
        e.isDirectory() ? walk(join(d, e.name), depth - 1) : /onnxruntime_providers_cuda\.(so|dll)$/.test(e.name),
      );
    return walk(bin, 4);
  } catch {
    return false;
  }
}

let devices: Device[] | undefined;

/**
 * Devices usable from Node here: 'cpu', 'webgpu' when ORT bundles it (it may still find no GPU
 * adapter: session creation then fails with RUNTIME_FAILURE), 'cuda' only when the CUDA provider
 * binaries are installed.
 */
export function listDevices(): Device[] {
  if (devices) return [...devices];
  const found = new Set<Device>(['cpu']);
  for (const b of ort.listSupportedBackends()) {
    const name = b.name as Device;
    if (!DEVICES.includes(name)) continue;
    if (name === 'cuda') {
      if (cudaProviderInstalled()) found.add('cuda');
    } else if (b.bundled) found.add(name);
  }
  devices = DEVICES.filter((d) => found.has(d));
  return [...devices];
}

/** A new runtime on onnxruntime-node. */
export function createRuntime(opts?: RuntimeOptions): Runtime {
  return new Runtime(ort, opts, listDevices());
}

let dflt: Runtime | undefined;
/** The process-wide default runtime (CPU), created on first use. */
export function defaultRuntime(): Runtime {
  dflt ??= createRuntime();
  return dflt;
}

/** Node-only file helpers (filesystem wrappers around the byte codecs of src/io). */
export * from '../io/node-files.js';
export { loadMriSlices, loadCtSlice, fixturesDir } from '../io/fixtures.js';
export { modelFiles, loadModelFile, weightsDir, listShippedModels, loadShippedModel } from './weights.js';
