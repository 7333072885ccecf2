/**
 * Scalar special functions in float64 for the reference interpreter.
 *
 * @example
 *   erf(0.5);       // 0.5204998778130465
 *   softplus(800);  // 800 (no overflow)
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/√π
const ONE_OVER_SQRT_PI = 0.5641895835477563; // 1/√π

/**
 * erfc(x) for x ≥ 3 by the continued fraction
 *   erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))),
 * evaluated backwards from a fixed depth (80 levels give full double precision for x ≥ 3).
 */
function erfcLarge(x: number): number {
  let t = x;
  for (let k = 80; k >= 1; k--) t = x + k / 2 / t;
  return (Math.exp(-x * x) * ONE_OVER_SQRT_PI) / t;
}

/**
 * The error function erf(x) = 2/√π ∫₀ˣ e^{-t²} dt, accurate to ~1e-15 relative.
 *
 * |x| < 3: the everywhere-positive series erf(x) = 2/√π · e^{-x²} · Σ_{n≥0} 2ⁿ x^{2n+1} / (1·3·…·(2n+1))
 * (no cancellation); 3 ≤ |x| < 6: 1 − erfc(|x|) with the continued fraction above; beyond, ±1.
 *
 * @example erf(1) // 0.8427007929497149
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 3) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  if (ax < 6) {
    const v = 1 - erfcLarge(ax);
    return x < 0 ? -v : v;
  }
  return x < 0 ? -1 : 1;
}

/** σ(x) = 1/(1+e^{-x}), evaluated without overflow for either sign. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** softplus(x) = log(1+eˣ) = max(x,0) + log1p(e^{-|x|}) (stable for large |x|). */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
