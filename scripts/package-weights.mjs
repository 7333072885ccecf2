// Copy trained runs (.cache/runs/<run>/model.*) into weights/<name>.* as float16 safetensors and
// write each model card (weights/<name>.md) from the run's metadata and, when present, the held-out
// results of bench/results/denoisers.json. Run after scripts/train-weights.sh, `npm run build` and
// (for the results) `npm run bench:denoisers`:   node scripts/package-weights.mjs
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { loadModel, saveModel, countParams } = await import(join(root, 'dist/src/index.js'));
const manifest = JSON.parse(readFileSync(join(root, '.cache/meddata/sets/manifest.json'), 'utf8'));
const bench = existsSync(join(root, 'bench/results/denoisers.json')) ? JSON.parse(readFileSync(join(root, 'bench/results/denoisers.json'), 'utf8')) : null;
const RUNS = [
  { run: 'mri-denoiser-ft', stage1: 'mri-denoiser-edm', script: 'mri-denoiser', name: 'mri-drunet', set: 'mri', train: 'mri_train.npy', test: 'mri_test.npy', what: 'σ-conditional denoiser for brain MRI magnitude images (T1)' },
  { run: 'ct-denoiser-edm', script: 'ct-denoiser', name: 'ct-drunet', set: 'ct', train: 'ct_train.npy', test: 'ct_test.npy', what: 'σ-conditional denoiser for head CT images in Hounsfield units' },
  { run: 'mri-cunet', name: 'mri-cunet', set: 'mri', train: 'mri_train.npy', test: 'mri_test.npy', what: 'continuous U-Net (cU-Net) diffusion prior for brain MRI magnitude images (T1)' },
];
const src = (f) => manifest.sets[f].sources.map((s) => `${s.package}: ${s.path} (${s.licence}; ${s.slices})`).join('; ');
mkdirSync(join(root, 'weights'), { recursive: true });
for (const r of RUNS) {
  const dir = join(root, '.cache/runs', r.run);
  if (!existsSync(join(dir, 'model.json'))) { console.log(`skip ${r.run}: no model in ${dir}`); continue; }
  const m = loadModel(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))), readFileSync(join(dir, 'model.json'), 'utf8'));
  const meta = { ...m.meta, name: r.name };
  const file = saveModel(m.params, meta, { float16: true });
  writeFileSync(join(root, 'weights', `${r.name}.safetensors`), file.safetensors);
  writeFileSync(join(root, 'weights', `${r.name}.json`), file.configJson);
  const t = meta.training ?? {};
  const n = countParams(m.params);
  const range = typeof meta.dataRange === 'string' ? meta.dataRange : `[${meta.dataRange.min}, ${meta.dataRange.max}] ${meta.dataRange.unit ?? ''}`;
  const obj = t.objective ?? {};
  const pre = meta.config.preconditioning === 'edm' ? `, EDM preconditioning (σ_d = ${meta.config.sigmaData ?? 0.25} normalised: D = c_skip·x + c_out·F, the identity at σ → 0)` : '';
  const w = obj.weighting ?? (meta.config.preconditioning === 'edm' ? 'edm' : 'uniform');
  const loss = w === 'edm' ? 'mean((D(x + σn, σ) − x)²/c_out²)' : w === 'inverse-variance' ? `mean((D(x + σn, σ) − x)²/(s² + ε²)), ε = ${obj.weightingEps ?? 0.01}` : 'mean((D(x + σn, σ) − x)²)';
  const objective = obj.kind === 'denoise'
    ? `denoising, σ ~ ${obj.sigmaSampling === 'log-uniform' ? 'log-U' : 'U'}[${obj.sigmaMin}, ${obj.sigmaMax}] in data units, loss ${loss}${pre}`
    : `diffusion, ${obj.prediction}-prediction, ${obj.schedule} β schedule, T = ${obj.T ?? 1000}, x₀ = data mapped to [−1, 1]`;
  // A fine-tuned model (training.init): describe the stage it started from too.
  let stage1 = null;
  if (r.stage1 && t.init && existsSync(join(root, '.cache/runs', r.stage1, 'model.json'))) {
    stage1 = loadModel(new Uint8Array(readFileSync(join(root, '.cache/runs', r.stage1, 'model.safetensors'))), readFileSync(join(root, '.cache/runs', r.stage1, 'model.json'), 'utf8')).meta.training;
  }
  const objOf = (o) => o.kind === 'denoise' ? `σ ~ ${o.sigmaSampling === 'log-uniform' ? 'log-U' : 'U'}[${o.sigmaMin}, ${o.sigmaMax}]` : '';
  const trainingRow = (x) => `${x.steps} steps, batch ${x.batch}, ${x.crop}² random crops, augmentation ${JSON.stringify(x.augment)}, ${x.optimizer} lr ${x.lr} (warm-up + cosine), EMA ${x.emaDecay}, seed ${x.seed}`;
  let results = '';
  if (bench && meta.role === 'denoiser' || (bench && r.name === 'mri-cunet')) {
    const rows = bench.results.filter((x) => x.set === r.set && x[r.name]);
    const ens = rows.length > 0 && rows.every((x) => x[`${r.name} ×8`]);
    if (rows.length) {
      const f = (v) => `${v.psnr.toFixed(2)} / ${v.ssim.toFixed(3)}`;
      results = `\n## Held-out results (\`npm run bench:denoisers\`)\n\nPSNR (dB) / SSIM on ${bench.sets.find((s) => s.name === r.set).slices} held-out slices (${r.test}), per-slice fastMRI conventions in normalised units, averaged. TV and wavelet scales tuned per σ on 8 training slices, and (oracle) on the test slices themselves.\n\n| σ (normalised) | noisy | TV | wavelet | TV (oracle) | wavelet (oracle) | ${r.name} |${ens ? ` ${r.name} ×8 (self-ensemble) |` : ''}\n|---|---|---|---|---|---|---|${ens ? '---|' : ''}\n` +
        rows.map((x) => `| ${x.sigma} | ${f(x.noisy)} | ${f(x.tv)} | ${f(x.wavelet)} | ${f(x.tvOracle)} | ${f(x.waveletOracle)} | ${f(x[r.name])} |${ens ? ` ${f(x[`${r.name} ×8`])} |` : ''}`).join('\n') + '\n';
    }
  }
  const card = `# ${r.name}

${r.what}. Architecture: ${meta.kind} ${JSON.stringify(meta.config)}; ${n.toLocaleString('en')} parameters; stored as float16 safetensors (${(file.safetensors.length / 1e6).toFixed(2)} MB) with this JSON configuration.

| fact | value |
|---|---|
| data | ${r.train} built by \`npm run data:fetch\` — ${src(r.train)} |
| split | train: ${r.train} (${manifest.sets[r.train].shape.join('×')}); held out: ${r.test} (${manifest.sets[r.test].shape.join('×')}) — ${src(r.test)}; ${r.set === 'ct' ? 'a separate slab of the only CT volume (no slice shared; 8-slice gap)' : 'other subjects and scanners than training'} |
| data range | ${range} (the model works in normalised units u = (x − lo)/(hi − lo)) |
| objective | ${objective} |
| training | ${stage1 ? `stage 1: ${trainingRow(stage1)}, ${objOf(stage1.objective)}, ${stage1.wallSeconds} s; stage 2 (fine-tune from stage 1, \`--init\`): ${trainingRow(t)}, ${objOf(obj)}, ${t.wallSeconds} s` : trainingRow(t)} |
| wall time | ${stage1 ? `${Math.round(stage1.wallSeconds + t.wallSeconds)} s in all` : `${t.wallSeconds} s`} on a 2-core CPU (shared with other jobs), ONNX Runtime CPU |
| command | \`bash scripts/train-weights.sh ${r.script ?? r.run}\` then \`node scripts/package-weights.mjs\` |
| licence | weights: MIT (as medrecon); training data licences above |
| use | \`modelDenoiser(loadShippedModel('${r.name}'))\` (a \`Denoiser\` in data units), \`medrecon recon --method pnp-net --denoiser ${r.name}\`, \`medrecon export weights/${r.name}.json\` |
${results}`;
  writeFileSync(join(root, 'weights', `${r.name}.md`), card);
  console.log(`${r.name}: ${n} parameters, ${(file.safetensors.length / 1e6).toFixed(2)} MB (F16), step ${t.steps}, ${t.wallSeconds} s`);
}
