/**
 * CT: 2D parallel- and fan-beam geometries, the distance-driven projector (exact matched adjoint,
 * precomputed gather/scatter tables), filtered back-projection, disk phantoms and transmission noise.
 *
 * Speed and memory (measured on the 2-core project machine, ORT CPU, 2 threads, 256², 180 views,
 * 364 bins): the pixel table is 135 MiB; forward ('scatter') ≈ 240 ms, adjoint ('gather') ≈ 190 ms.
 * See `describeTables` for any geometry's table sizes.
 */
export * from './geometry.js';
export * from './tables.js';
export * from './projector.js';
export * from './fbp.js';
export * from './phantom.js';
export * from './noise.js';
