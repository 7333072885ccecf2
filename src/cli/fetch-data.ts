/**
 * `npm run data:fetch`: download the Debian data packages of reference/data.md §1 into the ignored
 * `.cache/meddata`, verify sha256, unpack, extract the InVesalius Cranium CT, and build 2-D
 * training/test sets (float32 .npy stacks of 256² slices) with a manifest, split by subject/source:
 *
 * | set            | source                                                       | split |
 * |----------------|--------------------------------------------------------------|-------|
 * | mri_train.npy  | mricron-data ch2 (axial) + ch2better (axial, 2× decimated)    | train (Colin27, one subject) |
 * | mri_test.npy   | dipy t1_coronal_slice + ITK KmeansTest_T1UCharRaw (axial)     | test (other subjects/sources) |
 * | ct_train.npy   | InVesalius Cranium, axial slices 0–79 (HU)                    | train |
 * | ct_test.npy    | InVesalius Cranium, axial slices 88–107 (HU; 8-slice gap)     | test (same patient: block split only) |
 *
 * MRI slices are scaled to [0, 1] by their volume's maximum; CT stays in Hounsfield units. Slices
 * are centre-cropped/zero-padded to 256²; only slices with ≥ 10 % non-background are kept.
 * Idempotent and resumable: every step checks its output first and prints what it skipped and why.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { tensor } from '../index.js';
import { writeNpy } from '../io/npy.js';

interface Pkg {
  readonly name: string;
  readonly file: string;
  readonly sha256: string;
  readonly licence: string;
}

/** reference/data.md §1 (bookworm versions). */
export const PACKAGES: readonly Pkg[] = [
  { name: 'mricron-data', file: 'mricron-data_1.2.20211006+dfsg-4_all.deb', sha256: 'd40aa0ed66cf89bf6cafa049ad3884703c9d975c2ee2737525b7196528df9d6f', licence: 'BSD-3-clause' },
  { name: 'invesalius-examples', file: 'invesalius-examples_3.1.99998-4_all.deb', sha256: 'f2f14bdfef6dc3812eafc5013d133c6c18370aaab5666b78d54af2e7db432f97', licence: 'GPL-2' },
  { name: 'insighttoolkit5-examples', file: 'insighttoolkit5-examples_5.2.1-5+deb12u1_all.deb', sha256: '6ca1f323eac0b3cba50e786bbf0f2c76ed44b52ecb9e7aeea808ccc42bf09f69', licence: 'Apache-2.0' },
  { name: 'python3-dipy', file: 'python3-dipy_1.6.0-1_all.deb', sha256: '44e3d2971b3e8ccd7d29becbc7d3ce11057c8d0e1a875c6a48d4f25ae198acbf', licence: 'BSD-3-clause' },
  { name: 'python3-nibabel', file: 'python3-nibabel_5.0.0-2_all.deb', sha256: '251732cc8babbf909f067ec6268dbafa2edb77b1c295e7a34fca3e756dfc8444', licence: 'MIT' },
  { name: 'python3-pydicom', file: 'python3-pydicom_2.3.1-1_all.deb', sha256: 'fc00b7d2a85c136fddc4430d451d069f6d8b93138ed2523011646756208b0287', licence: 'MIT' },
  { name: 'odin', file: 'odin_2.0.5-3+b1_amd64.deb', sha256: 'e9906bb5566e293c0232b7027b886f614db96e67294b06d2d763d2899e5edfb6', licence: 'GPL-2+' },
  { name: 'dicom3tools', file: 'dicom3tools_1.00~20220618093127-2_amd64.deb', sha256: '8a6eb42a0ecbfc39905c0f7aac89114a4249cc8e67df526d1737640bf2dd71bf', licence: 'BSD-2-clause' },
  { name: 'elastix-doc', file: 'elastix-doc_5.0.1-4_all.deb', sha256: 'a3fdcbe238a68fa00234762e20082638b4152264e5d23eb1b1aa8e832b603989', licence: 'Apache-2.0' },
  { name: 'octave-dicom', file: 'octave-dicom_0.5.1-1_amd64.deb', sha256: 'e002ce8c13fd3dbaaaf2a1997211a7408efc1e1bd182b8f618ba94939228ff28', licence: 'GPL-3+' },
];

const SIZE = 256;
const log = (s: string): void => {
  process.stdout.write(s + "\n");
};

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function sh(cmd: string, args: readonly string[], cwd: string): { ok: boolean; err: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  return { ok: r.status === 0, err: (r.stderr || r.error?.message || '').trim().split('\n').slice(-1)[0] ?? '' };
}

