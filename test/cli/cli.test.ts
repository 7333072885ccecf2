import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './helpers.js';
import { readNpy, writeNpy } from '../../src/io/npy.js';
import { tensor } from '../../src/core/tensor.js';
import { mri, writeNifti, writeNpz, writeCfl, writeSafetensors, writeDicomSeries, readNifti, readFastMri } from '../../src/index.js';
import { asVolume } from '../../src/cli/common.js';
import { readDicomDir } from '../../src/node/index.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const FIX = join(ROOT, 'data/fixtures');
const H5 = join(ROOT, 'test/io/hdf5/ref_multicoil.h5');
const tmp = mkdtempSync(join(tmpdir(), 'medrecon-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));


function oneLine(err: string): void {
  expect(err.trim().split('\n')).toHaveLength(1);
  expect(err).not.toMatch(/\n\s+at /); // no stack trace
}

describe('usage errors → exit 2, one line', () => {
  it.each([
    [[]],
    [['nosuchcommand']],
    [['metrics', 'only-one.npy']],
    [['metrics', 'a.npy', 'b.npy', '--bogus']],
    [['metrics', 'a.npy', 'b.npy', '--data-range', 'abc']],
    [['recon', 'x.npy']],
    [['recon', '--modality', 'spect', 'x.npy']],
    [['recon', '--modality', 'mri', '--method', 'magic', 'x.npy']],
    [['simulate', '--modality', 'mri', 'x.npy']],
    [['simulate', '--modality', 'mri', 'x.npy', '--out', 'y.npy', '--acceleration', '0.5']],
    [['info']],
    [['demo', 'extra']],
    [['recon', '--modality', 'ct', '--filter', 'bogus', 'x.npy']],
    [['recon', '--modality', 'mri', 'x.npy', '--out', 'y.xyz']],
    [['demo', '--only', 'spect']],
  ])('%j', async (argv) => {
    const r = await run(...(argv as string[]));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    if (argv.length > 0) oneLine(r.err);
  });
});

describe('--help on every sub-command', () => {
  it.each(['info', 'metrics', 'simulate', 'recon', 'demo'])('%s --help prints usage and examples, exit 0', async (cmd) => {
    const r = await run(cmd, '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: medrecon ${cmd}`);
    expect(r.out).toContain('Examples:');
  });
  it('top-level --help and --version', async () => {
    expect((await run('--help')).out).toContain('Commands:');
    expect((await run('--version')).out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('bad files → exit 1, one line', () => {
  it('NaN / Inf in measurements, references or masks: NON_FINITE_INPUT, never a NaN image', async () => {
    const k = new Float32Array(16 * 16 * 2).map((_, i) => Math.sin(i));
    k[37] = Number.NaN;
    writeFileSync(join(tmp, 'nan-k.npy'), writeNpy(tensor([16, 16, 2], k)));
    const out = join(tmp, 'nan-out.npy');
    let r = await run('recon', '--modality', 'mri', '--method', 'zero-filled', join(tmp, 'nan-k.npy'), '--out', out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/NON_FINITE_INPUT.*NaN at flat index 37/);
    oneLine(r.err);
    expect(existsSync(out)).toBe(false);
    const s = new Float32Array(20 * 30).fill(0.5);
    s[3] = Number.POSITIVE_INFINITY;
    writeFileSync(join(tmp, 'inf-s.npy'), writeNpy(tensor([20, 30], s)));
    r = await run('metrics', join(tmp, 'inf-s.npy'), join(tmp, 'inf-s.npy'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Infinity at flat index 3/);
  });
  it('missing file', async () => {
    const r = await run('info', join(tmp, 'nope.npy'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no such file/);
    oneLine(r.err);
  });
  it('corrupt .npy and truncated .h5', async () => {
    const bad = join(tmp, 'bad.npy');
    writeFileSync(bad, 'not numpy at all');
    let r = await run('info', bad);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/CORRUPT_FILE/);
    oneLine(r.err);
    const trunc = join(tmp, 'trunc.h5');
    writeFileSync(trunc, (await import('node:fs')).readFileSync(H5).subarray(0, 3000));
    r = await run('info', trunc);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/CORRUPT_FILE/);
    oneLine(r.err);
  });
  it('unknown format, shape mismatch: one line, exit 1', async () => {
    const f = join(tmp, 'x.xyz');
    writeFileSync(f, 'abc');
    let r = await run('info', f);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unknown file format/);
    oneLine(r.err);
    r = await run('recon', '--modality', 'pet', '--method', 'osem', f);
    expect(r.code).toBe(1);
    oneLine(r.err);
  });
  it('--debug adds the stack', async () => {
    const r = await run('info', join(tmp, 'nope.npy'), '--debug');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\n\s+at /);
  });
});

describe('info', () => {
  it('.npy (text and --json)', async () => {
    const r = await run('info', join(FIX, 'mri_t1_heldout.npy'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ format: 'npy', dtype: '|u1', shape: [8, 128, 128], min: 0 });
    expect((await run('info', join(FIX, 'ct_small_hu.npy'))).out).toMatch(/shape:\s+\[128, 128\]/);
  });
  it('.h5 fastMRI', async () => {
    const j = JSON.parse((await run('info', H5, '--json')).out);
    expect(j.format).toBe('hdf5 (fastMRI)');
    expect(j.fastmri).toMatchObject({ multicoil: true, kspace: [2, 3, 8, 6, 2], encodedSize: [16, 6, 1], reconSize: [4, 4, 1] });
    expect(j.attrs.acquisition).toBe('CORPD_FBK');
  });
});

describe('metrics', () => {
  it('two committed images: identical → PSNR ∞, SSIM 1, NMSE 0; perturbed → finite and exact NMSE', async () => {
    const ref = readNpy((await import('node:fs')).readFileSync(join(FIX, 'ct_small_hu.npy')));
    const a = join(tmp, 'a.npy');
    const b = join(tmp, 'b.npy');
    const data = Float32Array.from(ref.data as Float32Array);
    writeFileSync(a, writeNpy(tensor([128, 128], data)));
    const pert = Float32Array.from(data, (v, i) => v + (i % 2 ? 10 : -10));
    writeFileSync(b, writeNpy(tensor([128, 128], pert)));
    let r = await run('metrics', a, a, '--json');
    expect(r.code).toBe(0);
    let j = JSON.parse(r.out);
    expect(j.psnr).toBeNull(); // Infinity → null in JSON
    expect(j.ssim).toBeCloseTo(1, 10);
    expect(j.nmse).toBe(0);
    r = await run('metrics', a, b, '--json');
    j = JSON.parse(r.out);
    let max = -Infinity;
    let ss = 0;
    for (const v of data) {
      max = Math.max(max, v);
      ss += v * v;
    }
    expect(j.dataRange).toBe(max);
    expect(j.psnr).toBeCloseTo(10 * Math.log10((max * max) / 100), 3);
    expect(j.nmse).toBeCloseTo((100 * data.length) / ss, 8);
    expect(j.ssim).toBeLessThan(1);
    expect((await run('metrics', a, join(FIX, 'mri_t1_heldout.npy'))).code).toBe(1); // shape mismatch
  });
});

describe('simulate → recon (MRI zero-filled) with --json and --reference', () => {
  it('fully sampled round-trip is exact; 4× undersampled is worse; outputs land on disk', async () => {
    const img = join(tmp, 'img.npy');
    const all = readNpy((await import('node:fs')).readFileSync(join(FIX, 'mri_t1_heldout.npy')));
    writeFileSync(img, writeNpy(tensor([128, 128], Float32Array.from(all.data.subarray(0, 128 * 128), (v) => v / 255))));
    const k1 = join(tmp, 'k1.npy');
    let r = await run('simulate', '--modality', 'mri', img, '--acceleration', '1', '--center-fraction', '1', '--out', k1, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ kspace: [128, 128, 2], lines: 128 });
    r = await run('recon', '--modality', 'mri', '--method', 'zero-filled', k1, '--out', join(tmp, 'r1.npy'), '--reference', img, '--json');
    expect(r.code).toBe(0);
    const full = JSON.parse(r.out);
    expect(full).toMatchObject({ modality: 'mri', method: 'zero-filled', shape: [128, 128], iterations: 0 });
    expect(full.metrics.psnr).toBeGreaterThan(80);
    expect(existsSync(join(tmp, 'r1.npy'))).toBe(true);

    const k4 = join(tmp, 'k4.h5');
    r = await run('simulate', '--modality', 'mri', img, '--acceleration', '4', '--seed', '3', '--out', k4, '--mask-out', join(tmp, 'm.npy'));
    expect(r.code).toBe(0);
    const mask = readNpy((await import('node:fs')).readFileSync(join(tmp, 'm.npy')));
    expect(mask.shape).toEqual([128]);
    r = await run('recon', '--modality', 'mri', k4, '--reference', img, '--json');
    const und = JSON.parse(r.out);
    expect(und.shape).toEqual([1, 128, 128]);
    expect(und.metrics.psnr).toBeLessThan(40);
    expect(und.metrics.psnr).toBeGreaterThan(15);
    // the written mask is fastMRI's RandomMaskFunc for that seed
    expect(Array.from(mask.data as Float32Array)).toEqual(Array.from(mri.randomMask(128, { acceleration: 4, centerFraction: 0.08, seed: 3 })));
  });
});

const BUILT = join(ROOT, 'dist/src/cli/main.js');
describe.skipIf(!existsSync(BUILT))('the built binary (dist exists)', () => {
  it('bin/medrecon.js: usage error exit 2, info exit 0, bad file exit 1', () => {
    const bin = join(ROOT, 'bin/medrecon.js');
    const u = spawnSync(process.execPath, [bin, 'recon'], { encoding: 'utf8' });
    expect(u.status).toBe(2);
    expect(u.stderr.trim().split('\n')).toHaveLength(1);
    const ok = execFileSync(process.execPath, [bin, 'info', join(FIX, 'ct_small_hu.npy'), '--json'], { encoding: 'utf8' });
    expect(JSON.parse(ok).shape).toEqual([128, 128]);
    const bad = spawnSync(process.execPath, [bin, 'info', join(tmp, 'missing.npy')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
  });
});

// ------------------------------------------------------------------ wired physics and formats (small sizes)

/** Slice s of the held-out MRI fixture, 2× decimated to 64 × 64, in [0, 1]. */
function small(s = 0): Float32Array {
  const all = readNpy(readFileSync(join(FIX, 'mri_t1_heldout.npy')));
  const out = new Float32Array(64 * 64);
  for (let i = 0; i < 64; i++) for (let j = 0; j < 64; j++) out[i * 64 + j] = (all.data[s * 128 * 128 + 2 * i * 128 + 2 * j] as number) / 255;
  return out;
}
describe('info: every format', () => {
  it('.nii.gz, .nii, .npz, .cfl, DICOM file and folder, .safetensors', async () => {
    const img = tensor([64, 64], small());
    const vol = asVolume(img, 2);
    writeFileSync(join(tmp, 'v.nii.gz'), writeNifti(vol, { gzip: true }));
    writeFileSync(join(tmp, 'v.nii'), writeNifti(vol));
    writeFileSync(join(tmp, 'a.npz'), writeNpz({ image: img, other: tensor([3], new Float32Array([1, 2, 3])) }));
    const { hdr, cfl } = writeCfl(tensor([4, 4, 2], new Float32Array(32).fill(1)));
    writeFileSync(join(tmp, 'b.hdr'), hdr);
    writeFileSync(join(tmp, 'b.cfl'), cfl);
    const dcmDir = join(tmp, 'dcm');
    (await import('node:fs')).mkdirSync(dcmDir, { recursive: true });
    const three = asVolume(tensor([3, 64, 64], new Float32Array(3 * 64 * 64).map((_, i) => i % 200)), 1);
    for (const f of writeDicomSeries(three, { modality: 'MR' })) writeFileSync(join(dcmDir, f.name), f.bytes);
    writeFileSync(join(tmp, 'w.safetensors'), writeSafetensors({ w: tensor([2, 3], new Float32Array(6)) }));
    const j = async (...a: string[]) => {
      const r = await run('info', ...a, '--json');
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out);
    };
    expect(await j(join(tmp, 'v.nii.gz'))).toMatchObject({ format: 'nifti-1 (gzip)', shape: [1, 64, 64], spacing: [2, 2, 2] });
    expect((await j(join(tmp, 'v.nii'))).format).toBe('nifti-1');
    expect((await j(join(tmp, 'a.npz'))).arrays).toMatchObject({ image: { shape: [64, 64] }, other: { shape: [3] } });
    expect(await j(join(tmp, 'b.cfl'))).toMatchObject({ format: 'cfl (BART)', shape: [4, 4, 2] });
    expect(await j(join(dcmDir, readdirSync(dcmDir)[0]!))).toMatchObject({ format: 'dicom', shape: [1, 64, 64], modality: 'MR' });
    expect(await j(dcmDir)).toMatchObject({ format: 'dicom series', shape: [3, 64, 64] });
    expect((await j(join(tmp, 'w.safetensors'))).tensors.w.shape).toEqual([2, 3]);
  });
});

describe('recon MRI multi-coil (64², 4 coils): every method, every output format', () => {
  it('simulate → cg-sense / tv / wavelet / pnp-tv beat zero-filled; .nii.gz, .png, .h5, DICOM outputs', async () => {
    const img = join(tmp, 'mimg.npy');
    writeFileSync(img, writeNpy(tensor([64, 64], small(1))));
    const k = join(tmp, 'mk.npy');
    const m = join(tmp, 'mm.npy');
    let r = await run('simulate', '--modality', 'mri', img, '--coils', '4', '--acceleration', '4', '--center-fraction', '0.16', '--noise', '0.002', '--out', k, '--mask-out', m, '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ kspace: [4, 64, 64, 2], coils: 4 });
    const psnr: Record<string, number> = {};
    for (const [method, its, out] of [
      ['zero-filled', '1', 'zf.nii.gz'],
      ['cg-sense', '5', 'cg.png'],
      ['tv', '20', 'tv.h5'],
      ['wavelet', '15', 'dcm-out/'],
      ['pnp-tv', '8', 'pnp.npy'],
      ['pnp-net', '8', 'pnpnet.npy'],
    ] as const) {
      r = await run('recon', '--modality', 'mri', '--method', method, k, '--mask', m, '--iterations', its, '--out', join(tmp, out), '--reference', img, '--json');
      expect(r.code, `${method}: ${r.err}`).toBe(0);
      const j = JSON.parse(r.out);
      expect(j.shape).toEqual([64, 64]);
      if (method !== 'zero-filled') {
        expect(j.iterations).toBe(Number(its));
        expect(j.notes).toContain('coil maps estimated with ESPIRiT');
      }
      psnr[method] = j.metrics.psnr;
    }
    for (const mth of ['cg-sense', 'tv', 'wavelet', 'pnp-tv', 'pnp-net']) expect(psnr[mth], `${mth} ${JSON.stringify(psnr)}`).toBeGreaterThan(psnr['zero-filled']! + 2);
    expect(readNifti(readFileSync(join(tmp, 'zf.nii.gz'))).data.dims).toEqual([1, 64, 64]);
    expect(Array.from(readFileSync(join(tmp, 'cg.png')).subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
    expect((await readFastMri(readFileSync(join(tmp, 'tv.h5')))).reconstruction?.rss?.dims).toEqual([1, 64, 64]);
    expect(readdirSync(join(tmp, 'dcm-out')).length).toBe(1);
    // the mask from the zero pattern gives the same zero-filled → same result without --mask
    r = await run('recon', '--modality', 'mri', '--method', 'cg-sense', k, '--iterations', '5', '--reference', img, '--json');
    expect(JSON.parse(r.out).metrics.psnr).toBeCloseTo(psnr['cg-sense']!, 1);
  });
  it('DICOM output with --source carries patient/study identifiers over, with a new series', async () => {
    const img = join(tmp, 'simg.npy');
    writeFileSync(img, writeNpy(tensor([64, 64], small(2))));
    const k = join(tmp, 'sk.npy');
    expect((await run('simulate', '--modality', 'mri', img, '--out', k)).code).toBe(0);
    const srcDir = join(tmp, 'src-series');
    (await import('node:fs')).mkdirSync(srcDir, { recursive: true });
    const src = asVolume(tensor([2, 64, 64], new Float32Array(2 * 64 * 64).map((_, i) => i % 97)), 1);
    src.meta['dicom'] = { PatientName: 'Doe^Jane', PatientID: 'P-0042', StudyInstanceUID: '2.25.1234567890', StudyDescription: 'brain' };
    for (const f of writeDicomSeries(src, { modality: 'MR', source: src.meta['dicom'] as Record<string, unknown> })) writeFileSync(join(srcDir, f.name), f.bytes);
    const source = await readDicomDir(srcDir);
    const out = join(tmp, 'derived/');
    const r = await run('recon', '--modality', 'mri', '--method', 'zero-filled', k, '--out', out, '--source', srcDir);
    expect(r.code, r.err).toBe(0);
    const derived = await readDicomDir(out);
    const d = derived.meta['dicom'] as Record<string, unknown>;
    const s0 = source.meta['dicom'] as Record<string, unknown>;
    expect(d['PatientID']).toBe('P-0042');
    expect(d['StudyInstanceUID']).toBe(s0['StudyInstanceUID']);
    expect(d['SeriesInstanceUID']).not.toBe(s0['SeriesInstanceUID']);
    const bad = await run('recon', '--modality', 'mri', '--method', 'zero-filled', k, '--out', join(tmp, 'x.npy'), '--source', srcDir);
    expect(bad.code).toBe(2);
  });
  it('shape mismatches → one line, exit 1', async () => {
    const k = join(tmp, 'mk.npy');
    const bad = join(tmp, 'badmask.npy');
    writeFileSync(bad, writeNpy(tensor([50], new Float32Array(50).fill(1))));
    let r = await run('recon', '--modality', 'mri', '--method', 'cg-sense', k, '--mask', bad);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/mask \[50\] does not match/);
    oneLine(r.err);
    const maps = join(tmp, 'badmaps.npy');
    writeFileSync(maps, writeNpy(tensor([3, 64, 64, 2], new Float32Array(3 * 64 * 64 * 2))));
    r = await run('recon', '--modality', 'mri', '--method', 'tv', k, '--maps', maps);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/coil maps \[3, 64, 64, 2\] do not match/);
    oneLine(r.err);
    r = await run('recon', '--modality', 'ct', '--method', 'fbp', k);
    expect(r.code).toBe(1);
    oneLine(r.err);
  });
});

describe('recon CT and PET (64²)', () => {
  it('CT: raw counts with --i0 and --angles; FBP and TV; TV beats FBP on 30 views', async () => {
    const ct = readNpy(readFileSync(join(FIX, 'ct_small_hu.npy')));
    const hu = new Float32Array(64 * 64);
    for (let i = 0; i < 64; i++) for (let j = 0; j < 64; j++) hu[i * 64 + j] = ct.data[2 * i * 128 + 2 * j] as number;
    const img = join(tmp, 'hu.npy');
    writeFileSync(img, writeNpy(tensor([64, 64], hu)));
    const sino = join(tmp, 'counts.npy');
    const ang = join(tmp, 'ang.npy');
    let r = await run('simulate', '--modality', 'ct', img, '--hu', '--views', '30', '--i0', '1e5', '--raw', '--pixel-size', '2', '--out', sino, '--angles-out', ang, '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).sinogram).toEqual([30, 92]);
    // the reference in μ units
    const mu = join(tmp, 'mu.npy');
    writeFileSync(mu, writeNpy(tensor([64, 64], hu.map((v) => Math.max(0, 0.0192 * (1 + v / 1000))))));
    const res: Record<string, number> = {};
    for (const [method, extra] of [
      ['fbp', ['--angles', ang, '--filter', 'hann']],
      ['tv', ['--views', '30', '--iterations', '100']],
      ['pnp-net', ['--views', '30', '--iterations', '15']],
      ['pnp-net', ['--views', '30', '--iterations', '15', '--ensemble', '2']],
    ] as const) {
      r = await run('recon', '--modality', 'ct', '--method', method, sino, '--i0', '1e5', '--pixel-size', '2', ...extra, '--reference', mu, '--json');
      expect(r.code, r.err).toBe(0);
      const j = JSON.parse(r.out);
      expect(j.shape).toEqual([64, 64]);
      res[(extra as readonly string[]).includes('--ensemble') ? 'pnp-net-ens' : method] = j.metrics.psnr;
    }
    expect(res['fbp']).toBeGreaterThan(18);
    // the self-ensemble changes the result a little (it is another denoiser), not the quality class
    expect(res['pnp-net-ens']).not.toBe(res['pnp-net']);
    expect(Math.abs(res['pnp-net-ens']! - res['pnp-net']!), JSON.stringify(res)).toBeLessThan(1.5);
    expect(res['tv'], JSON.stringify(res)).toBeGreaterThan(res['fbp']! + 1);
    // the shipped HU denoiser in PnP-PGD: at least as good as FBP here (measured 29.6 vs 29.4 dB)
    expect(res['pnp-net'], JSON.stringify(res)).toBeGreaterThan(res['fbp']! - 0.5);
    expect(res['pnp-net']).toBeGreaterThan(25);
    r = await run('recon', '--modality', 'ct', '--method', 'fbp', '--denoiser', 'ct-drunet', sino, '--views', '30');
    expect(r.code).toBe(2); // --denoiser belongs to pnp-net
    r = await run('recon', '--modality', 'ct', '--method', 'fbp', '--ensemble', '8', sino, '--views', '30');
    expect(r.code).toBe(2);
    r = await run('recon', '--modality', 'ct', '--method', 'pnp-net', '--ensemble', '3', sino, '--views', '30');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--ensemble must be 1, 2, 4 or 8/);
    r = await run('recon', '--modality', 'ct', '--method', 'pnp-net', '--denoiser', 'nope', sino, '--views', '30');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no shipped model 'nope'/);
    r = await run('recon', '--modality', 'ct', sino, '--views', '31');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--views 31 but the sinogram has 30 views/);
  });
  it('PET: water attenuation; MLEM and OSEM approach the truth s·x', async () => {
    const img = join(tmp, 'act.npy');
    writeFileSync(img, writeNpy(tensor([64, 64], small(2))));
    const y = join(tmp, 'pet.npy');
    const muf = join(tmp, 'petmu.npy');
    const truth = join(tmp, 'truth.npy');
    let r = await run('simulate', '--modality', 'pet', img, '--views', '60', '--counts', '3e5', '--attenuation', 'water', '--attenuation-out', muf, '--truth-out', truth, '--out', y, '--json');
    expect(r.code, r.err).toBe(0);
    const sj = JSON.parse(r.out);
    expect(sj.counts).toEqual([60, 92]);
    expect(sj.total).toBeGreaterThan(2.9e5);
    expect(sj.total).toBeLessThan(3.1e5);
    const psnr: Record<string, number> = {};
    for (const [method, its] of [['mlem', '20'], ['osem', '3']] as const) {
      r = await run('recon', '--modality', 'pet', '--method', method, y, '--subsets', '6', '--iterations', its, '--attenuation', muf, '--reference', truth, '--json');
      expect(r.code, r.err).toBe(0);
      psnr[method] = JSON.parse(r.out).metrics.psnr;
    }
    expect(psnr['mlem']).toBeGreaterThan(18);
    expect(psnr['osem']).toBeGreaterThan(18);
    // without the μ-map the activity is underestimated: worse
    r = await run('recon', '--modality', 'pet', '--method', 'mlem', y, '--iterations', '20', '--reference', truth, '--json');
    expect(JSON.parse(r.out).metrics.psnr).toBeLessThan(psnr['mlem']! - 2);
  });
});

describe('demo --quick --json', () => {
  it('all three modalities: rows with PSNR/SSIM/time and the three PNGs', async () => {
    const dir = join(tmp, 'demo');
    const r = await run('demo', '--quick', '--json', '--out-dir', dir);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.rows.map((x: { method: string }) => x.method)).toEqual(['zero-filled', 'cg-sense', 'tv', 'wavelet', 'pnp-tv', 'pnp-net', 'fbp', 'tv', 'pnp-net', 'mlem', 'osem (8 subsets)']);
    for (const row of j.rows) {
      expect(row.psnr, row.method).toBeGreaterThan(12);
      expect(row.ssim).toBeGreaterThan(0.2);
      expect(row.timeMs).toBeGreaterThan(0);
    }
    const zf = j.rows[0].psnr;
    expect(j.rows[1].psnr).toBeGreaterThan(zf + 3); // CG-SENSE beats zero-filled even in 3 iterations
    expect(j.png).toHaveLength(3);
    for (const p of j.png) expect(existsSync(p)).toBe(true);
  });
});
