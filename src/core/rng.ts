/**
 * Seeded counter-based randomness (Philox4x32-10, Salmon et al. 2011), identical in Node and in the
 * browser: it uses only 32-bit integer arithmetic and IEEE float64 maths on the host.
 *
 * A generator is (key, stream, position). Block b of stream s yields the four words
 * philox(key, [b_lo, b_hi, s, 0]); words are consumed in order. `fork(i)` gives an independent
 * child stream, so parallel consumers (data loader, noise, init) never share numbers.
 *
 * @example
 *   const rng = new Rng(42);
 *   const x = rng.normal(1024);          // Float32Array of N(0, 1) samples
 *   const noise = rng.fork(7).uniform(16); // independent stream
 */
import { MedreconError } from './errors.js';
import { type HostTensor, sizeOf, tensor } from './tensor.js';

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32. */
function mulhi(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const t = al * bl;
  const m1 = ah * bl + (t >>> 16);
  const m2 = al * bh + (m1 & 0xffff);
  return (ah * bh + Math.floor(m1 / 65536) + Math.floor(m2 / 65536)) >>> 0;
}

/** One Philox4x32-10 block: four uint32 outputs for counter c and key k. */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array = new Uint32Array(4)): Uint32Array {
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
  return out;
}

export interface RngState {
  readonly key: readonly [number, number];
  readonly stream: number;
  readonly position: number; // words consumed
}

export class Rng {
  private readonly k0: number;
  private readonly k1: number;
  readonly stream: number;
  private pos = 0; // words consumed
  private readonly buf = new Uint32Array(4);
  private bufBlock = -1;

  /** `seed`: a non-negative integer below 2^53 (or an explicit [lo, hi] key). */
  constructor(seed: number | readonly [number, number] = 0, stream = 0) {
    if (typeof seed === 'number') {
      if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
        throw new MedreconError('INVALID_ARGUMENT', `Rng: seed must be an integer in [0, 2^53), got ${seed}`);
      }
      this.k0 = seed >>> 0;
      this.k1 = Math.floor(seed / 4294967296) >>> 0;
    } else {
      this.k0 = seed[0] >>> 0;
      this.k1 = seed[1] >>> 0;
    }
    if (!Number.isInteger(stream) || stream < 0 || stream > 0xffffffff) throw new MedreconError('INVALID_ARGUMENT', `Rng: stream must be a uint32, got ${stream}`);
    this.stream = stream;
  }

  static fromState(s: RngState): Rng {
    const r = new Rng(s.key as [number, number], s.stream);
    r.pos = s.position;
    return r;
  }

  state(): RngState {
    return { key: [this.k0, this.k1], stream: this.stream, position: this.pos };
  }

  /** An independent generator: same key, key-mixed stream id. */
  fork(id: number): Rng {
    const o = philox4x32(this.stream, id >>> 0, 0x6a09e667, 0xbb67ae85, this.k0, this.k1);
    return new Rng([o[0]!, o[1]!], o[2]!);
  }

  /** Next uint32. */
  nextU32(): number {
    const block = Math.floor(this.pos / 4);
    if (block !== this.bufBlock) {
      philox4x32(block >>> 0, Math.floor(block / 4294967296) >>> 0, this.stream, 0, this.k0, this.k1, this.buf);
      this.bufBlock = block;
    }
    return this.buf[this.pos++ & 3]!;
  }

  /** Uniform in the open interval (0, 1) with 24 random bits (exact in float32). */
  nextUniform(): number {
    return ((this.nextU32() >>> 8) + 0.5) / 16777216;
  }

  /** n samples uniform in (lo, hi). */
  uniform(n: number, lo = 0, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.nextUniform();
    return out;
  }

  /** n samples of N(mean, std²) by Box–Muller (both outputs of each pair are used). */
  normal(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const u1 = this.nextUniform();
      const u2 = this.nextUniform();
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i] = mean + std * r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(2 * Math.PI * u2);
    }
    return out;
  }

  /** Integers uniform in [0, n) (n ≤ 2^32), by rejection so there is no modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) throw new MedreconError('INVALID_ARGUMENT', `Rng.int: n must be in [1, 2^32], got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const u = this.nextU32();
      if (u < limit) return u % n;
    }
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }

  normalTensor(dims: readonly number[], mean = 0, std = 1): HostTensor<'float32'> {
    return tensor(dims, this.normal(sizeOf(dims), mean, std));
  }
  uniformTensor(dims: readonly number[], lo = 0, hi = 1): HostTensor<'float32'> {
    return tensor(dims, this.uniform(sizeOf(dims), lo, hi));
  }
}
