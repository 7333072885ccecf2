import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/core/tensor.js';
import { createInterpExecutor } from '../../src/interp/index.js';
import type { DeviceTensor, Executor } from '../../src/ir/executor.js';
import { type Sym, spec } from '../../src/ir/index.js';
import { createRuntime } from '../../src/node/index.js';

/** x ← x/3 + 1 twenty times: float64 state on the interpreter, float32 on ORT; both executors fit. */
async function iterate(ex: Executor): Promise<number> {
  const f = ex.compile((x: Sym) => x.div(3).add(1), [spec([2])]);
  let x: DeviceTensor = ex.tensor(tensor([2], [0, 10]));
  for (let i = 0; i < 20; i++) x = (await f.run(x)) as DeviceTensor;
  return (await x.toHost()).data[1]!;
}

describe('Executor contract', () => {
  it('the interpreter executor keeps float64 state between calls and caches compiles', async () => {
    const ex = createInterpExecutor();
    const v = await iterate(ex);
    let ref = 10;
    for (let i = 0; i < 20; i++) ref = ref / 3 + 1;
    expect(v).toBe(Math.fround(ref));
    const fn = (x: Sym) => x.mul(2);
    expect(ex.compile(fn, [spec([1])])).toBe(ex.compile(fn, [spec([1])]));
  });
  it('the ORT runtime satisfies the same contract', async () => {
    const v = await iterate(createRuntime({ threads: 1 }));
    expect(Math.abs(v - 1.5)).toBeLessThan(1e-5);
  });
  it('rejects a wrong argument count', async () => {
    const f = createInterpExecutor().compile((a: Sym, b: Sym) => a.add(b), [spec([1]), spec([1])]);
    await expect(f.run(tensor([1], [1]))).rejects.toMatchObject({ code: 'MISSING_INPUT' });
  });
});
