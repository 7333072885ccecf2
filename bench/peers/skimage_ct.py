"""Peer runs of scikit-image's CT reconstruction for bench/classical.ts and bench/physics.ts.

Run with Debian's interpreter (python3-skimage lives there): /usr/bin/python3 bench/peers/skimage_ct.py MODE ...
Prints one JSON object on stdout. Never installs anything.

Geometry (see bench/classical.ts): medrecon's parallel beam with n_det = 363 bins of one pixel pitch is
skimage's radon(circle=False) grid for a 256² image (padded to the ceil(256·√2) = 363 diagonal,
rotation centre at bin 363 // 2 = 181 = (363 − 1)/2); skimage's sinogram is [n_det, n_views]
(the transpose of ours) and its values are sums of pixel values (ours: line integrals in mm), so
medrecon sinograms are divided by the pixel size before they are handed over. The angle mapping
(theta_deg = f(our angle)) is checked by the 'geometry' mode.

Modes:
  version                          → {"skimage": "0.19.3"}
  geometry IMG.npy THETA.npy OUT.npy → skimage radon of IMG (circle=False) at THETA (degrees), saved as [views, n_det]
  speed N VIEWS                    → median ms of radon(256², circle=False) and iradon(filter_name=None)
  recon SINO.npy THETA.npy OUTDIR SIZE SART_ITERS
                                   → iradon ramp (OUTDIR/iradon.npy) and SART (OUTDIR/sart.npy), times in ms
"""
import json
import sys
import time

import numpy as np


def median_ms(fn, min_runs=3, min_s=1.0):
    fn()
    ts = []
    t0 = time.perf_counter()
    while len(ts) < min_runs or time.perf_counter() - t0 < min_s:
        s = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - s)
    return sorted(ts)[len(ts) // 2] * 1e3


def main():
    import skimage
    from skimage.transform import iradon, iradon_sart, radon

    mode = sys.argv[1]
    if mode == 'version':
        print(json.dumps({'skimage': skimage.__version__}))
    elif mode == 'geometry':
        img = np.load(sys.argv[2]).astype(np.float64)
        theta = np.load(sys.argv[3]).astype(np.float64)
        s = radon(img, theta=theta, circle=False)
        np.save(sys.argv[4], s.T.astype(np.float32))
        print(json.dumps({'shape': list(s.T.shape)}))
    elif mode == 'speed':
        n, views = int(sys.argv[2]), int(sys.argv[3])
        rng = np.random.default_rng(0)
        img = rng.random((n, n))
        theta = np.arange(views) * 180.0 / views
        sino = radon(img, theta=theta, circle=False)
        t_fwd = median_ms(lambda: radon(img, theta=theta, circle=False))
        t_adj = median_ms(lambda: iradon(sino, theta=theta, filter_name=None, circle=False, output_size=n))
        print(json.dumps({'radonMs': t_fwd, 'iradonNoFilterMs': t_adj, 'nDet': sino.shape[0]}))
    elif mode == 'recon':
        sino = np.load(sys.argv[2]).astype(np.float64).T  # → [n_det, views]
        theta = np.load(sys.argv[3]).astype(np.float64)
        out, size, sart_iters = sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
        t = time.perf_counter()
        fbp = iradon(sino, theta=theta, filter_name='ramp', circle=False, output_size=size)
        t_fbp = (time.perf_counter() - t) * 1e3
        np.save(f'{out}/iradon.npy', fbp.astype(np.float32))
        t = time.perf_counter()
        x = None
        for _ in range(sart_iters):
            x = iradon_sart(sino, theta=theta, image=x)
        t_sart = (time.perf_counter() - t) * 1e3
        n = x.shape[0]
        o = (n - size) // 2
        np.save(f'{out}/sart.npy', x[o:o + size, o:o + size].astype(np.float32))
        print(json.dumps({'iradonMs': t_fbp, 'sartMs': t_sart, 'sartIters': sart_iters, 'sartShape': list(x.shape)}))
    else:
        raise SystemExit(f'unknown mode {mode}')


if __name__ == '__main__':
    main()
