/**
 * metrics: PSNR, SSIM, MSE, NMSE with the fastMRI conventions (host code, float64 accumulation):
 * whole-tensor functions (image.ts) and per-slice / per-volume evaluation with complex → magnitude
 * handling (volume.ts).
 */
export * from './image.js';
export * from './volume.js';
