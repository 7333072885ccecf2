import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { type ErrorCode, MedreconError } from '../../src/core/errors.js';
import { type HostTensor, tensor } from '../../src/core/tensor.js';
import { type Sym, add, gather, mul, scalarConst, sin, spec } from '../../src/ir/index.js';
import { createRuntime, defaultRuntime, listDevices } from '../../src/node/index.js';
import { type OrtLike, Runtime, type RuntimeTensor } from '../../src/runtime/index.js';

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<{ code: ErrorCode | undefined; message: string }> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return { code: e instanceof MedreconError ? e.code : undefined, message: (e as Error).message };
  }
  return { code: undefined, message: 'no error' };
}

/** An ORT module that records the tensors fed to every run (to check that nothing is copied). */
function recordingOrt(): { ort: OrtLike; feeds: Record<string, unknown>[] } {
  const feeds: Record<string, unknown>[] = [];
  const wrapped: OrtLike = {
    Tensor: ort.Tensor,
    listSupportedBackends: ort.listSupportedBackends,
    InferenceSession: {
      async create(bytes, opts) {
        const s = await ort.InferenceSession.create(bytes, opts);
        return new Proxy(s, {
          get(target, prop) {
            if (prop === 'run') {
              return (f: Record<string, unknown>) => {
                feeds.push({ ...f });
                return target.run(f as never);
              };
            }
            const v = Reflect.get(target, prop);
            return typeof v === 'function' ? v.bind(target) : v;
          },
        });
      },
    },
  };
  return { ort: wrapped, feeds };
}

const f32 = (dims: number[], data: number[]) => tensor(dims, data);

describe('Runtime: compile cache', () => {
  it('a second compile of the same function neither traces nor creates a session', async () => {
    const rt = createRuntime();
    const fn = (x: Sym) => sin(x).mul(2);
    const a = rt.compile(fn, [spec([3])]);
    await a.ready();
    const s0 = { ...rt.stats };
    const b = rt.compile(fn, [spec([3])]);
    await b.ready();
    expect(b).toBe(a);
    expect(rt.stats.traces).toBe(s0.traces);
    expect(rt.stats.sessionsCreated).toBe(s0.sessionsCreated);
    expect(rt.stats.cacheHits).toBe(s0.cacheHits + 1);
    // Another spec is another graph.
    const c = rt.compile(fn, [spec([4])]);
    await c.ready();
    expect(c.hash).not.toBe(a.hash);
    expect(rt.stats.sessionsCreated).toBe(s0.sessionsCreated + 1);
  });

  it('a structurally identical graph built by another closure reuses the session', async () => {
    const rt = createRuntime();
    const make = (k: number) => (x: Sym, y: Sym) => add(mul(x, y), k);
    const f1 = rt.compile(make(1), [spec([2, 2]), spec([2])]);
    const r1 = (await f1.runHost(f32([2, 2], [1, 2, 3, 4]), f32([2], [10, 20]))) as HostTensor;
    const s0 = { ...rt.stats };
    const f2 = rt.compile(make(1), [spec([2, 2]), spec([2])]);
    const r2 = (await f2.runHost(f32([2, 2], [1, 2, 3, 4]), f32([2], [10, 20]))) as HostTensor;
    expect(f2).not.toBe(f1);
    expect(f2.hash).toBe(f1.hash);
    expect(rt.stats.traces).toBe(s0.traces + 1);
    expect(rt.stats.lowerings).toBe(s0.lowerings);
    expect(rt.stats.sessionsCreated).toBe(s0.sessionsCreated);
    expect(Array.from(r2.data)).toEqual(Array.from(r1.data));
    expect(Array.from(r1.data)).toEqual([11, 41, 31, 81]);
    // A different captured constant is a different graph.
    const f3 = rt.compile(make(2), [spec([2, 2]), spec([2])]);
    expect(f3.hash).not.toBe(f1.hash);
  });

  it('compile options are part of the cache key', () => {
    const rt = createRuntime();
    const fn = (x: Sym) => x.exp();
    const a = rt.compile(fn, [spec([3])]);
    const b = rt.compile(fn, [spec([3])], { name: 'other' });
    expect(b).not.toBe(a);
    expect(b.hash).not.toBe(a.hash);
  });

  it('a cache hit on a 1,000-node graph does not trace again', () => {
    const rt = createRuntime();
    const big = (x: Sym): Sym => {
      let h = x;
      for (let i = 0; i < 500; i++) h = add(sin(h), i * 1e-3);
      return h;
    };
    const f = rt.compile(big, [spec([16])]);
    expect(f.nodeCount).toBeGreaterThanOrEqual(1000);
    const traces = rt.stats.traces;
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) rt.compile(big, [spec([16])]);
    const ms = (performance.now() - t0) / 10;
    expect(rt.stats.traces).toBe(traces);
    expect(ms).toBeLessThan(20); // target ≤ 2 ms; loose bound against noisy machines
  });
});

