/**
 * `medrecon`: the command line. `main(argv, io)` runs a sub-command in-process and returns its exit
 * code (0 ok, 1 failure, 2 usage), so tests need no build; `bin/medrecon.js` calls it on the compiled
 * output. Errors print one line (`medrecon <cmd>: message`), with the stack only under --debug.
 *
 * @example
 *   const code = await main(['metrics', 'ref.npy', 'x.npy', '--json'], nodeIo());
 */
import { isMedreconError } from '../index.js';
import { type CliIo, UsageError } from './common.js';
import { runDemo } from './demo.js';
import { runExport } from './export.js';
import { runInfo } from './info.js';
import { runMetrics } from './metrics.js';
import { runRecon } from './recon.js';
import { runSimulate } from './simulate.js';
import { runTrain } from './train.js';

export const VERSION = '0.1.0';

type Command = (args: readonly string[], io: CliIo) => Promise<number>;
const COMMANDS: Readonly<Record<string, { run: Command; summary: string }>> = {
  info: { run: runInfo, summary: 'what is in a file (format, shapes, dtypes, header fields)' },
  metrics: { run: runMetrics, summary: 'PSNR / SSIM / NMSE of an image against a reference (fastMRI conventions)' },
  simulate: { run: runSimulate, summary: 'image → measurements (MRI k-space single/multi-coil, CT sinogram, PET counts)' },
  recon: { run: runRecon, summary: 'measurements → image (--modality, --method, --out, --json, --reference)' },
  train: { run: runTrain, summary: 'train a denoiser or diffusion prior on images (checkpoints, exact resume, log, loss curve)' },
  demo: { run: runDemo, summary: 'reconstruct the bundled cases and print method / PSNR / SSIM / time' },
  export: { run: runExport, summary: 'a saved model (MODEL.json + .safetensors) as a standalone ONNX file' },
};

export const MAIN_HELP = `Usage: medrecon <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([k, c]) => `  ${k.padEnd(9)} ${c.summary}`)
  .join('\n')}

Run 'medrecon <command> --help' for the options and examples of a command.
Exit codes: 0 ok, 1 failure, 2 usage error. Progress bars go to stderr (off when not a TTY or --quiet).

Examples:
  medrecon demo
  medrecon info data/fixtures/mri_t1_heldout.npy
  medrecon simulate --modality mri image.npy --coils 8 --acceleration 4 --out ksp.npy
  medrecon recon --modality mri --method tv ksp.npy --out recon.nii.gz --reference image.npy --json
  medrecon recon --modality ct --method fbp sino.npy --out ct.png
`;

/** The process's own streams. */
export function nodeIo(): CliIo {
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    errIsTTY: Boolean(process.stderr.isTTY),
  };
}

/** Run the CLI with `argv` (without 'node' and the script path); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = nodeIo()): Promise<number> {
  const [cmd, ...rest] = argv;
  const debug = argv.includes('--debug');
  if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    (cmd === undefined ? io.err : io.out)(MAIN_HELP);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === '--version' || cmd === '-v') {
    io.out(VERSION + '\n');
    return 0;
  }
  const c = COMMANDS[cmd];
  if (!c) {
    io.err(`medrecon: unknown command '${cmd}' (commands: ${Object.keys(COMMANDS).join(', ')}; see medrecon --help)\n`);
    return 2;
  }
  try {
    return await c.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`medrecon ${cmd}: ${e.message} (see medrecon ${cmd} --help)\n`);
      return 2;
    }
    const msg = isMedreconError(e) ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    io.err(`medrecon ${cmd}: ${msg.split('\n')[0]}\n`);
    if (debug && e instanceof Error && e.stack) io.err(e.stack + '\n');
    return 1;
  }
}
