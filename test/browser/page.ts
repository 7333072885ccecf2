/**
 * The browser side of the Node/browser agreement test (bundled by browser.test.ts with esbuild):
 * runs the shared cases of ./cases.ts on onnxruntime-web ('wasm') and posts the results on
 * `window.__results` (or the failure on `window.__error`).
 */
import { MedreconError } from '../../src/core/errors.js';
import { createRuntime, listDevices } from '../../src/web/index.js';
import { type PageResults, graphCases, rngDraws, trainCase } from './cases.js';

declare global {
  interface Window {
    __results?: PageResults;
    __error?: string;
  }
}

async function main(): Promise<PageResults> {
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    const r = await f();
    timings[name] = performance.now() - t0;
    return r;
  };
  let cudaError: string | null = null;
  try {
    createRuntime({ device: 'cuda' });
  } catch (e) {
    cudaError = e instanceof MedreconError ? e.code : `not a MedreconError: ${String(e)}`;
  }
  const rt = createRuntime({ wasmPaths: `${location.origin}/ort/` });
  const rng = await timed('rng', () => rngDraws());
  const graph = await timed('graph', () => graphCases(rt));
  const losses = await timed('train', () => trainCase(rt));
  return { devices: listDevices(), cudaError, rng, graph, losses, timings };
}

main().then(
  (r) => {
    window.__results = r;
  },
  (e: unknown) => {
    window.__error = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
  },
);
