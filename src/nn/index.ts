/** nn: parameter trees, initialisers, layers as functions of (params, x), and models (one file each). */
export * from './params.js';
export * from './layers.js';
export * from './models/dncnn.js';
export * from './denoiser.js';
