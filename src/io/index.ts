/**
 * io: pure codecs on bytes (no filesystem). The Node-only fixture loaders live in `./fixtures.js`
 * (import them from there; they use `node:fs`).
 */
export * from './npy.js';
export * from './safetensors.js';
export * from './hdf5.js';
export * from './volume.js';
export * from './nifti.js';
export * from './npz.js';
export * from './cfl.js';
export * from './png.js';
export * from './dicom/index.js';
export * from './plot.js';
