#!/usr/bin/python3
"""Reference values for src/metrics (fastMRI conventions), computed ONCE with scikit-image.

Run with Debian's interpreter, which has python3-skimage:
    apt-get install -y python3-skimage
    /usr/bin/python3 scripts/metrics-reference.py
It writes test/metrics/fixtures/{case}_gt.npy, {case}_rec.npy (float32) and reference.json.
test/metrics/reference.test.ts checks our metrics against them; nothing here runs at test time.

Metric definitions are those of fastMRI's `fastmri/evaluate.py`:
    mse(gt, pred)  = np.mean((gt - pred) ** 2)
    nmse(gt, pred) = np.linalg.norm(gt - pred) ** 2 / np.linalg.norm(gt) ** 2
    psnr(gt, pred) = skimage.metrics.peak_signal_noise_ratio(gt, pred, data_range=gt.max())
    ssim(gt, pred) = mean over slices of skimage.metrics.structural_similarity(gt[s], pred[s],
                     data_range=gt.max())   # gt.max() of the whole VOLUME
with skimage's defaults: win_size=7, uniform window, K1=0.01, K2=0.03, use_sample_covariance=True.
Per-slice values use the same volume data range. Inputs are cast to float64 before calling
skimage (skimage keeps float32 inputs in float32; the float32 values are stored too, as
`ssim_f32`, to show the size of that effect). Complex reconstructions (`*_rec.npy` with a
trailing axis of 2) are reduced to their magnitude first, as fastMRI does.
"""
import json
import os
import platform
import sys

import numpy as np
import scipy
import skimage
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'metrics', 'fixtures')
FIX = os.path.join(ROOT, 'data', 'fixtures')


def fm_mse(gt, pred):
    return float(np.mean((gt - pred) ** 2))


def fm_nmse(gt, pred):
    return float(np.linalg.norm(gt - pred) ** 2 / np.linalg.norm(gt) ** 2)


def fm_psnr(gt, pred, maxval=None):
    maxval = gt.max() if maxval is None else maxval
    return float(peak_signal_noise_ratio(gt, pred, data_range=maxval))


def fm_ssim(gt, pred, maxval=None):
    assert gt.ndim == 3
    maxval = gt.max() if maxval is None else maxval
    s = 0.0
    for i in range(gt.shape[0]):
        s += structural_similarity(gt[i], pred[i], data_range=maxval)
    return float(s / gt.shape[0])


def evaluate(gt32, rec32):
    # magnitude in float64, rounded to float32 (what src/metrics `magnitude` does)
    rec_mag = np.abs(rec32[..., 0].astype(np.float64) + 1j * rec32[..., 1].astype(np.float64)).astype(np.float32) if rec32.ndim == gt32.ndim + 1 else rec32
    gt = gt32.astype(np.float64)
    rec = rec_mag.astype(np.float64)
    R = float(gt.max())
    per = {
        'psnr': [fm_psnr(gt[i], rec[i], R) for i in range(gt.shape[0])],
        'ssim': [float(structural_similarity(gt[i], rec[i], data_range=R)) for i in range(gt.shape[0])],
        'nmse': [fm_nmse(gt[i], rec[i]) for i in range(gt.shape[0])],
    }
    ssim32 = sum(structural_similarity(gt32[i], rec_mag[i], data_range=float(gt32.max())) for i in range(gt.shape[0])) / gt.shape[0]
    return {
        'dataRange': R,
        'mse': fm_mse(gt, rec),
        'nmse': fm_nmse(gt, rec),
        'psnr': fm_psnr(gt, rec),
        'ssim': fm_ssim(gt, rec),
        'ssim_f32': float(ssim32),
        'perSlice': per,
    }


def main():
    rng = np.random.default_rng(20240601)
    mri = np.load(os.path.join(FIX, 'mri_t1_heldout.npy')).astype(np.float32) / np.float32(255)  # [N, 128, 128]
    ct = np.load(os.path.join(FIX, 'ct_small_hu.npy')).astype(np.float32)
    ct_unit = np.clip((ct + 1024) / 4096, 0, 1).astype(np.float32)[None]

    cases = {}
    # 1. MRI volume, 3 slices, 48x64 crop, additive Gaussian noise
    gt = np.ascontiguousarray(mri[:3, 40:88, 24:88])
    cases['mri_noise'] = (gt, (gt + rng.normal(0, 0.05, gt.shape)).astype(np.float32))
    # 2. odd sizes (37x53), 5 slices, blur-like smoothing + noise, scaled like fastMRI magnitudes (~1e-4)
    g = mri[:5, 40:77, 30:83] * np.float32(3e-4)
    sm = (g + np.roll(g, 1, 1) + np.roll(g, -1, 2)) / 3
    cases['odd_scaled'] = (np.ascontiguousarray(g), (sm + rng.normal(0, 1e-5, g.shape)).astype(np.float32))
    # 3. complex reconstruction (magnitude taken), 2 slices 48x48, smooth phase
    gt3 = np.ascontiguousarray(mri[3:5, 40:88, 40:88])
    yy, xx = np.mgrid[0:48, 0:48] / 48.0
    ph = 2.0 * (xx - 0.5) + 1.5 * (yy - 0.5) ** 2
    z = (gt3 + rng.normal(0, 0.03, gt3.shape)) * np.exp(1j * ph) + 0.02 * (rng.normal(size=gt3.shape) + 1j * rng.normal(size=gt3.shape))
    cases['complex_mag'] = (gt3, np.stack([z.real, z.imag], -1).astype(np.float32))
    # 4. CT slice (64x64 crop of the unit-range slice), gain error + noise
    ct_unit = np.ascontiguousarray(ct_unit[:, 32:96, 32:96])
    cases['ct_unit'] = (ct_unit, (0.9 * ct_unit + 0.02 + rng.normal(0, 0.02, ct_unit.shape)).astype(np.float32))
    # 5. the smallest valid images: 7x9, 2 slices, uniform noise
    g5 = rng.uniform(0, 2, (2, 7, 9)).astype(np.float32)
    cases['tiny_7x9'] = (g5, (g5 + rng.uniform(-0.3, 0.3, g5.shape)).astype(np.float32))

    ref = {
        'generator': 'scripts/metrics-reference.py',
        'versions': {
            'python': platform.python_version(),
            'numpy': np.__version__,
            'scipy': scipy.__version__,
            'scikit-image': skimage.__version__,
            'interpreter': sys.executable,
        },
        'cases': {},
    }
    os.makedirs(OUT, exist_ok=True)
    for name, (gt, rec) in cases.items():
        assert gt.dtype == np.float32 and rec.dtype == np.float32
        np.save(os.path.join(OUT, f'{name}_gt.npy'), gt)
        np.save(os.path.join(OUT, f'{name}_rec.npy'), rec)
        ref['cases'][name] = {'gtShape': list(gt.shape), 'recShape': list(rec.shape), 'complex': rec.ndim == gt.ndim + 1, **evaluate(gt, rec)}
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump(ref, f, indent=1)
    print(json.dumps({k: {m: v[m] for m in ('psnr', 'ssim', 'ssim_f32', 'nmse')} for k, v in ref['cases'].items()}, indent=1))


if __name__ == '__main__':
    main()
