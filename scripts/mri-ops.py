#!/usr/bin/env python3
"""Reference values for test/physics/mri/operators.test.ts (run once; output committed).

fastMRI conventions: fft2c(x) = fftshift(fft2(ifftshift(x, axes), norm='ortho'), axes) over the two
image axes. Computes, for a tiny random case (H=6, W=5 so that both even and odd sizes are covered):
  single coil  y = mask ⊙ fft2c(x)
  SENSE        y_c = mask ⊙ fft2c(S_c ⊙ x)   and the adjoint Σ_c conj(S_c) ⊙ ifft2c(mask ⊙ y_c)
Inputs are float32-representable (rounded through float32) so TypeScript can feed them exactly.

Usage: python3 scripts/mri-ops.py > test/physics/mri/fixtures/mri-ops.json
"""
import json
import numpy as np

rng = np.random.RandomState(0)
H, W, C = 6, 5, 3
f32 = lambda a: a.astype(np.float32).astype(np.float64)
x = f32(rng.randn(H, W)) + 1j * f32(rng.randn(H, W))
S = f32(rng.randn(C, H, W)) + 1j * f32(rng.randn(C, H, W))
yin = f32(rng.randn(C, H, W)) + 1j * f32(rng.randn(C, H, W))
mask = np.array([1, 0, 1, 1, 0], dtype=np.float64)
ax = (-2, -1)
fft2c = lambda a: np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(a, axes=ax), norm='ortho'), axes=ax)
ifft2c = lambda a: np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(a, axes=ax), norm='ortho'), axes=ax)
single = mask * fft2c(x)
sense = mask * fft2c(S * x)
sense_adj = np.sum(np.conj(S) * ifft2c(mask * yin), axis=0)
ri = lambda a: np.stack([a.real, a.imag], -1).ravel().tolist()
print(json.dumps({'generator': 'scripts/mri-ops.py, numpy ' + np.__version__, 'H': H, 'W': W, 'C': C, 'mask': mask.tolist(),
                  'x': ri(x), 'maps': ri(S), 'y': ri(yin), 'single': ri(single), 'sense': ri(sense), 'senseAdjoint': ri(sense_adj)}))
