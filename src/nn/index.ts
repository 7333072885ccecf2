/** nn: parameter trees, initialisers, layers as functions of (params, x), and models (one file each). */
export * from './params.js';
export * from './layers.js';
export * from './models/dncnn.js';
export * from './denoiser.js';
export * from './embedding.js';
export * from './models/cunet.js';
export * from './models/unet.js';
export * from './models/macs.js';
export * from './models/drunet.js';
export * from './registry.js';
export * from './layers3d.js';
export * from './models/dncnn3d.js';
