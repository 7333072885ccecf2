/**
 * Expansion of the IR `dft` op into MatMuls against constant DFT matrices (no `dft` node).
 *
 * Maths: y_k = Σ_n x_n w^{kn}, w = exp(∓2πi/N) (− forward, + inverse), unnormalised, complex as a
 * trailing axis of size 2. On interleaved (re, im) rows, multiplying by the complex number a + ib
 * is the real 2×2 block [[a, b], [−b, a]] acting on the row vector (re, im), so a length-N DFT of
 * the last non-complex axis is one real MatMul x[..., 2N] · M[2N, 2N].
 *
 * @example
 *   const y = expandDft(x, 1, false); // x: [B, N, 2] → y: [B, N, 2], equal to dft(x, 1, false)
 */
import { MedreconError } from '../core/errors.js';
import { tensor } from '../core/tensor.js';
import { type Sym, constant, matmul, normAxis, reshape, transpose } from '../ir/sym.js';

/** exp(sign·2πi·m/N) for the exactly reduced integer m = (k·n) mod N, in float64. */
function rootOfUnity(m: number, n: number, inverse: boolean): [number, number] {
  const t = (2 * Math.PI * m) / n;
  return [Math.cos(t), inverse ? Math.sin(t) : -Math.sin(t)];
}

/**
 * The real [2N, 2M] matrix R with (x as interleaved row) · R = interleaved row of
 * y_k = Σ_n x_n · c(n, k), for a complex coefficient function c given in float64.
 */
function blockMatrix(rows: number, cols: number, coef: (n: number, k: number) => [number, number]): Float32Array {
  const m = new Float32Array(4 * rows * cols);
  const w = 2 * cols;
  for (let n = 0; n < rows; n++) {
    for (let k = 0; k < cols; k++) {
      const [a, b] = coef(n, k);
      const r0 = 2 * n * w + 2 * k;
      const r1 = r0 + w;
      m[r0] = a; // re_in → re_out
      m[r0 + 1] = b; // re_in → im_out
      m[r1] = -b; // im_in → re_out
      m[r1 + 1] = a; // im_in → im_out
    }
  }
  return m;
}

/**
 * The complex DFT of `x` along `axis`, built from Sym primitives only; numerically equal to the
 * IR op `dft(x, axis, inverse)` (unnormalised both ways).
 *
 * @example expandDft(x, -2, true) // inverse DFT along the last non-complex axis
 */
export function expandDft(x: Sym, axis: number, inverse: boolean): Sym {
  const r = x.rank;
  const a = normAxis(axis, r, 'dft');
  if (r < 2 || x.shape[r - 1] !== 2 || a === r - 1) {
    throw new MedreconError('SHAPE_MISMATCH', `expandDft: needs [..., 2] and a non-complex axis; got axis ${axis} of [${x.shape.join(', ')}]`, { op: 'dft' });
  }
  const n = x.shape[a]!;
  if (n <= 1 || x.size === 0) return x;
  const mat = constant(tensor([2 * n, 2 * n], blockMatrix(n, n, (i, k) => rootOfUnity((i * k) % n, n, inverse))));
  // Move `axis` next to the complex axis, multiply, move it back.
  const perm = Array.from({ length: r }, (_, i) => i).filter((i) => i !== a && i !== r - 1);
  perm.push(a, r - 1);
  const xt = transpose(x, perm);
  const lead = xt.shape.slice(0, r - 2);
  const rows = lead.reduce((p, d) => p * d, 1);
  const y = reshape(matmul(reshape(xt, [rows, 2 * n]), mat), [...lead, n, 2]);
  const inv = new Array<number>(r);
  perm.forEach((p, i) => (inv[p] = i));
  return transpose(y, inv);
}
