#!/usr/bin/env python3
"""Reference values for test/physics/mri/masks.test.ts (run once; output committed).

Re-implements fastMRI's mask functions (facebookresearch/fastMRI, fastmri/data/subsample.py:
RandomMaskFunc, EquiSpacedMaskFunc, EquispacedMaskFractionFunc) with numpy.random.RandomState
exactly as fastMRI drives it (temp_seed → rng.seed(seed); choose_acceleration → randint(len);
then the acceleration mask draw), and records raw RandomState draws for the MT19937 port.

Usage: python3 scripts/mri-masks.py > test/physics/mri/fixtures/fastmri-masks.json
"""
import json
import numpy as np


def center_mask(num_cols, nlf):
    mask = np.zeros(num_cols, dtype=np.float32)
    pad = (num_cols - nlf + 1) // 2
    mask[pad:pad + nlf] = 1
    return mask


def fastmri_mask(kind, num_cols, cfs, accs, seed, offset=None):
    rng = np.random.RandomState()
    rng.seed(seed)
    choice = rng.randint(len(cfs))
    cf, acc = cfs[choice], accs[choice]
    nlf = round(num_cols * cf)
    c = center_mask(num_cols, nlf)
    if kind == 'random':
        prob = (num_cols / acc - nlf) / (num_cols - nlf)
        a = (rng.uniform(size=num_cols) < prob).astype(np.float32)
    elif kind == 'equispaced':
        if offset is None:
            offset = rng.randint(0, high=round(acc))
        a = np.zeros(num_cols, dtype=np.float32)
        a[offset::acc] = 1
    elif kind == 'equispaced_fraction':
        adj = (acc * (nlf - num_cols)) / (nlf * acc - num_cols)
        if offset is None:
            offset = rng.randint(0, high=round(adj))
        a = np.zeros(num_cols)
        s = np.around(np.arange(offset, num_cols - 1, adj)).astype(np.uint)
        a[s] = 1.0
    m = np.maximum(c, a)
    return {'kind': kind, 'numCols': num_cols, 'centerFractions': list(cfs), 'accelerations': list(accs),
            'seed': seed if isinstance(seed, int) else list(seed), 'numLowFrequencies': int(nlf),
            'lines': [int(i) for i in np.nonzero(m)[0]]}


cases = []
for kind in ['random', 'equispaced', 'equispaced_fraction']:
    for (n, cfs, accs, seed) in [
        (368, [0.08], [4], 0), (368, [0.04], [8], 1), (320, [0.08], [4], 42), (320, [0.04], [8], 1234),
        (256, [0.08, 0.04], [4, 8], 7), (256, [0.08, 0.04], [4, 8], 8), (640, [0.08], [4], 2**32 - 1),
        (372, [0.08, 0.04], [4, 8], tuple(map(ord, 'file1000001.h5'))),
    ]:
        cases.append(fastmri_mask(kind, n, cfs, accs, seed))

raw = []
for seed in [0, 1, 42, 2**32 - 1, (1, 2, 3), tuple(map(ord, 'file_brain_AXT2_200_2000019.h5'))]:
    rs = np.random.RandomState(seed)
    u = [float(v) for v in rs.uniform(size=5)]
    ints = [int(rs.randint(0, h)) for h in [1, 2, 3, 5, 7, 8, 100, 1000, 2**31, 2**32]]
    raw.append({'seed': seed if isinstance(seed, int) else list(seed), 'uniform': u, 'randint': ints,
                'randintHighs': [1, 2, 3, 5, 7, 8, 100, 1000, 2**31, 2**32]})

print(json.dumps({'generator': 'scripts/mri-masks.py, numpy ' + np.__version__, 'masks': cases, 'raw': raw}, indent=0))
