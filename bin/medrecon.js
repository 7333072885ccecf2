#!/usr/bin/env node
// The `medrecon` command: runs the compiled CLI (dist/src/cli/main.js). Build it first with `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write(`medrecon: the CLI is not built (missing ${entry}); run 'npm run build' first\n`);
  process.exit(1);
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
