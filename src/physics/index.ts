/** physics: linear forward models (MRI, CT, PET, generic tasks) with exact adjoints, and noise models. */
export * from './operator.js';
export * as mri from './mri/index.js';
export * from './algorithms.js';
export * from './generic.js';
export * from './noise.js';
export * from './ct/index.js';
export * from './pet/index.js';
