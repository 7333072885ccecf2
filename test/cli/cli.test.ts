import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { lineMask } from '../../src/cli/mri.js';
import { readNpy, writeNpy } from '../../src/io/npy.js';
import { tensor } from '../../src/core/tensor.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const FIX = join(ROOT, 'data/fixtures');
const H5 = join(ROOT, 'test/io/hdf5/ref_multicoil.h5');
const tmp = mkdtempSync(join(tmpdir(), 'medrecon-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s), errIsTTY: false });
  return { code, out, err };
}

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
  it('unknown format and not-yet-available features say so', async () => {
    const f = join(tmp, 'x.xyz');
    writeFileSync(f, 'abc');
    let r = await run('info', f);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not available yet/);
    r = await run('recon', '--modality', 'pet', '--method', 'osem', f);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not available yet/);
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
  });
  it('lineMask: centre lines and roughly W/R lines, deterministic in the seed', () => {
    const m = lineMask(320, { acceleration: 4, centerFraction: 0.08, seed: 7, type: 'random' });
    const c = m.reduce((a, b) => a + b, 0);
    expect(c).toBeGreaterThan(55);
    expect(c).toBeLessThan(105);
    for (let i = 147; i < 147 + 26; i++) expect(m[i]).toBe(1);
    expect(Array.from(lineMask(320, { acceleration: 4, centerFraction: 0.08, seed: 7, type: 'random' }))).toEqual(Array.from(m));
    const e = lineMask(100, { acceleration: 4, centerFraction: 0.04, seed: 0, type: 'equispaced' });
    expect(e.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(25);
  });
});

describe('demo', () => {
  it('prints the table (json) with the MRI zero-filled row', async () => {
    const r = await run('demo', '--slices', '2', '--json', '--out-dir', join(tmp, 'demo'));
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.rows[0]).toMatchObject({ method: 'zero-filled' });
    expect(j.rows[0].psnr).toBeGreaterThan(15);
    expect(j.rows[0].ssim).toBeGreaterThan(0.3);
    expect(existsSync(join(tmp, 'demo', 'mri_zero_filled.npy'))).toBe(true);
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
