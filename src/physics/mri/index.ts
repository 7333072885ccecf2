/**
 * physics/mri: Cartesian MRI forward models (single-coil, SENSE, 3D), sampling masks (fastMRI
 * random/equispaced with NumPy-exact seeds, Poisson disc, Gaussian 1D), coil-map simulation and
 * ESPIRiT calibration.
 *
 * @example
 *   const mask = randomMask(256, { acceleration: 4, centerFraction: 0.08, seed: 0 });
 *   const maps = simulateCoilMaps({ coils: 8, shape: [256, 256] });
 *   const A = senseOp({ maps, mask });
 */
export * from './cartesian.js';
export * from './coils.js';
export * from './espirit.js';
export * from './masks.js';
export { RandomState } from './mt19937.js';
