/**
 * Typed errors. Every failure medrecon raises on purpose is a `MedreconError` with a stable `code`,
 * so callers can branch on `err.code` instead of parsing messages.
 *
 * @example
 *   try { ... } catch (e) { if (isMedreconError(e, 'SHAPE_MISMATCH')) ... }
 */
export type ErrorCode =
  | 'SHAPE_MISMATCH' // tensor shapes incompatible for an op (raised while tracing)
  | 'DTYPE_MISMATCH' // dtypes incompatible for an op (raised while tracing)
  | 'INVALID_ARGUMENT' // an argument has an impossible value
  | 'UNKNOWN_OPTION' // an options object carries a key we do not know
  | 'MISSING_INPUT' // a compiled function was called without one of its inputs
  | 'NON_FINITE_INPUT' // NaN or Inf in a fed tensor when checking was asked for
  | 'NOT_DIFFERENTIABLE' // gradient asked through an op or input that has none
  | 'NOT_LINEAR' // linearTranspose of a function that is not linear in its input
  | 'DEVICE_UNAVAILABLE' // requested execution device is not available
  | 'RUNTIME_FAILURE' // ONNX Runtime failed while creating or running a session
  | 'UNSUPPORTED' // valid request that this build does not support
  | 'CORRUPT_FILE' // a file or byte buffer could not be decoded
  | 'INTERNAL'; // a bug in medrecon

export class MedreconError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(`[${code}] ${message}`, options);
    this.name = 'MedreconError';
    this.code = code;
    this.details = details;
  }
}

export function isMedreconError(e: unknown, code?: ErrorCode): e is MedreconError {
  return e instanceof MedreconError && (code === undefined || e.code === code);
}

/** Throw `INVALID_ARGUMENT` unless `cond` holds. */
export function check(cond: unknown, message: string, details: Record<string, unknown> = {}): asserts cond {
  if (!cond) throw new MedreconError('INVALID_ARGUMENT', message, details);
}

/** Reject keys of `opts` that are not in `allowed` (options are validated at the boundary). */
export function checkOptions(where: string, opts: object | undefined, allowed: readonly string[]): void {
  if (opts === undefined || opts === null) return;
  for (const k of Object.keys(opts)) {
    if (!allowed.includes(k)) {
      throw new MedreconError('UNKNOWN_OPTION', `${where}: unknown option '${k}' (known: ${allowed.join(', ') || 'none'})`, {
        option: k,
        allowed: [...allowed],
      });
    }
  }
}
