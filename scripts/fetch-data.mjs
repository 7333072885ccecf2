#!/usr/bin/env node
// `npm run data:fetch` (compiles first): Debian data packages → .cache/meddata/sets/*.npy + manifest.json.
// The logic lives in src/cli/fetch-data.ts (compiled to dist/src/cli/fetch-data.js).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = fileURLToPath(new URL('../dist/src/cli/fetch-data.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write(`fetch-data: ${entry} is missing; run 'npm run build' (npm run data:fetch does it for you)\n`);
  process.exit(1);
}
const { fetchData } = await import(pathToFileURL(entry).href);
try {
  process.exitCode = fetchData(fileURLToPath(new URL('..', import.meta.url)));
} catch (e) {
  process.stderr.write(`fetch-data: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