/** Download (or reuse) one package; returns the path of its .deb, or undefined. */
function download(p: Pkg, debs: string, cache: string, state: { updated: boolean }): { path?: string; sha: 'ok' | 'mismatch' | 'missing' } {
  const findLocal = () => [debs, cache].map((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.startsWith(`${p.name}_`) && f.endsWith('.deb')).map((f) => join(d, f)) : [])).flat()[0];
  let path = findLocal();
  if (path) log(`skip download ${p.name}: ${path} already present`);
  else {
    let r = sh('apt-get', ['download', p.name], debs);
    if (!r.ok && !state.updated) {
      log(`apt-get download ${p.name} failed (${r.err}); running apt-get update once`);
      state.updated = true;
      sh('apt-get', ['update'], debs);
      r = sh('apt-get', ['download', p.name], debs);
    }
    if (!r.ok) {
      log(`WARN ${p.name}: download failed (${r.err}); its sets will be skipped`);
      return { sha: 'missing' };
    }
    path = findLocal();
    if (!path) return { sha: 'missing' };
    log(`downloaded ${path.split('/').pop()}`);
  }
  const got = sha256(path);
  const ok = path.endsWith(p.file) && got === p.sha256;
  if (!ok) log(`WARN ${p.name}: ${path.split('/').pop()} sha256 ${got} differs from data.md (${p.file}); a Debian point release may have changed it`);
  return { path, sha: ok ? 'ok' : 'mismatch' };
}

function unpack(deb: string, root: string, marks: string): void {
  const mark = join(marks, deb.split('/').pop()! + '.done');
  if (existsSync(mark)) return log(`skip unpack ${deb.split('/').pop()}: already unpacked`);
  const r = sh('dpkg-deb', ['-x', deb, root], root);
  if (!r.ok) throw new Error(`dpkg-deb -x ${deb} failed: ${r.err}`);
  writeFileSync(mark, new Date().toISOString());
}

interface Vol {
  readonly dims: readonly number[]; // x-fastest NIfTI order: [nx, ny, nz]
  readonly data: Float32Array;
}

/** Minimal NIfTI-1 (.nii / .nii.gz) volume reader for the packaged files (LE/BE; u8, i16, u16, i32, f32, f64). */
function readNifti(path: string): Vol {
  let b = new Uint8Array(readFileSync(path));
  if (b[0] === 0x1f && b[1] === 0x8b) b = new Uint8Array(gunzipSync(b));
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = dv.getInt32(0, true) === 348;
  if (!le && dv.getInt32(0, false) !== 348) throw new Error(`${path}: not NIfTI-1`);
  const ndim = dv.getInt16(40, le);
  const dims = Array.from({ length: Math.min(ndim, 3) }, (_, i) => dv.getInt16(42 + 2 * i, le));
  const dt = dv.getInt16(70, le);
  const off = Math.round(dv.getFloat32(108, le));
  const slope = dv.getFloat32(112, le);
  const inter = dv.getFloat32(116, le);
  const n = dims.reduce((a, c) => a * c, 1);
  const data = new Float32Array(n);
  const rd: Record<number, [number, (o: number) => number]> = {
    2: [1, (o) => dv.getUint8(o)],
    4: [2, (o) => dv.getInt16(o, le)],
    8: [4, (o) => dv.getInt32(o, le)],
    16: [4, (o) => dv.getFloat32(o, le)],
    64: [8, (o) => dv.getFloat64(o, le)],
    512: [2, (o) => dv.getUint16(o, le)],
  };
  const r = rd[dt];
  if (!r) throw new Error(`${path}: NIfTI datatype ${dt} not handled`);
  for (let i = 0; i < n; i++) data[i] = r[1](off + i * r[0]);
  if (slope !== 0 && Number.isFinite(slope) && (slope !== 1 || inter !== 0)) for (let i = 0; i < n; i++) data[i] = data[i]! * slope + inter;
  return { dims, data };
}

/** `.npy` float64 2-D reader (dipy's t1_coronal_slice.npy), C order. */
function readNpyF8(path: string): Vol {
  const b = new Uint8Array(readFileSync(path));
  const hl = b[8]! | (b[9]! << 8);
  const h = new TextDecoder('latin1').decode(b.subarray(10, 10 + hl));
  if (!h.includes("'<f8'") || h.includes('True')) throw new Error(`${path}: expected C-order <f8`);
  const shape = /\((\d+), (\d+)\)/.exec(h)!.slice(1).map(Number) as [number, number];
  const dv = new DataView(b.buffer, b.byteOffset + 10 + hl);
  const data = new Float32Array(shape[0] * shape[1]);
  for (let i = 0; i < data.length; i++) data[i] = dv.getFloat64(8 * i, true);
  return { dims: [shape[1], shape[0], 1], data }; // as x-fastest [W, H, 1]
}

