/** PET: 2D emission model (projector, attenuation, normalisation, background) and the Poisson log-likelihood. */
export * from './operator.js';
