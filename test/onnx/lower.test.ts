import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { MedreconError } from '../../src/core/errors.js';
import { tensor } from '../../src/core/tensor.js';
import { OP_NAMES, type Sym, constant, dft, flip, slice, spec, stopGradient, trace, withNodeScope } from '../../src/ir/index.js';
import { dumpGraph } from '../../src/onnx/dump.js';
import { INT64_MIN, LOWERINGS, ONNX_OPSET, lowerToOnnx, sliceEnd } from '../../src/onnx/lower.js';
import { DataType, ProtoWriter, encodeModel } from '../../src/onnx/proto.js';

const tr = (fn: (...xs: Sym[]) => Sym | Sym[], specs: ReturnType<typeof spec>[]) => withNodeScope(() => trace(fn, specs));

async function runBytes(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(bytes);
  return (await s.run(feeds)) as Record<string, ort.Tensor>;
}

describe('protobuf writer', () => {
  it('writes varints, including negative int64 as 10 bytes', () => {
    const w = new ProtoWriter();
    w.varint(1);
    w.varint(300);
    w.varint(-1n);
    w.varint(INT64_MIN);
    expect(Array.from(w.finish())).toEqual([
      0x01, 0xac, 0x02,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
      0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01,
    ]);
  });

  it('encodes a model ONNX Runtime loads, with small and raw_data initializers', async () => {
    const big = Float32Array.from({ length: 40 }, (_, i) => i);
    const bytes = encodeModel({
      graph: {
        name: 'g',
        nodes: [
          { opType: 'Add', inputs: ['x', 'small'], outputs: ['t'] },
          { opType: 'Add', inputs: ['t', 'big'], outputs: ['y'] },
          { opType: 'LeakyRelu', inputs: ['y'], outputs: ['z'], attrs: { alpha: { f: 0.5 } } },
        ],
        initializers: [
          { name: 'small', dims: [40], data: new Float32Array(40).fill(0.25).subarray(0, 40) },
          { name: 'big', dims: [40], data: big },
        ],
        inputs: [{ name: 'x', elemType: DataType.FLOAT, dims: [40] }],
        outputs: [{ name: 'z', elemType: DataType.FLOAT, dims: [40] }],
      },
    });
    const x = new Float32Array(40).fill(-10);
    const out = await runBytes(bytes, { x: new ort.Tensor('float32', x, [40]) });
    const z = out.z!.data as Float32Array;
    expect(z[0]).toBeCloseTo(0.5 * (-10 + 0.25), 6);
    expect(z[39]).toBeCloseTo(39 - 10 + 0.25, 5);
  });

  it('pins opset 18 (default domain) and IR version 8', () => {
    expect(ONNX_OPSET).toBe(18);
    const bytes = encodeModel({ graph: { name: 'g', nodes: [], initializers: [], inputs: [], outputs: [] } });
    expect(bytes[0]).toBe(0x08); // field 1 (ir_version), varint
    expect(bytes[1]).toBe(8);
    // The opset import is the last field: 0x42 (field 8, length-delimited), len, domain '' (0x0a 0x00), version 0x10 18.
    expect(Array.from(bytes.slice(-6))).toEqual([0x42, 4, 0x0a, 0x00, 0x10, 18]);
  });
});

describe('lowering', () => {
  it('has one row per IR op', () => {
    expect(Object.keys(LOWERINGS).sort()).toEqual([...OP_NAMES].sort());
  });

  it('slice ends: positive steps, negative steps reaching index 0 use INT64_MIN', () => {
    expect(sliceEnd(1, 2, 4)).toBe(9n);
    expect(sliceEnd(7, -2, 3)).toBe(1n);
    expect(sliceEnd(7, -2, 4)).toBe(INT64_MIN); // 7, 5, 3, 1: an end of -1 would mean 'the last element'
    expect(sliceEnd(3, -1, 4)).toBe(INT64_MIN);
    expect(sliceEnd(2, -1, 0)).toBe(2n);
  });

  it('negative-step slices and flips down to index 0 run in ORT', async () => {
    const t = tr((x) => [slice(x, [[undefined, undefined, -1]]), slice(x, [[3, undefined, -3]]), flip(x, 0)], [spec([5])]);
    const l = lowerToOnnx(t);
    const out = await runBytes(l.bytes, { [l.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from([0, 1, 2, 3, 4]), [5]) });
    expect(Array.from(out[l.outputNames[0]!]!.data as Float32Array)).toEqual([4, 3, 2, 1, 0]);
    expect(Array.from(out[l.outputNames[1]!]!.data as Float32Array)).toEqual([3, 0]);
    expect(Array.from(out[l.outputNames[2]!]!.data as Float32Array)).toEqual([4, 3, 2, 1, 0]);
  });

  it('deduplicates constant initializers', () => {
    const k = tensor([3], [1, 2, 3]);
    const t = tr((x) => x.add(constant(tensor([3], [1, 2, 3]))).mul(constant(k)).sub(constant(tensor([3], [1, 2, 4]))), [spec([3])]);
    const l = lowerToOnnx(t);
    const floats = l.graph.initializers.filter((i) => i.data instanceof Float32Array && i.dims.length === 1);
    expect(floats).toHaveLength(2);
  });

  it('an output that is an input, or a stopGradient alias, gets an Identity', () => {
    const t = tr((x) => [x, stopGradient(x)], [spec([2])]);
    const l = lowerToOnnx(t);
    expect(l.graph.nodes.map((n) => n.opType)).toEqual(['Identity', 'Identity']);
    expect(l.nodeCount).toBe(2);
    expect(l.outputNames).toEqual(['out_0', 'out_1']);
  });

  it('dft: expansion emits no DFT node, the onnx option does', () => {
    const t = tr((x) => dft(x, 0, true), [spec([6, 2])]);
    const e = lowerToOnnx(t, { dft: 'expand' });
    expect(e.graph.nodes.some((n) => n.opType === 'DFT')).toBe(false);
    expect(e.graph.nodes.some((n) => n.opType === 'MatMul')).toBe(true);
    const o = lowerToOnnx(t, { dft: 'onnx' });
    expect(o.graph.nodes.map((n) => n.opType)).toEqual(['DFT', 'Mul']);
  });

  it('rejects unknown options', () => {
    const t = tr((x) => x, [spec([1])]);
    expect(() => lowerToOnnx(t, { fft: 'onnx' } as never)).toThrow(MedreconError);
  });

  it('dumpGraph prints IR and ONNX lines', () => {
    const t = tr((x) => x.exp().sum(0), [spec([2, 3])]);
    const ir = dumpGraph(t);
    expect(ir).toMatch(/^IR graph: 1 input, 1 output, 3 nodes/);
    expect(ir).toMatch(/%\d+ = input\{index: 0, name: "in_0"\} : float32\[2, 3\]/);
    const onnx = dumpGraph(lowerToOnnx(t));
    expect(onnx).toMatch(/^ONNX graph 'medrecon': 2 nodes, 1 initializers/);
    expect(onnx).toMatch(/init {3}c0 : int64\[1\] = \[0\]/);
    expect(onnx).toMatch(/out_0 = ReduceSum\{keepdims: 0\}\(v\d+, c0\)/);
  });
});
