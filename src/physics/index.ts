/** physics: linear forward models (MRI, CT, PET, generic tasks) with exact adjoints, and noise models. */
export * from './operator.js';
