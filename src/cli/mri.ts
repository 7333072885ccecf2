/**
 * The MRI pieces the CLI wires today, built only on the public API (the centered orthonormal FFT
 * `fftc`/`ifftc` of the IR, the seeded `Rng`, the Node runtime):
 * - `lineMask`: a fastMRI-style random or equispaced phase-encode line mask (interim host version:
 *   same rule as fastMRI's RandomMaskFunc/EquispacedMaskFunc, but drawn from our Philox `Rng`, not
 *   NumPy's; to be replaced by the physics masks once they are in the public API).
 * - `simulateMriSingleCoil`: y = M ⊙ F x + M ⊙ n, n complex Gaussian with std σ per component.
 * - `zeroFilled`: x̂ = |F⁻¹ y| (single-coil) or RSS over coils √Σ_c |F⁻¹ y_c|².
 * F is the centered orthonormal 2-D FFT over (H, W); masks act on the last image axis W.
 */
import { type HostTensor, MedreconError, Rng, type Sym, fftc, ifftc, spec, tensor } from '../index.js';
import { defaultRuntime } from '../node/index.js';

export type MaskType = 'random' | 'equispaced';

/**
 * A [W] 0/1 mask with round(W·cf) centre lines and about W/acc lines in all.
 *
 * @example lineMask(128, { acceleration: 4, centerFraction: 0.08, seed: 0 }) // ~32 ones
 */
export function lineMask(W: number, opts: { acceleration: number; centerFraction: number; seed: number; type: MaskType }): Float32Array {
  const { acceleration: acc, centerFraction: cf } = opts;
  if (!(acc >= 1)) throw new MedreconError('INVALID_ARGUMENT', `mask: acceleration must be ≥ 1, got ${acc}`);
  if (!(cf > 0 && cf <= 1)) throw new MedreconError('INVALID_ARGUMENT', `mask: center fraction must be in (0, 1], got ${cf}`);
  const nLow = Math.max(1, Math.round(W * cf));
  const m = new Float32Array(W);
  const pad = Math.floor((W - nLow + 1) / 2);
  for (let i = pad; i < pad + nLow; i++) m[i] = 1;
  if (opts.type === 'random') {
    const prob = Math.max(0, (W / acc - nLow) / (W - nLow || 1));
    const u = new Rng(opts.seed).uniform(W);
    for (let i = 0; i < W; i++) if (u[i]! < prob) m[i] = 1;
  } else {
    const rng = new Rng(opts.seed);
    const step = Math.max(1, Math.round(acc));
    const offset = rng.int(step);
    for (let i = offset; i < W; i += step) m[i] = 1;
  }
  return m;
}

function toComplex(img: HostTensor<'float32'>): HostTensor<'float32'> {
  const out = new Float32Array(img.data.length * 2);
  for (let i = 0; i < img.data.length; i++) out[2 * i] = img.data[i]!;
  return tensor([...img.dims, 2], out);
}

async function runFft(x: HostTensor<'float32'>, inverse: boolean): Promise<HostTensor<'float32'>> {
  const rt = defaultRuntime();
  const f = rt.compile(inverse ? (k: Sym) => ifftc(k, [-3, -2]) : (k: Sym) => fftc(k, [-3, -2]), [spec(x.dims)]);
  return (await f.runHost(x)) as HostTensor<'float32'>;
}

/** Simulate single-coil Cartesian k-space [H, W, 2] from a real or complex image [H, W] / [H, W, 2]. */
export async function simulateMriSingleCoil(
  image: HostTensor<'float32'>,
  mask: Float32Array,
  opts: { noise: number; seed: number },
): Promise<HostTensor<'float32'>> {
  const x = image.dims.length === 2 ? toComplex(image) : image;
  if (x.dims.length !== 3 || x.dims[2] !== 2) throw new MedreconError('SHAPE_MISMATCH', `simulate mri: image must be [H, W] or complex [H, W, 2], got [${image.dims.join(', ')}]`);
  const [H, W] = x.dims as [number, number, number];
  if (mask.length !== W) throw new MedreconError('SHAPE_MISMATCH', `simulate mri: mask has ${mask.length} lines, image width is ${W}`);
  const k = await runFft(x, false);
  const noise = opts.noise > 0 ? new Rng(opts.seed + 1).normal(H * W * 2, 0, opts.noise) : undefined;
  const out = new Float32Array(H * W * 2);
  for (let h = 0; h < H; h++)
    for (let w = 0; w < W; w++) {
      if (!mask[w]) continue;
      const i = 2 * (h * W + w);
      out[i] = k.data[i]! + (noise ? noise[i]! : 0);
      out[i + 1] = k.data[i + 1]! + (noise ? noise[i + 1]! : 0);
    }
  return tensor([H, W, 2], out);
}

/** Zero-filled reconstruction of k-space [H, W, 2] or [coils, H, W, 2] → magnitude / RSS image [H, W]. */
export async function zeroFilled(k: HostTensor<'float32'>): Promise<HostTensor<'float32'>> {
  const d = k.dims;
  if ((d.length !== 3 && d.length !== 4) || d[d.length - 1] !== 2) {
    throw new MedreconError('SHAPE_MISMATCH', `recon mri: k-space must be [H, W, 2] or [coils, H, W, 2], got [${d.join(', ')}]`);
  }
  const x = await runFft(k, true);
  const C = d.length === 4 ? d[0]! : 1;
  const n = d[d.length - 3]! * d[d.length - 2]!;
  const out = new Float32Array(n);
  for (let c = 0; c < C; c++)
    for (let i = 0; i < n; i++) {
      const re = x.data[2 * (c * n + i)]!;
      const im = x.data[2 * (c * n + i) + 1]!;
      out[i] += re * re + im * im;
    }
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(out[i]!);
  return tensor([d[d.length - 3]!, d[d.length - 2]!], out);
}
