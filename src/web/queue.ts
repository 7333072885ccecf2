/**
 * A serialized ORT module: every `InferenceSession.create`, `session.run` and `session.release`
 * of the wrapped module goes through ONE first-in-first-out queue, so at most one of them is in
 * flight at any time. onnxruntime-web must not run two `session.run` calls concurrently on one
 * session (they share one WebAssembly instance and its heap, and the WebGPU provider suspends the
 * wasm stack while it waits for the GPU); a caller that fires `f.run(a)` and `f.run(b)` without
 * awaiting gets them executed one after the other instead of a corrupted or failed run.
 *
 * Ordering: jobs start in the order they were submitted; a job that fails (rejects or throws)
 * rejects only its own promise and the queue goes on with the next one.
 *
 * @example
 *   import * as ort from 'onnxruntime-web';
 *   const rt = new Runtime(serializeOrt(ort), { device: 'wasm' }, ['wasm']);
 *   await Promise.all([f.run(a), f.run(b)]);   // executed in turn, never overlapping
 */
import type { InferenceSession, OrtLike } from '../runtime/ort.js';

/** A FIFO of async jobs, one at a time. */
export interface SerialQueue {
  /** Run `job` after every job submitted before it has settled; resolves/rejects like `job`. */
  push<T>(job: () => Promise<T>): Promise<T>;
  /** Jobs submitted and not yet settled (the running one included). */
  readonly pending: number;
}

/** A new empty queue. */
export function serialQueue(): SerialQueue {
  let tail: Promise<void> = Promise.resolve();
  let pending = 0;
  return {
    push<T>(job: () => Promise<T>): Promise<T> {
      pending++;
      const result = tail.then(() => job());
      tail = result.then(
        () => void pending--,
        () => void pending--,
      );
      return result;
    },
    get pending() {
      return pending;
    },
  };
}

type AnyRun = (...args: unknown[]) => Promise<unknown>;

/**
 * The same ORT module with its session work serialized through `queue` (a new queue by default;
 * pass one to share it between modules). Sessions are the ORT sessions themselves, with `run` and
 * `release` replaced by queued versions.
 */
export function serializeOrt(ort: OrtLike, queue: SerialQueue = serialQueue()): OrtLike {
  return {
    Tensor: ort.Tensor,
    ...(ort.listSupportedBackends ? { listSupportedBackends: ort.listSupportedBackends } : {}),
    InferenceSession: {
      async create(buffer: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> {
        const session = await queue.push(() => ort.InferenceSession.create(buffer, options));
        const run = (session.run as AnyRun).bind(session);
        const release = session.release.bind(session);
        Object.defineProperty(session, 'run', { configurable: true, writable: true, value: (...args: unknown[]) => queue.push(() => run(...args)) });
        Object.defineProperty(session, 'release', { configurable: true, writable: true, value: () => queue.push(() => release()) });
        return session;
      },
    },
  };
}
