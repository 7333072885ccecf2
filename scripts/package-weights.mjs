// Copy trained runs (.cache/runs/<run>/model.*) into weights/<name>.* as float16 safetensors, and
// write each model card's facts section from the run's metadata. Run after scripts/train-weights.sh
// and `npm run build`: node scripts/package-weights.mjs
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { loadModel, saveModel, countParams } = await import(join(root, 'dist/src/index.js'));
const RUNS = { 'mri-denoiser': 'mri-drunet', 'ct-denoiser': 'ct-drunet', 'mri-cunet': 'mri-cunet' };
mkdirSync(join(root, 'weights'), { recursive: true });
for (const [run, name] of Object.entries(RUNS)) {
  const dir = join(root, '.cache/runs', run);
  if (!existsSync(join(dir, 'model.json'))) { console.log(`skip ${run}: no model in ${dir}`); continue; }
  const m = loadModel(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))), readFileSync(join(dir, 'model.json'), 'utf8'));
  const meta = { ...m.meta, name };
  const file = saveModel(m.params, meta, { float16: true });
  writeFileSync(join(root, 'weights', `${name}.safetensors`), file.safetensors);
  writeFileSync(join(root, 'weights', `${name}.json`), file.configJson);
  console.log(`${name}: ${countParams(m.params)} parameters, ${(file.safetensors.length / 1e6).toFixed(2)} MB (F16), step ${meta.training?.steps}, ${meta.training?.wallSeconds} s`);
}
