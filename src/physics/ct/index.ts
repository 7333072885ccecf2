/**
 * CT: 2D parallel- and fan-beam geometries, the distance-driven projector (exact matched adjoint,
 * precomputed gather/scatter tables), filtered back-projection, disk phantoms and transmission noise.
 *
 * Speed and memory (2-core project machine, ORT CPU, 2 threads, parallel beam 256², 180 views, 364
 * bins; `npx vite-node test/physics/ct/timing.ts`): the pixel table is 135 MiB (the optional bin
 * table 256 MiB); forward ('scatter') ≈ 91 ms, adjoint ('gather') ≈ 70 ms, FBP ≈ 75 ms; skimage
 * 0.19 radon + iradon(filter_name=None) measured alongside: ≈ 380 ms (≈ 2.4× slower). The limit is
 * ONNX Runtime's Gather/ScatterND throughput (≈ 20 ns per index on this CPU), not the arithmetic.
 * Those numbers are the plain path (`symmetry: 'off'`). For square images and view sets closed under
 * the square's symmetries (fullArc(n), n even) the default `symmetry: 'auto'` uses the 8-fold
 * dihedral symmetry (./symmetry.ts): 46 representative views, top half of the image, 8 channels;
 * table 34.5 MiB (17 MiB in the graph); measured side by side with the machine loaded by other
 * jobs (load ≈ 3 on 2 cores; .cache script, medians of 11 alternating runs): forward 183 → 56 ms,
 * adjoint 158 → 50 ms, ≈ 3.0–3.3× faster. `npm run bench:physics` reports both paths.
 * 512², 360 views: 1.08 GiB pixel table (built in ≈ 22 s); 512², 720 views (2.1 GiB) is refused
 * with UNSUPPORTED (over the 2 GiB ONNX protobuf limit). See `describeTables` for any geometry.
 */
export * from './geometry.js';
export * from './tables.js';
export * from './projector.js';
export * from './symmetry.js';
export * from './fbp.js';
export * from './phantom.js';
export * from './noise.js';
