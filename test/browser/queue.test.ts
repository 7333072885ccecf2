/** The serialized ORT wrapper of the web entry (src/web/queue.ts), on a fake ORT module in Node. */
import { describe, expect, it } from 'vitest';
import type { InferenceSession, OrtLike } from '../../src/runtime/ort.js';
import { serialQueue, serializeOrt } from '../../src/web/queue.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fake ORT whose sessions fail like onnxruntime-web when two runs overlap. */
function fakeOrt() {
  let active = 0;
  let maxActive = 0;
  const order: string[] = [];
  const ort = {
    Tensor: class {} as unknown as OrtLike['Tensor'],
    InferenceSession: {
      async create(): Promise<InferenceSession> {
        const session = {
          async run(feeds: { id: string; ms: number; fail?: boolean }) {
            if (active > 0) throw new Error('Session already started');
            active++;
            maxActive = Math.max(maxActive, active);
            order.push(`start ${feeds.id}`);
            await tick(feeds.ms);
            order.push(`end ${feeds.id}`);
            active--;
            if (feeds.fail) throw new Error(`run ${feeds.id} failed`);
            return { out: feeds.id };
          },
          async release() {
            order.push('release');
          },
        };
        return session as unknown as InferenceSession;
      },
    },
  } satisfies OrtLike;
  return { ort, order, maxActive: () => maxActive };
}

type Run = (f: { id: string; ms: number; fail?: boolean }) => Promise<{ out: string }>;

describe('serializeOrt', () => {
  it('the fake fails on overlapping runs without the queue (so the next test can fail)', async () => {
    const { ort } = fakeOrt();
    const s = await ort.InferenceSession.create();
    const run = s.run as unknown as Run;
    await expect(Promise.all([run({ id: 'a', ms: 5 }), run({ id: 'b', ms: 1 })])).rejects.toThrow('Session already started');
  });

  it('runs overlapping calls one at a time, in submission order, and a failure does not stall the queue', async () => {
    const f = fakeOrt();
    const ort = serializeOrt(f.ort);
    const s = await ort.InferenceSession.create(new Uint8Array());
    const run = s.run as unknown as Run;
    const r = await Promise.allSettled([run({ id: 'a', ms: 10 }), run({ id: 'b', ms: 1, fail: true }), run({ id: 'c', ms: 1 }), s.release()]);
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((r[0] as PromiseFulfilledResult<{ out: string }>).value.out).toBe('a');
    expect(f.maxActive()).toBe(1);
    expect(f.order).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c', 'release']);
  });

  it('a shared queue serializes across sessions; pending counts unsettled jobs', async () => {
    const f = fakeOrt();
    const q = serialQueue();
    const ort = serializeOrt(f.ort, q);
    const [s1, s2] = await Promise.all([ort.InferenceSession.create(new Uint8Array()), ort.InferenceSession.create(new Uint8Array())]);
    const p = Promise.all([(s1.run as unknown as Run)({ id: '1', ms: 5 }), (s2.run as unknown as Run)({ id: '2', ms: 1 })]);
    expect(q.pending).toBe(2);
    await p;
    expect(q.pending).toBe(0);
    expect(f.order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });
});
