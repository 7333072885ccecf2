/** optim: data fidelities, priors, iterative algorithms, plug-and-play. */
export * from './types.js';
export * from './em.js';
export * from './cg.js';
export * from './loop.js';
export * from './prior.js';
export * from './tv.js';
export * from './wavelet.js';
export * from './denoisers.js';
export * from './pgd.js';
export * from './fista.js';
export * from './admm.js';
export * from './hqs.js';
export * from './pdhg.js';
export * from './pnp.js';
export { type NormalSolve, type InnerCgOptions, type SplittingOptions, unitaryDiagonalSolve } from './splitting.js';
export { type Schedule, scheduleAt, logSchedule, lipschitz } from './problem.js';
export { type ForwardBackwardOptions } from './forward-backward.js';
