/** diffusion: noise schedules (host) and training objectives / parameterisation conversions (graph). */
export * from './schedules.js';
export * from './objectives.js';
export * from './model-denoiser.js';
