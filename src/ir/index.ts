export * from './ops.js';
export * from './node.js';
export * from './sym.js';
export * from './trace.js';
export * from './executor.js';