/** Axial slices (z) of an x-fastest volume, decimated by `step`, centre-cropped/padded to SIZE², kept when ≥ 10 % > bg. */
function axialSlices(v: Vol, opts: { step?: number; scale: number; bg: number; fill?: number; zRange?: [number, number] }): { slices: Float32Array[]; index: number[] } {
  const [nx, ny, nz] = [v.dims[0]!, v.dims[1]!, v.dims[2] ?? 1];
  const step = opts.step ?? 1;
  const w = Math.floor(nx / step);
  const h = Math.floor(ny / step);
  const [z0, z1] = opts.zRange ?? [0, nz];
  const slices: Float32Array[] = [];
  const index: number[] = [];
  for (let z = z0; z < z1; z += step) {
    const s = new Float32Array(SIZE * SIZE).fill(opts.fill ?? 0);
    let content = 0;
    for (let y = 0; y < h; y++) {
      const ty = y - Math.floor((h - SIZE) / 2);
      for (let x = 0; x < w; x++) {
        const val = v.data[(z * ny + y * step) * nx + x * step]!;
        if (val > opts.bg) content++;
        const tx = x - Math.floor((w - SIZE) / 2);
        // flip y so anterior is up in the image (NIfTI y grows towards anterior)
        if (tx >= 0 && tx < SIZE && ty >= 0 && ty < SIZE) s[(SIZE - 1 - ty) * SIZE + tx] = val * opts.scale;
      }
    }
    if (content >= 0.1 * w * h) {
      slices.push(s);
      index.push(z);
    }
  }
  return { slices, index };
}

function maxOf(a: Float32Array): number {
  let m = -Infinity;
  for (const v of a) if (v > m) m = v;
  return m;
}

interface SetEntry {
  readonly file: string;
  readonly shape: readonly number[];
  readonly units: string;
  readonly split: 'train' | 'test';
  readonly sources: readonly { readonly package: string; readonly path: string; readonly licence: string; readonly slices: string }[];
}

function writeSet(dir: string, name: string, parts: readonly Float32Array[]): readonly number[] {
  const data = new Float32Array(parts.length * SIZE * SIZE);
  parts.forEach((p, i) => data.set(p, i * SIZE * SIZE));
  const tmp = join(dir, name + '.partial');
  writeFileSync(tmp, writeNpy(tensor([parts.length, SIZE, SIZE], data)));
  renameSync(tmp, join(dir, name)); // atomic: an interrupted run leaves no half-written set
  return [parts.length, SIZE, SIZE];
}

