/** The README's short tour, run as written (with the types it elides). */
import { describe, expect, it } from 'vitest';
import { Rng, type Sym, adam, conv, dncnn, initDncnn, makeTrainStep, relu, spec, specTree, valueAndGrad } from '../../src/index.js';
import type { DncnnParams, HostTensor, Tree } from '../../src/index.js';
import { createRuntime } from '../../src/node/index.js';

describe('README tour', () => {
  it('compiles a function, its gradient and a train step, and the step lowers the loss', async () => {
    const rt = createRuntime({ threads: 1 });
    const rng = new Rng(3);
    const wHost = rng.normalTensor([8, 1, 3, 3], 0, 0.3);
    const xHost = rng.normalTensor([1, 1, 64, 64]);
    const loss = (w: Sym, x: Sym) => relu(conv(x, w, { padding: 1 })).mean();
    const f = rt.compile(loss, [spec([8, 1, 3, 3]), spec([1, 1, 64, 64])]);
    const y = (await f.runHost(wHost, xHost)) as HostTensor;
    expect(y.dims).toEqual([]);
    expect(y.data[0]).toBeGreaterThan(0);
    const g = rt.compile(valueAndGrad(loss), [spec([8, 1, 3, 3]), spec([1, 1, 64, 64])]);
    const [v, dw] = (await g.runHost(wHost, xHost)) as [HostTensor, HostTensor];
    expect(v.data[0]).toBeCloseTo(y.data[0]!, 5);
    expect(dw.dims).toEqual([8, 1, 3, 3]);

    const params = initDncnn(new Rng(0), { channels: 1, width: 8, depth: 3 });
    const step = makeTrainStep(
      rt,
      (p: Tree<Sym>, b: Tree<Sym>) => {
        const { noisy, clean } = b as { noisy: Sym; clean: Sym };
        return dncnn(p as unknown as DncnnParams<Sym>, noisy).sub(clean).square().mean();
      },
      adam({ lr: 2e-3 }),
      { params: specTree(params as unknown as Tree<HostTensor>), batch: { noisy: spec([2, 1, 32, 32]), clean: spec([2, 1, 32, 32]) } },
    );
    const clean = rng.uniformTensor([2, 1, 32, 32]); // overwritten below with a smooth pattern (white noise cannot be denoised)
    clean.data.forEach((_, i) => (clean.data[i] = 0.5 + 0.4 * Math.sin((i % 32) / 4) * Math.cos(Math.floor(i / 32) / 5)));
    const noisy = { ...clean, data: clean.data.map((c) => c + 0.1 * rng.normal(1)[0]!) };
    let p: unknown = params;
    let s: unknown = step.init(params as unknown as Tree<HostTensor>);
    const losses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await step.step(p as never, s as never, { noisy, clean });
      p = r.params;
      s = r.state;
      losses.push((await r.loss.toHost()).data[0]!);
    }
    expect(losses[39]!).toBeLessThan(0.5 * losses[0]!);
  });
});