describe('Runtime: running', () => {
  it('feeds runtime tensors back without copying (x ← 0.5x + 1, 10 calls)', async () => {
    const { ort: rec, feeds } = recordingOrt();
    const rt = new Runtime(rec);
    const step = rt.compile((x: Sym) => x.mul(0.5).add(1), [spec([3])]);
    let x: RuntimeTensor = rt.tensor(f32([3], [0, 4, -8]));
    const handles: unknown[] = [];
    for (let i = 0; i < 10; i++) {
      x = (await step.run(x)) as RuntimeTensor;
      handles.push((x as unknown as { ort: unknown }).ort);
    }
    // Each call was fed exactly the ORT tensor the previous call returned.
    for (let i = 1; i < 10; i++) expect(Object.values(feeds[i]!)[0]).toBe(handles[i - 1]);
    const h = await x.toHost();
    const expect10 = (x0: number) => 2 + (x0 - 2) * 0.5 ** 10;
    [0, 4, -8].forEach((x0, i) => expect(h.data[i]).toBeCloseTo(expect10(x0), 6));
    expect(rt.stats.sessionsCreated).toBe(1);
  });

  it('trees in, trees out; int32 and bool values round-trip', async () => {
    const rt = createRuntime();
    const f = rt.compile(
      (p: { a: Sym; b: Sym[] }, m: Sym) => ({ s: add(p.a, p.b[0]!), n: p.b[1]!.cast('int32'), mask: m, both: [m, p.a] }),
      [{ a: spec([2]), b: [spec([2]), spec([2])] }, spec([2], 'bool')],
    );
    const out = (await f.runHost({ a: f32([2], [1, 2]), b: [f32([2], [10, 20]), f32([2], [3.7, -2.2])] }, tensor([2], [1, 0], 'bool'))) as Record<string, HostTensor | HostTensor[]>;
    expect(Array.from((out.s as HostTensor).data)).toEqual([11, 22]);
    expect((out.n as HostTensor).dtype).toBe('int32');
    expect(Array.from((out.n as HostTensor).data)).toEqual([3, -2]);
    expect((out.mask as HostTensor).dtype).toBe('bool');
    expect(Array.from((out.mask as HostTensor).data)).toEqual([1, 0]);
    expect(Array.from((out.both as HostTensor[])[1]!.data)).toEqual([1, 2]);
  });

  it('outputs that are inputs, repeated outputs and constant-only outputs work', async () => {
    const rt = createRuntime();
    const id = rt.compile((x: Sym) => x, [spec([3])]);
    expect((await id.runHost(f32([3], [1, 2, 3])) as HostTensor).data).toEqual(new Float32Array([1, 2, 3]));
    const twice = rt.compile((x: Sym) => [x, x, x.neg(), x.neg()], [spec([2])]);
    const t = (await twice.runHost(f32([2], [5, 6]))) as HostTensor[];
    expect(t.map((h) => Array.from(h.data))).toEqual([[5, 6], [5, 6], [-5, -6], [-5, -6]]);
    const k = rt.compile(() => scalarConst(3).expand([2, 2]), []);
    expect(Array.from(((await k.runHost()) as HostTensor).data)).toEqual([3, 3, 3, 3]);
    const k2 = rt.compile(() => scalarConst(4), []);
    expect(((await k2.runHost()) as HostTensor).data[0]).toBe(4);
    // An unused input is still an input of the graph.
    const unused = rt.compile((_x: Sym, y: Sym) => y.mul(2), [spec([1]), spec([1])]);
    expect(((await unused.runHost(f32([1], [1]), f32([1], [2]))) as HostTensor).data[0]).toBe(4);
    expect(unused.inputNames).toHaveLength(2);
  });

  it('dump shows the IR and the ONNX graph', () => {
    const rt = createRuntime();
    const f = rt.compile((x: Sym) => x.exp().sum(), [spec([2, 3])]);
    const d = f.dump();
    expect(d).toMatch(/IR graph: 1 input, 1 output/);
    expect(d).toMatch(/= exp : float32\[2, 3\] \(%\d+\)/);
    expect(d).toMatch(/= reduceSum\{axes: \[0, 1\], keepdims: false\} : float32\[\]/);
    expect(d).toMatch(/ONNX graph/);
    expect(d).toMatch(/out_0 = ReduceSum\{keepdims: 0\}\(/);
    expect(d).toMatch(/input {2}in_0 : float32\[2, 3\]/);
  });

  it('listDevices and the default runtime', async () => {
    expect(listDevices()).toContain('cpu');
    const rt = defaultRuntime();
    expect(defaultRuntime()).toBe(rt);
    const f = rt.compile((x: Sym) => x.add(1), [spec([1])]);
    expect(((await f.runHost(f32([1], [1]))) as HostTensor).data[0]).toBe(2);
  });
});

describe('Runtime: errors', () => {
  const rt = createRuntime({ checkFinite: true });
  const f = rt.compile((p: { w: Sym; b: Sym }, x: Sym) => add(mul(p.w, x), p.b), [{ w: spec([2, 3]), b: spec([3]) }, spec([2, 3])]);
  const w = f32([2, 3], [1, 2, 3, 4, 5, 6]);
  const b = f32([3], [0, 0, 0]);

  it('missing and extra arguments', async () => {
    const missing = await codeOf(f.run({ w, b }));
    expect(missing.code).toBe('MISSING_INPUT');
    expect(missing.message).toMatch(/argument 1 is missing.*'1'/);
    const extra = await codeOf(f.run({ w, b }, w, w));
    expect(extra.code).toBe('INVALID_ARGUMENT');
    expect(extra.message).toMatch(/takes 2 arguments, got 3/);
    const missingKey = await codeOf(f.run({ w } as never, w));
    expect(missingKey.code).toBe('MISSING_INPUT');
    expect(missingKey.message).toMatch(/'0\.b'/);
    const extraKey = await codeOf(f.run({ w, b, c: b } as never, w));
    expect(extraKey.code).toBe('INVALID_ARGUMENT');
    expect(extraKey.message).toMatch(/unexpected input '0\.c'/);
    const notTensor = await codeOf(f.run({ w, b }, 3 as never));
    expect(notTensor.code).toBe('INVALID_ARGUMENT');
  });

  it('wrong dims and dtypes name the input', async () => {
    const dims = await codeOf(f.run({ w, b: f32([2], [0, 0]) }, w));
    expect(dims.code).toBe('SHAPE_MISMATCH');
    expect(dims.message).toMatch(/input '0\.b' \(in_0_b, float32\[3\]\) got dims \[2\]/);
    const dt = await codeOf(f.run({ w, b }, tensor([2, 3], [1, 2, 3, 4, 5, 6], 'int32')));
    expect(dt.code).toBe('DTYPE_MISMATCH');
    expect(dt.message).toMatch(/input '1'.*got dtype int32/);
    const badData = await codeOf(f.run({ w, b }, { dtype: 'float32', dims: [2, 3], data: new Float32Array(5) }));
    expect(badData.code).toBe('SHAPE_MISMATCH');
  });

  it('non-finite inputs are rejected when checkFinite is on', async () => {
    const x = f32([2, 3], [1, 2, 3, 4, NaN, 6]);
    const e = await codeOf(f.run({ w, b }, x));
    expect(e.code).toBe('NON_FINITE_INPUT');
    expect(e.message).toMatch(/input '1'.*NaN.*index 4/);
    const inf = await codeOf(f.run({ w, b: rt.tensor(f32([3], [0, Infinity, 0])) }, w));
    expect(inf.code).toBe('NON_FINITE_INPUT');
    expect(inf.message).toMatch(/'0\.b'.*index 1/);
    // Off by default.
    const lax = createRuntime();
    const g = lax.compile((y: Sym) => y.add(1), [spec([1])]);
    expect(Number.isNaN(((await g.runHost(f32([1], [NaN]))) as HostTensor).data[0])).toBe(true);
  });

  it('unknown options are rejected', async () => {
    expect((await codeOf(() => createRuntime({ devise: 'cpu' } as never))).code).toBe('UNKNOWN_OPTION');
    expect((await codeOf(() => rt.compile((x: Sym) => x, [spec([1])], { dtf: 'onnx' } as never))).code).toBe('UNKNOWN_OPTION');
  });

  it('ORT failures become RUNTIME_FAILURE listing the inputs', async () => {
    const g = rt.compile((x: Sym, i: Sym) => gather(x, i, 0), [spec([3]), spec([2], 'int32')]);
    const e = await codeOf(g.run(f32([3], [1, 2, 3]), tensor([2], [0, 7], 'int32')));
    expect(e.code).toBe('RUNTIME_FAILURE');
    expect(e.message).toMatch(/in_0 float32\[3\], in_1 int32\[2\]/);
    expect(e.message).toMatch(/Gather/i);
  });

  it('unavailable and unknown devices are reported with what is available', async () => {
    const cuda = await codeOf(() => createRuntime({ device: 'cuda' }));
    if (!listDevices().includes('cuda')) {
      expect(cuda.code).toBe('DEVICE_UNAVAILABLE');
      expect(cuda.message).toMatch(/'cuda' is not available here \(available: cpu/);
    }
    const tpu = await codeOf(() => createRuntime({ device: 'tpu' as never }));
    expect(tpu.code).toBe('DEVICE_UNAVAILABLE');
    expect(tpu.message).toMatch(/unknown device 'tpu'.*available here: cpu/);
    const injected = await codeOf(() => new Runtime(ort, { device: 'webgpu' }, ['cpu']));
    expect(injected.code).toBe('DEVICE_UNAVAILABLE');
  });

  it('a disposed runtime tensor cannot be fed', async () => {
    const g = rt.compile((x: Sym) => x.neg(), [spec([1])]);
    const t = rt.tensor(f32([1], [1]));
    t.dispose();
    const e = await codeOf(g.run(t));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(/disposed/);
  });
});