/** Run the whole fetch; returns the process exit code. */
export function fetchData(repoRoot: string = process.cwd()): number {
  const cache = resolve(repoRoot, '.cache/meddata');
  const debs = join(cache, 'debs');
  const root = join(cache, 'root');
  const marks = join(cache, 'unpacked');
  const sets = join(cache, 'sets');
  for (const d of [debs, root, marks, sets]) mkdirSync(d, { recursive: true });
  const state = { updated: false };
  const have = new Map<string, { sha: string }>();
  for (const p of PACKAGES) {
    const r = download(p, debs, cache, state);
    if (r.path) {
      unpack(r.path, root, marks);
      have.set(p.name, { sha: r.sha });
    }
  }
  // Cranium.inv3 → cranium/<folder>/matrix.dat
  const craniumDir = join(cache, 'cranium');
  const inv3 = join(root, 'usr/share/doc/invesalius-examples/examples/Cranium.inv3');
  const findMatrix = () => (existsSync(craniumDir) ? readdirSync(craniumDir).map((d) => join(craniumDir, d, 'matrix.dat')).find((f) => existsSync(f)) : undefined);
  if (findMatrix()) log('skip Cranium.inv3: already extracted');
  else if (existsSync(inv3)) {
    mkdirSync(craniumDir, { recursive: true });
    const r = sh('tar', ['-xzf', inv3, '-C', craniumDir], cache);
    if (!r.ok) log(`WARN Cranium.inv3 extraction failed: ${r.err}`);
  } else log('skip Cranium.inv3: invesalius-examples not available');

  const manifestPath = join(sets, 'manifest.json');
  const manifest: { sets: Record<string, SetEntry>; packages: Record<string, { sha256: string; licence: string }> } = existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as typeof manifest)
    : { sets: {}, packages: {} };
  for (const p of PACKAGES) if (have.has(p.name)) manifest.packages[p.name] = { sha256: have.get(p.name)!.sha, licence: p.licence };
  const T = 'usr/share/mricron/templates';
  const build = (name: string, needs: readonly string[], make: () => Omit<SetEntry, 'file' | 'shape'> & { parts: Float32Array[] }) => {
    const out = join(sets, name);
    if (existsSync(out) && manifest.sets[name]) return log(`skip ${name}: already built (${manifest.sets[name]!.shape.join('×')})`);
    const missing = needs.filter((f) => !existsSync(join(root, f)) && !(f === 'cranium' && findMatrix()));
    if (missing.length) return log(`skip ${name}: missing ${missing.join(', ')}`);
    const { parts, ...rest } = make();
    const shape = writeSet(sets, name, parts);
    manifest.sets[name] = { file: name, shape, ...rest };
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
    log(`built ${name}: ${shape.join('×')}`);
  };

  build('mri_train.npy', [`${T}/ch2.nii.gz`, `${T}/ch2better.nii.gz`], () => {
    const a = readNifti(join(root, T, 'ch2.nii.gz'));
    const b = readNifti(join(root, T, 'ch2better.nii.gz'));
    const sa = axialSlices(a, { scale: 1 / maxOf(a.data), bg: 10 });
    const sb = axialSlices(b, { step: 2, scale: 1 / maxOf(b.data), bg: 5 });
    return {
      units: 'unit [0,1] (volume max)',
      split: 'train',
      parts: [...sa.slices, ...sb.slices],
      sources: [
        { package: 'mricron-data', path: `${T}/ch2.nii.gz`, licence: 'BSD-3-clause', slices: `axial z ∈ {${sa.index[0]}..${sa.index.at(-1)}} with content (${sa.index.length})` },
        { package: 'mricron-data', path: `${T}/ch2better.nii.gz`, licence: 'BSD-3-clause', slices: `axial every 2nd z, 2× decimated in-plane (${sb.index.length})` },
      ],
    };
  });
  const D = 'usr/lib/python3/dist-packages/dipy/data/files';
  const I = 'usr/share/doc/insighttoolkit5-examples/examples/Data';
  build('mri_test.npy', [`${D}/t1_coronal_slice.npy`, `${I}/KmeansTest_T1UCharRaw.nii.gz`], () => {
    const d = readNpyF8(join(root, D, 't1_coronal_slice.npy'));
    const k = readNifti(join(root, I, 'KmeansTest_T1UCharRaw.nii.gz'));
    const sd = axialSlices(d, { scale: 1 / maxOf(d.data), bg: 0.02 });
    const sk = axialSlices(k, { scale: 1 / maxOf(k.data), bg: 10 });
    return {
      units: 'unit [0,1] (volume max)',
      split: 'test',
      parts: [...sd.slices, ...sk.slices],
      sources: [
        { package: 'python3-dipy', path: `${D}/t1_coronal_slice.npy`, licence: 'BSD-3-clause', slices: '1 (coronal T1, float64 → float32)' },
        { package: 'insighttoolkit5-examples', path: `${I}/KmeansTest_T1UCharRaw.nii.gz`, licence: 'Apache-2.0', slices: `axial (${sk.index.length})` },
      ],
    };
  });
  const cranium = (z0: number, z1: number) => {
    const m = findMatrix()!;
    const raw = readFileSync(m);
    if (raw.length !== 108 * 256 * 256 * 2) throw new Error(`${m}: expected 108×256×256 int16`);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const data = new Float32Array(raw.length / 2);
    for (let i = 0; i < data.length; i++) data[i] = dv.getInt16(2 * i, true);
    const vol: Vol = { dims: [256, 256, 108], data };
    return axialSlices(vol, { scale: 1, bg: -500, fill: -1024, zRange: [z0, z1] });
  };
  for (const [name, z0, z1, split] of [['ct_train.npy', 0, 80, 'train'], ['ct_test.npy', 88, 108, 'test']] as const) {
    build(name, ['cranium'], () => {
      const s = cranium(z0, z1);
      // matrix.dat rows already run top→bottom: undo the NIfTI flip of axialSlices
      const parts = s.slices.map((sl) => {
        const f = new Float32Array(sl.length);
        for (let y = 0; y < SIZE; y++) f.set(sl.subarray((SIZE - 1 - y) * SIZE, (SIZE - y) * SIZE), y * SIZE);
        return f;
      });
      return {
        units: 'Hounsfield units',
        split,
        parts,
        sources: [{ package: 'invesalius-examples', path: 'Cranium.inv3 → matrix.dat', licence: 'GPL-2', slices: `axial z ∈ [${z0}, ${z1}) with content (${s.index.length})` }],
      };
    });
  }
  let total = 0;
  for (const f of readdirSync(sets)) total += statSync(join(sets, f)).size;
  log(`done: ${Object.keys(manifest.sets).length} sets in ${sets} (${(total / 2 ** 20).toFixed(1)} MiB), manifest ${manifestPath}`);
  return 0;
}
