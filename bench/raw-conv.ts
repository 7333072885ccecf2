/**
 * The reference point for engine speed: one Conv node (C→C, 3×3, pad 1, 1×C×H×W), or a chain of
 * `layers` Conv+Relu nodes, built by hand as ONNX bytes and run directly with onnxruntime-node — no IR, no tracing, no medrecon runtime.
 */
import * as ort from 'onnxruntime-node';
import { DataType, encodeModel } from '../src/onnx/proto.js';

export async function makeRawConvModel(C: number, HW: number, threads = 2, layers = 1): Promise<{ run: () => Promise<unknown> }> {
  const w = new Float32Array(C * C * 9);
  for (let i = 0; i < w.length; i++) w[i] = Math.sin(i) * 0.05;
  const nodes = [];
  for (let l = 0; l < layers; l++) {
    const src = l === 0 ? 'x' : `r${l - 1}`;
    const dst = l === layers - 1 ? 'y' : `c${l}`;
    nodes.push({ opType: 'Conv', inputs: [src, 'w'], outputs: [dst], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } });
    if (l < layers - 1) nodes.push({ opType: 'Relu', inputs: [dst], outputs: [`r${l}`] });
  }
  const bytes = encodeModel({
    graph: {
      name: 'raw_conv',
      nodes,
      initializers: [],
      inputs: [
        { name: 'x', elemType: DataType.FLOAT, dims: [1, C, HW, HW] },
        { name: 'w', elemType: DataType.FLOAT, dims: [C, C, 3, 3] },
      ],
      outputs: [{ name: 'y', elemType: DataType.FLOAT, dims: [1, C, HW, HW] }],
    },
  });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
  const x = new ort.Tensor('float32', new Float32Array(C * HW * HW).map((_, i) => Math.cos(i)), [1, C, HW, HW]);
  const wt = new ort.Tensor('float32', w, [C, C, 3, 3]);
  return { run: () => session.run({ x, w: wt }) };
}
