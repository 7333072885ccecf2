/**
 * BART `.cfl` / `.hdr` codec.
 *
 * BART stores a complex float32 array as two files: `name.hdr`, text
 * `# Dimensions\n d0 d1 d2 …\n` (first dimension fastest, i.e. column-major / Fortran order), and
 * `name.cfl`, the raw little-endian interleaved (re, im) float32 values.
 *
 * Mapping to a HostTensor: dims are reversed into C order and a trailing axis of 2 holds (re, im):
 * BART `[d0, d1, …, d_{n-1}]` ↔ tensor `[d_{n-1}, …, d1, d0, 2]`, and element (i_{n-1}, …, i0, c)
 * of the tensor is BART element (i0, …, i_{n-1}) — the bytes are identical, no transposition.
 * Trailing singleton BART dims (BART always writes 16) are dropped on read, keeping at least one:
 * a BART `[256, 256, 1, 8, 1, …]` image reads as `[8, 1, 256, 256, 2]`.
 * So a BART k-space `[readout, phase1, phase2, coils]` becomes `[coils, phase2, phase1, readout, 2]`.
 *
 * @example
 *   const { hdr, cfl } = writeCfl(k);       // k: float32 [coils, H, W, 2]
 *   const back = readCfl(hdr, cfl);          // same dims and values
 */
import { MedreconError, checkOptions } from '../core/errors.js';
import { type HostTensor, tensor } from '../core/tensor.js';

function corrupt(msg: string): MedreconError {
  return new MedreconError('CORRUPT_FILE', `cfl: ${msg}`);
}

/** Parse a BART `.hdr` (text or bytes) into BART-order dims. */
export function parseCflHeader(hdr: string | Uint8Array): number[] {
  const text = typeof hdr === 'string' ? hdr : new TextDecoder('latin1').decode(hdr.subarray(0, 65536));
  if (text.length > 65536) throw corrupt('header too long');
  const lines = text.split(/\r?\n/);
  const at = lines.findIndex((l) => l.trim() === '# Dimensions');
  if (at < 0 || at + 1 >= lines.length) throw corrupt("missing '# Dimensions' line");
  const parts = lines[at + 1]!.trim().split(/\s+/).filter((s) => s.length > 0);
  if (parts.length === 0 || parts.length > 64) throw corrupt(`bad dimension line '${lines[at + 1]!.slice(0, 80)}'`);
  return parts.map((p) => {
    if (!/^\d+$/.test(p)) throw corrupt(`bad dimension '${p.slice(0, 20)}'`);
    const v = Number(p);
    if (!Number.isSafeInteger(v) || v < 1) throw corrupt(`bad dimension '${p.slice(0, 20)}'`);
    return v;
  });
}

/** Decode a BART pair into a float32 HostTensor `[...reversed dims, 2]` (see the module doc). */
export function readCfl(hdr: string | Uint8Array, cfl: Uint8Array): HostTensor<'float32'> {
  const bdims = parseCflHeader(hdr);
  let n = 1;
  for (const d of bdims) {
    n *= d;
    if (!Number.isSafeInteger(n)) throw corrupt('dims overflow');
  }
  if (n * 8 !== cfl.length) throw corrupt(`header dims [${bdims.join(' ')}] need ${n * 8} bytes, .cfl has ${cfl.length}`);
  while (bdims.length > 1 && bdims[bdims.length - 1] === 1) bdims.pop();
  const data = new Float32Array(2 * n);
  const dv = new DataView(cfl.buffer, cfl.byteOffset, cfl.byteLength);
  for (let i = 0; i < 2 * n; i++) data[i] = dv.getFloat32(4 * i, true);
  return tensor([...bdims].reverse().concat([2]), data);
}

export interface WriteCflOptions {
  /** Treat `t` as real (no trailing complex axis; imaginary parts written as 0). */
  real?: boolean;
  /** Pad the header to this many BART dims with 1s (default 16, BART's DIMS). */
  minDims?: number;
}

/** Encode a tensor `[..., 2]` (or real with `{ real: true }`) as a BART `.hdr` text and `.cfl` bytes. */
export function writeCfl(t: HostTensor, opts: WriteCflOptions = {}): { hdr: string; cfl: Uint8Array } {
  checkOptions('writeCfl', opts, ['real', 'minDims']);
  let cdims = [...t.dims];
  if (!opts.real) {
    if (cdims.length < 1 || cdims[cdims.length - 1] !== 2) {
      throw new MedreconError('INVALID_ARGUMENT', `writeCfl: need a trailing (re, im) axis of 2, got [${t.dims.join(', ')}] (use { real: true } for real data)`);
    }
    cdims = cdims.slice(0, -1);
  }
  const bdims = cdims.reverse();
  if (bdims.length === 0) bdims.push(1);
  while (bdims.length < (opts.minDims ?? 16)) bdims.push(1);
  const n = t.data.length / (opts.real ? 1 : 2);
  const out = new Uint8Array(8 * n);
  const dv = new DataView(out.buffer);
  if (opts.real) for (let i = 0; i < n; i++) dv.setFloat32(8 * i, t.data[i]!, true);
  else for (let i = 0; i < 2 * n; i++) dv.setFloat32(4 * i, t.data[i]!, true);
  return { hdr: `# Dimensions\n${bdims.join(' ')}\n`, cfl: out };
}
