/** Shared helpers of the CLI tests: run `main` in-process and capture its streams. */
import { main } from '../../src/cli/main.js';

export async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s), errIsTTY: false });
  return { code, out, err };
}
