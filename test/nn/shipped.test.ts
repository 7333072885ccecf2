/**
 * The shipped σ-conditional denoisers (weights/): they load, they are the identity at σ → 0 (EDM
 * preconditioning), and on committed slices they denoise better than a tuned TV denoiser at σ = 0.05
 * and 0.1 (normalised units). The CT slice (pydicom CT_small) is not from the training volume; the MRI
 * fixture slices are Colin27, mri-drunet's training subject — the fair held-out figures are in
 * bench/results/denoisers.json (`npm run bench:denoisers`).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import { modelDenoiser } from '../../src/diffusion/model-denoiser.js';
import { type Sym, spec } from '../../src/ir/index.js';
import { psnr } from '../../src/metrics/image.js';
import type { Denoiser } from '../../src/nn/denoiser.js';
import { countParams } from '../../src/nn/params.js';
import { createRuntime, listShippedModels, loadCtSlice, loadMriSlices, loadShippedModel } from '../../src/node/index.js';
import { tvDenoiser } from '../../src/optim/denoisers.js';

const rt = createRuntime({ threads: 2 });

/** Mean PSNR (data range = max of each clean slice, in normalised units) of D on x + σ·r·n. */
async function score(D: Denoiser, clean: HostTensor<'float32'>, sigma: number, lo: number, r: number, toData = true): Promise<number> {
  const [N, C, H, W] = clean.dims as [number, number, number, number];
  const per = C * H * W;
  const n = new Rng(5).normal(clean.data.length);
  const f = rt.compile((x: Sym) => (toData ? D.denoise(x, sigma * r) : D.denoise(x, sigma)), [spec([1, C, H, W])]);
  let p = 0;
  for (let i = 0; i < N; i++) {
    const g = clean.data.subarray(i * per, (i + 1) * per);
    const y = Float32Array.from(g, (v, j) => v + sigma * r * n[i * per + j]!);
    const x = toData ? y : Float32Array.from(y, (v) => (v - lo) / r);
    const out = ((await f.runHost(tensor([1, C, H, W], x))) as HostTensor<'float32'>).data;
    const u = (v: number) => (v - lo) / r;
    p += psnr(tensor([H, W], Float32Array.from(g, u)), tensor([H, W], toData ? Float32Array.from(out, u) : out));
  }
  return p / N;
}

describe('shipped denoisers', () => {
  it('are listed, load, and have the documented size and configuration', () => {
    const names = listShippedModels();
    for (const n of ['mri-drunet', 'ct-drunet', 'mri-cunet']) expect(names).toContain(n);
    for (const n of ['mri-drunet', 'ct-drunet']) {
      const m = loadShippedModel(n);
      expect(m.meta).toMatchObject({ kind: 'drunet', role: 'denoiser', config: { preconditioning: 'edm' } });
      expect(countParams(m.params)).toBe(1_063_344);
    }
  });

  it('are the identity at σ → 0 (EDM preconditioning)', async () => {
    const { hu } = loadCtSlice();
    const D = modelDenoiser(loadShippedModel('ct-drunet'));
    const f = rt.compile((x: Sym) => D.denoise(x, 1e-7), [spec(hu.dims)]);
    const out = (await f.runHost(hu)) as HostTensor<'float32'>;
    let m = 0;
    for (let i = 0; i < out.data.length; i++) m = Math.max(m, Math.abs(out.data[i]! - hu.data[i]!));
    expect(m).toBeLessThan(0.05); // HU; the image spans ≈ 3000 HU
  });

  it('ct-drunet beats a tuned TV at σ = 0.05 and 0.1 on the pydicom CT slice (another scanner, not in training)', async () => {
    const { hu } = loadCtSlice();
    const D = modelDenoiser(loadShippedModel('ct-drunet'));
    for (const s of [0.05, 0.1]) {
      const net = await score(D, hu, s, -1024, 2048);
      let tv = -Infinity;
      for (const sc of [0.55, 0.85, 1.2]) tv = Math.max(tv, await score(tvDenoiser({ scale: sc, iterations: 100 }), hu, s, -1024, 2048, false));
      // measured +1.14 / +0.66 dB on this 128² slice of another scanner (the issue's ≥ 1.5 dB target is
      // checked on the 256² held-out set by bench:denoisers)
      expect(net - tv, `σ ${s}: net ${net.toFixed(2)} tv ${tv.toFixed(2)}`).toBeGreaterThan(0.4);
    }
  });

  it('mri-drunet beats a tuned TV at σ = 0.05 and 0.1 on the committed MRI slices', async () => {
    const all = loadMriSlices('heldout');
    const [, , H, W] = all.dims as [number, number, number, number];
    const four = tensor([4, 1, H, W], all.data.slice(0, 4 * H * W));
    const D = modelDenoiser(loadShippedModel('mri-drunet'));
    for (const s of [0.05, 0.1]) {
      const net = await score(D, four, s, 0, 1);
      let tv = -Infinity;
      for (const sc of [0.55, 0.85, 1.2]) tv = Math.max(tv, await score(tvDenoiser({ scale: sc, iterations: 100 }), four, s, 0, 1, false));
      expect(net - tv, `σ ${s}: net ${net.toFixed(2)} tv ${tv.toFixed(2)}`).toBeGreaterThan(1); // measured +3.2 / +3.0
    }
  });
});
