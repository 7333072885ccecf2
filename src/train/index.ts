/** train: optimisers as pure graph functions, the compiled train step, data pipeline, checkpoints. */
export * from './optimizers.js';
export * from './step.js';
export * from './data.js';
export * from './checkpoint.js';
export * from './denoiser.js';
export * from './clip.js';
export * from './ema.js';
export * from './schedule.js';
export * from './augment.js';
export * from './trainer.js';
