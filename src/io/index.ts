/**
 * io: pure codecs on bytes (no filesystem). The Node-only fixture loaders live in `./fixtures.js`
 * (import them from there; they use `node:fs`).
 */
export * from './npy.js';
export * from './safetensors.js';
