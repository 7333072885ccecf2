/**
 * NumPy's legacy `numpy.random.RandomState` (MT19937), reimplemented bit for bit, so that masks
 * drawn by fastMRI's mask functions (which use `np.random.RandomState(seed)`) can be reproduced
 * exactly in TypeScript. Everything else in medrecon uses the Philox `Rng` of src/core/rng.ts; this
 * generator exists for compatibility only.
 *
 * - Seeding: an integer seed s ∈ [0, 2³²) uses Matsumoto–Nishimura `init_genrand(s)`
 *   (mt[0] = s, mt[i] = 1812433253·(mt[i−1] ⊕ (mt[i−1] ≫ 30)) + i); a sequence of such integers
 *   (NumPy's `RandomState(seed_tuple)`, e.g. fastMRI's `tuple(map(ord, fname))`) uses
 *   `init_by_array`.
 * - `randomSample()` = NumPy `random_sample()`: (a ≫ 5, b ≫ 6) of two 32-bit draws,
 *   (a·2²⁶ + b) / 2⁵³ (53-bit uniform in [0, 1)).
 * - `uniform(n, lo, hi)` = lo + (hi − lo)·random_sample().
 * - `randint(lo, hi)` = NumPy's legacy masked rejection sampling on [lo, hi): with r = hi − lo − 1,
 *   draw 32-bit words masked to the smallest 2^k − 1 ≥ r until one is ≤ r; r = 0 draws nothing.
 *
 * @example
 *   const rs = new RandomState(42);
 *   rs.uniform(3); // Float64Array equal to np.random.RandomState(42).uniform(size=3)
 */
import { MedreconError } from '../../core/errors.js';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER = 0x80000000;
const LOWER = 0x7fffffff;

function checkU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new MedreconError('INVALID_ARGUMENT', `RandomState: ${what} must be an integer in [0, 2^32 − 1], got ${v}`);
  }
}

export class RandomState {
  private readonly mt = new Uint32Array(N);
  private mti = N;

  /** `seed`: an integer in [0, 2³²) or a non-empty sequence of such integers (NumPy semantics). */
  constructor(seed: number | readonly number[] = 0) {
    this.seed(seed);
  }

  /** Re-seed exactly as `RandomState.seed(seed)`. */
  seed(seed: number | readonly number[]): void {
    if (typeof seed === 'number') {
      checkU32(seed, 'seed');
      this.initGenrand(seed);
    } else {
      if (seed.length === 0) throw new MedreconError('INVALID_ARGUMENT', 'RandomState: seed sequence must be non-empty');
      seed.forEach((s, i) => checkU32(s, `seed[${i}]`));
      this.initByArray(seed);
    }
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const p = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, p) + i) >>> 0;
    }
    this.mti = N;
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    const len = key.length;
    for (let k = Math.max(N, len); k > 0; k--) {
      const p = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(p, 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= N) { mt[0] = mt[N - 1]!; i = 1; }
      if (j >= len) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const p = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(p, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) { mt[0] = mt[N - 1]!; i = 1; }
    }
    mt[0] = 0x80000000;
    this.mti = N;
  }

  private twist(): void {
    const mt = this.mt;
    for (let k = 0; k < N; k++) {
      const y = (mt[k]! & UPPER) | (mt[(k + 1) % N]! & LOWER);
      mt[k] = (mt[(k + M) % N]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)) >>> 0;
    }
    this.mti = 0;
  }

  /** The next tempered 32-bit word (genrand_int32). */
  nextU32(): number {
    if (this.mti >= N) this.twist();
    let y = this.mt[this.mti++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** One float64 in [0, 1) with 53 random bits (NumPy `random_sample()`). */
  randomSample(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `n` draws of NumPy `uniform(lo, hi, size=n)`. */
  uniform(n: number, lo = 0, hi = 1): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.randomSample();
    return out;
  }

  /** One draw of NumPy legacy `randint(lo, hi)` (integer in [lo, hi), hi − lo ≤ 2³²). */
  randint(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi <= lo || hi - lo > 4294967296) {
      throw new MedreconError('INVALID_ARGUMENT', `RandomState.randint: need integers lo < hi with hi − lo ≤ 2^32, got [${lo}, ${hi})`);
    }
    const rng = hi - lo - 1;
    if (rng === 0) return lo;
    let mask = rng;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const v = (this.nextU32() & mask) >>> 0;
      if (v <= rng) return lo + v;
    }
  }
}
