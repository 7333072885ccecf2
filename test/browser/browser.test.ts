/**
 * Node/browser agreement in a real browser: bundles ./page.ts (esbuild, ESM, platform browser),
 * serves it with onnxruntime-web's runtime files from a throw-away `node:http` server on
 * 127.0.0.1, opens it in Debian's headless Chromium via playwright-core and compares what the
 * page computed on onnxruntime-web ('wasm') with the same cases (./cases.ts) on onnxruntime-node:
 *   - Rng draws: bitwise equal float32 values;
 *   - a conv/relu/DFT/gather/reduce graph (both DFT lowerings) and a conv-MSE value-and-gradient:
 *     |web − node| ≤ 1e-5 + 1e-4·|node|;
 *   - 5 Adam steps of a tiny DnCNN: losses within 1e-4 relative, and decreasing;
 *   - the web entry rejects 'cuda' with DEVICE_UNAVAILABLE.
 * Skipped (with a printed reason) only when /usr/bin/chromium is missing outside CI.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/node/index.js';
import { type GraphResults, type PageResults, type PlainTensor, graphCases, rngDraws, trainCase } from './cases.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, '../..');
const CHROMIUM = '/usr/bin/chromium';
const CI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
const haveChromium = existsSync(CHROMIUM);
const skip = !haveChromium && !CI;
if (skip) console.warn(`[test/browser] SKIPPED: ${CHROMIUM} is missing (install Debian's chromium: apt-get install -y --no-install-recommends chromium); under CI=true this fails instead.`);

/** ORT runtime files the default onnxruntime-web bundle (WebGPU + wasm, "jsep") loads. */
const ORT_FILES = ['ort-wasm-simd-threaded.jsep.wasm', 'ort-wasm-simd-threaded.jsep.mjs'];
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(dir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(dir + sep) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok(server));
  });
}

/** Element-wise |a − b| ≤ atol + rtol·|b|; returns the first violation, or null. */
function mismatch(a: PlainTensor, b: PlainTensor, rtol = 1e-4, atol = 1e-5): string | null {
  if (a.dims.join() !== b.dims.join()) return `dims [${a.dims}] vs [${b.dims}]`;
  if (a.data.length !== b.data.length) return `length ${a.data.length} vs ${b.data.length}`;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i]!;
    const y = b.data[i]!;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) return `index ${i}: web ${x} vs node ${y}`;
  }
  return null;
}

describe.skipIf(skip)('browser (onnxruntime-web in headless Chromium) agrees with Node', () => {
  let dir = '';
  let server: Server | undefined;
  let browser: Browser | undefined;
  let web: PageResults;
  let node: { graph: GraphResults; losses: number[] };
  const log: string[] = [];
  const t0 = performance.now();

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing (CI=${process.env.CI}): install it with apt-get install -y --no-install-recommends chromium`);
    dir = mkdtempSync(join(tmpdir(), 'medrecon-browser-'));
    mkdirSync(join(dir, 'ort'));
    const dist = join(ROOT, 'node_modules/onnxruntime-web/dist');
    for (const f of ORT_FILES) copyFileSync(join(dist, f), join(dir, 'ort', f));
    await build({
      entryPoints: [join(here, 'page.ts')],
      outfile: join(dir, 'page.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      sourcemap: 'linked',
      logLevel: 'error',
    });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>medrecon browser test</title><link rel="icon" href="data:,"><script type="module" src="/page.js"></script>\n');
    server = await serve(dir);
    const port = (server.address() as AddressInfo).port;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage();
    page.on('console', (m) => log.push(`[console.${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
    page.on('requestfailed', (r) => log.push(`[requestfailed] ${r.url()} ${r.failure()?.errorText ?? ''}`));
    await page.goto(`http://127.0.0.1:${port}/index.html`);
    const handle = await page.waitForFunction(() => window.__results ?? window.__error, undefined, { timeout: 50_000 }).catch((e: Error) => {
      throw new Error(`the page posted nothing within 50 s: ${e.message}\n${log.join('\n')}`);
    });
    const posted = (await handle.jsonValue()) as PageResults | string;
    if (typeof posted === 'string') throw new Error(`the page failed: ${posted}\n${log.join('\n')}`);
    web = posted;
    const rt = createRuntime();
    node = { graph: await graphCases(rt), losses: await trainCase(rt) };
    console.log(`[test/browser] page timings (ms): ${JSON.stringify(Object.fromEntries(Object.entries(web.timings).map(([k, v]) => [k, Math.round(v)])))}; total with bundling and browser start ${Math.round(performance.now() - t0)} ms`);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists wasm and rejects cuda with DEVICE_UNAVAILABLE', () => {
    expect(web.devices).toContain('wasm');
    expect(web.devices).not.toContain('cuda');
    expect(web.cudaError).toBe('DEVICE_UNAVAILABLE');
  });

  it('draws bitwise-identical random numbers from the seeded Rng', () => {
    const n = rngDraws();
    expect(web.rng.normal).toHaveLength(1000);
    expect(web.rng.uniform).toHaveLength(1000);
    expect(web.rng.forkNormal).toHaveLength(100);
    expect(web.rng.normal).toEqual(n.normal);
    expect(web.rng.uniform).toEqual(n.uniform);
    expect(web.rng.permutation).toEqual(n.permutation);
    expect(web.rng.forkNormal).toEqual(n.forkNormal);
    expect([...web.rng.permutation].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('runs the conv/relu/DFT/gather/reduce graph and the conv-MSE gradient like onnxruntime-node', () => {
    const keys = Object.keys(node.graph.outputs).sort();
    expect(keys).toEqual(expect.arrayContaining(['expand.sum', 'onnx.max', 'mseGrad.0', 'mseGrad.1.w', 'mseGrad.1.b']));
    expect(Object.keys(web.graph.outputs).sort()).toEqual(keys);
    for (const k of keys) {
      expect(mismatch(web.graph.outputs[k]!, node.graph.outputs[k]!), k).toBeNull();
      expect(web.graph.outputs[k]!.data.some((v) => v !== 0), `${k} is not all zeros`).toBe(true);
    }
  });

  it('serializes concurrent runs of one session (same results as sequential runs)', () => {
    expect(node.graph.concurrentEqual).toBe(true);
    expect(web.graph.concurrentEqual).toBe(true);
  });

  it('trains a tiny DnCNN for 5 Adam steps with the same, decreasing losses', () => {
    expect(web.losses).toHaveLength(5);
    web.losses.forEach((l, i) => expect(Math.abs(l - node.losses[i]!), `step ${i}: web ${l} vs node ${node.losses[i]}`).toBeLessThanOrEqual(1e-4 * Math.abs(node.losses[i]!)));
    for (let i = 1; i < 5; i++) expect(web.losses[i]!).toBeLessThan(web.losses[i - 1]!);
  });
});
