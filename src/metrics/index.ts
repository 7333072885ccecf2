/** metrics: PSNR, SSIM, MSE, NMSE with the fastMRI conventions (host code, float64 accumulation). */
export * from './image.js';
