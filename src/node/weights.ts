/**
 * Saved models on disk (Node only: uses `node:fs`): a model is `NAME.safetensors` + `NAME.json`
 * (see `saveModel` in src/nn/registry.ts). The shipped weights live in the package's `weights/`
 * folder; each has a model card `NAME.md` (data, split, steps, wall time, σ/t range, licence).
 *
 * @example
 *   const m = loadShippedModel('mri-drunet');      // { params, meta }
 *   const d = modelDenoiser(m);                    // a Denoiser in the model's data units
 *   const n = loadModelFile('runs/x/model.json');  // any saved model (.json, .safetensors or the stem)
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MedreconError } from '../core/errors.js';
import { type LoadedModel, loadModel } from '../nn/registry.js';

/** The two files of a saved model given its .json, its .safetensors or the common stem. */
export function modelFiles(path: string): { json: string; safetensors: string } {
  const stem = path.replace(/\.(json|safetensors)$/i, '');
  const json = `${stem}.json`;
  const safetensors = `${stem}.safetensors`;
  for (const f of [safetensors, json]) if (!existsSync(f)) throw new MedreconError('INVALID_ARGUMENT', `${f}: no such file (a saved model is STEM.json + STEM.safetensors)`);
  return { json, safetensors };
}

/** Load a saved model from disk (typed CORRUPT_FILE errors for damaged files). */
export function loadModelFile(path: string): LoadedModel {
  const f = modelFiles(path);
  return loadModel(new Uint8Array(readFileSync(f.safetensors)), readFileSync(f.json, 'utf8'));
}

/** The package's `weights/` folder (walking up from this module). */
export function weightsDir(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const c = join(d, 'weights');
    if (existsSync(join(d, 'package.json')) && existsSync(c)) return c;
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  throw new MedreconError('INVALID_ARGUMENT', 'weights: could not find the weights/ folder above ' + fileURLToPath(import.meta.url));
}

/** Names of the shipped models (files in weights/ with both halves). */
export function listShippedModels(): string[] {
  const dir = weightsDir();
  return readdirSync(dir).filter((f) => f.endsWith('.json') && existsSync(join(dir, f.replace(/\.json$/, '.safetensors')))).map((f) => f.replace(/\.json$/, '')).sort();
}

/** Load a shipped model by name (e.g. 'mri-drunet'), or any saved model by path. */
export function loadShippedModel(name: string): LoadedModel {
  if (/[/\\]/.test(name) || /\.(json|safetensors)$/.test(name)) return loadModelFile(resolve(name));
  const names = listShippedModels();
  if (!names.includes(name)) throw new MedreconError('INVALID_ARGUMENT', `no shipped model '${name}' (shipped: ${names.join(', ') || 'none'})`);
  return loadModelFile(join(weightsDir(), name));
}
