/**
 * `medrecon export MODEL.json --out model.onnx`: a saved model (MODEL.json + MODEL.safetensors, as
 * written by `saveModel`) as a standalone ONNX inference model at a fixed batch and image size.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { MedreconError, ONNX_OPSET, exportModel, modelSignature } from '../index.js';
import { loadModelFile } from '../node/index.js';
import { type CliIo, COMMON_HELP, fmtShape, num, parse, str, table, UsageError } from './common.js';

export const EXPORT_HELP = `Usage: medrecon export <MODEL.json> --out <model.onnx> [--size HxW | --height H --width W] [--batch N]

Write a saved model (MODEL.json and MODEL.safetensors side by side, as training saves them) as a
standalone ONNX model (opset ${ONNX_OPSET}) that ONNX Runtime or any ONNX tool runs without medrecon.
Shapes are fixed at export: batch N, channels C of the model, height H, width W.

  denoisers (drunet, dncnn):  inputs  x [N, C, H, W] float32, sigma [N] float32 (noise level in the
                              data's units; the graph divides it by the width of the model's range)
  diffusion (cunet, unet):    inputs  x [N, C, H, W] float32 (x_t in [−1, 1]), t [N] float32 timesteps
  both:                       output  y [N, C, H, W] float32 (denoised image, or ε / v prediction)

The model's kind, config, data range, diffusion settings and the medrecon version are stored in
the ONNX metadata_props.

Options:
  --out PATH         the .onnx file to write (required)
  --size HxW         image size, e.g. 256x256, or one number for a square (default 256x256)
  --height H         image height (with --width; instead of --size)
  --width W          image width (with --height)
  --batch N          batch size (default 1)
  --name NAME        graph name (default: the model's name, else its kind)

H and W must be multiples of the model's size multiple (2^(levels − 1) for drunet and unet,
2^levels for cunet, any size for dncnn).

Examples:
  medrecon export models/drunet_mri.json --out drunet_mri.onnx --size 256x256
  medrecon export models/cunet_mri.json --out cunet.onnx --height 64 --width 64 --batch 4 --json

${COMMON_HELP}`;

function sizeOf(values: Readonly<Record<string, string | boolean | undefined>>): { height: number; width: number } {
  const size = str(values['size']);
  const h = num(values['height'], 'height', { int: true, min: 1 });
  const w = num(values['width'], 'width', { int: true, min: 1 });
  if (size !== undefined) {
    if (h !== undefined || w !== undefined) throw new UsageError('give either --size or --height/--width, not both');
    const m = /^\s*(\d+)\s*(?:[x×]\s*(\d+)\s*)?$/i.exec(size);
    if (!m) throw new UsageError(`--size expects HxW (e.g. 256x256) or one number, got '${size}'`);
    const height = Number(m[1]);
    const width = m[2] === undefined ? height : Number(m[2]);
    if (height < 1 || width < 1) throw new UsageError(`--size must be positive, got '${size}'`);
    return { height, width };
  }
  if ((h === undefined) !== (w === undefined)) throw new UsageError('--height and --width go together (or use --size)');
  return { height: h ?? 256, width: w ?? 256 };
}

export async function runExport(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    { out: { type: 'string', short: 'o' }, size: { type: 'string' }, height: { type: 'string' }, width: { type: 'string' }, batch: { type: 'string' }, name: { type: 'string' } },
    1,
  );
  if (values.help) {
    io.out(EXPORT_HELP + '\n');
    return 0;
  }
  if (positionals.length < 1) throw new UsageError('export: needs the saved model <MODEL.json>');
  const out = str(values['out']);
  if (out === undefined) throw new UsageError('export: needs --out <model.onnx>');
  const { height, width } = sizeOf(values);
  const batch = num(values['batch'], 'batch', { int: true, min: 1 }) ?? 1;
  const name = str(values['name']);

  const model = loadModelFile(positionals[0]!);
  const opts = { batch, height, width, ...(name !== undefined ? { name } : {}) };
  const sig = modelSignature(model.meta, opts);
  const bytes = exportModel(model, opts);
  try {
    mkdirSync(dirname(out) || '.', { recursive: true });
    writeFileSync(out, bytes);
  } catch (e) {
    throw new MedreconError('INVALID_ARGUMENT', `${out}: cannot write (${(e as Error).message})`);
  }
  const { kind, role } = model.meta;
  if (values.json) {
    const v = (x: (typeof sig.inputs)[number]) => ({ name: x.name, dtype: x.dtype, dims: x.dims, description: x.description });
    io.out(JSON.stringify({ out, bytes: bytes.length, kind, role, opset: ONNX_OPSET, inputs: sig.inputs.map(v), outputs: sig.outputs.map(v) }) + '\n');
  } else {
    const rows = [
      ...sig.inputs.map((x) => ['  input', x.name, `${x.dtype} ${fmtShape(x.dims)}`, x.description]),
      ...sig.outputs.map((x) => ['  output', x.name, `${x.dtype} ${fmtShape(x.dims)}`, x.description]),
    ];
    io.out(`wrote ${out} (${bytes.length.toLocaleString('en-US')} bytes): ${kind} ${role}, ONNX opset ${ONNX_OPSET}\n` + table(rows));
  }
  return 0;
}
