/** optim: data fidelities, priors, iterative algorithms, plug-and-play. */
export * from './types.js';
export * from './em.js';
export * from './cg.js';
