#!/usr/bin/env python3
"""Build the small committed fixtures in data/fixtures/ from Debian packages.

Usage (from the repository root):
    scripts/fetch-fixture-debs.sh        # or: the apt-get download + dpkg-deb -x lines below
    python3 scripts/make-fixtures.py [--root .cache/meddata/root] [--out data/fixtures]

Inputs (paths inside the unpacked debs, see data/fixtures/README.md):
  mricron-data 1.2.20211006+dfsg-4 (BSD-3-clause): usr/share/mricron/templates/ch2.nii.gz
  python3-pydicom 2.3.1-1 (MIT):                    usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm

Outputs (NumPy .npy v1.0, C order):
  mri_t1_train.npy    uint8   [20, 128, 128]  axial ch2 slices
  mri_t1_heldout.npy  uint8   [8, 128, 128]   4 axial slices from a separate block + 4 coronal slices
  ct_small_hu.npy     float32 [128, 128]      CT_small in Hounsfield units (slope * raw + intercept)

Only numpy, gzip and struct are needed. pydicom is used when importable (from the unpacked deb
or the system); otherwise the one uncompressed explicit-VR little-endian file is parsed here.
"""
import argparse
import gzip
import os
import struct
import sys

import numpy as np

SIZE = 128
TRAIN_Z = list(range(20, 140, 6))  # 20 axial slices: z = 20, 26, ..., 134
HELDOUT_Z = [142, 147, 152, 157]  # separate axial block above the training range
HELDOUT_Y = [70, 95, 120, 145]  # coronal slices (a different axis)


def read_nifti_gz(path):
    """Minimal NIfTI-1 reader: little-endian, uint8/int16/float32, returns array indexed [z, y, x]."""
    b = gzip.open(path, 'rb').read()
    if struct.unpack('<i', b[:4])[0] != 348:
        raise ValueError('not a little-endian NIfTI-1 file: ' + path)
    dim = struct.unpack('<8h', b[40:56])
    datatype = struct.unpack('<h', b[70:72])[0]
    vox_offset = int(struct.unpack('<f', b[108:112])[0])
    slope, inter = struct.unpack('<ff', b[112:120])
    dt = {2: np.uint8, 4: np.int16, 16: np.float32}[datatype]
    nx, ny, nz = dim[1], dim[2], dim[3]
    v = np.frombuffer(b, dt, offset=vox_offset, count=nx * ny * nz).reshape(nz, ny, nx)
    if slope not in (0.0, 1.0) or inter != 0.0:
        v = v.astype(np.float64) * (slope if slope != 0 else 1.0) + inter
    return v


def area_matrix(n_in, n_out):
    """Row-stochastic [n_out, n_in] matrix averaging each output pixel's footprint (exact overlaps)."""
    m = np.zeros((n_out, n_in))
    scale = n_in / n_out
    for o in range(n_out):
        a, b = o * scale, (o + 1) * scale
        for i in range(int(np.floor(a)), min(n_in, int(np.ceil(b)))):
            m[o, i] = max(0.0, min(b, i + 1) - max(a, i))
    return m / m.sum(axis=1, keepdims=True)


def to_square(img):
    """Zero-pad the shorter axis symmetrically to a square, then area-resample to SIZE x SIZE."""
    h, w = img.shape
    n = max(h, w)
    sq = np.zeros((n, n), np.float64)
    y0, x0 = (n - h) // 2, (n - w) // 2
    sq[y0:y0 + h, x0:x0 + w] = img
    a = area_matrix(n, SIZE)
    return a @ sq @ a.T


def axial(vol, z):
    # vol[z] is [y, x]; flip y so anterior is at the top of the image.
    return to_square(vol[z][::-1, :].astype(np.float64))


def coronal(vol, y):
    # vol[:, y, :] is [z, x]; flip z so superior is at the top.
    return to_square(vol[:, y, :][::-1, :].astype(np.float64))


def to_u8(img):
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def read_ct_small(path, root):
    """Hounsfield units of CT_small.dcm as float32 [rows, cols]."""
    sys.path.insert(0, os.path.join(root, 'usr/lib/python3/dist-packages'))
    try:
        import pydicom  # noqa: F401

        ds = pydicom.dcmread(path)
        arr = ds.pixel_array.astype(np.float64)
        return (arr * float(ds.RescaleSlope) + float(ds.RescaleIntercept)).astype(np.float32), 'pydicom ' + pydicom.__version__
    except ImportError:
        return read_ct_small_minimal(path), 'built-in minimal DICOM parser'


def read_ct_small_minimal(path):
    """Explicit-VR little-endian DICOM: walk the data set for rows, cols, rescale and pixel data."""
    b = open(path, 'rb').read()
    if b[128:132] != b'DICM':
        raise ValueError('no DICM preamble')
    pos = 132
    tags = {}
    long_vrs = {b'OB', b'OW', b'OF', b'SQ', b'UT', b'UN', b'OD', b'OL', b'UC', b'UR', b'OV'}
    while pos + 8 <= len(b):
        group, elem = struct.unpack('<HH', b[pos:pos + 4])
        vr = b[pos + 4:pos + 6]
        if vr in long_vrs:
            length = struct.unpack('<I', b[pos + 8:pos + 12])[0]
            pos += 12
        else:
            length = struct.unpack('<H', b[pos + 6:pos + 8])[0]
            pos += 8
        if length == 0xFFFFFFFF:
            raise ValueError('undefined-length element not supported by the minimal parser')
        tags[(group, elem)] = (vr, b[pos:pos + length])
        pos += length
    rows = struct.unpack('<H', tags[(0x0028, 0x0010)][1])[0]
    cols = struct.unpack('<H', tags[(0x0028, 0x0011)][1])[0]
    signed = struct.unpack('<H', tags[(0x0028, 0x0103)][1])[0] == 1
    slope = float(tags.get((0x0028, 0x1053), (b'', b'1'))[1].decode().strip('\x00 '))
    inter = float(tags.get((0x0028, 0x1052), (b'', b'0'))[1].decode().strip('\x00 '))
    px = np.frombuffer(tags[(0x7FE0, 0x0010)][1], '<i2' if signed else '<u2', count=rows * cols).reshape(rows, cols)
    return (px.astype(np.float64) * slope + inter).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--root', default='.cache/meddata/root')
    ap.add_argument('--out', default='data/fixtures')
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    vol = read_nifti_gz(os.path.join(args.root, 'usr/share/mricron/templates/ch2.nii.gz'))
    assert vol.shape == (181, 217, 181), vol.shape
    train = np.stack([to_u8(axial(vol, z)) for z in TRAIN_Z])
    held = np.stack([to_u8(axial(vol, z)) for z in HELDOUT_Z] + [to_u8(coronal(vol, y)) for y in HELDOUT_Y])
    np.save(os.path.join(args.out, 'mri_t1_train.npy'), train)
    np.save(os.path.join(args.out, 'mri_t1_heldout.npy'), held)

    ct_path = os.path.join(args.root, 'usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm')
    ct, how = read_ct_small(ct_path, args.root)
    ct_min = read_ct_small_minimal(ct_path)
    assert np.array_equal(ct, ct_min), 'minimal DICOM parser disagrees with pydicom'
    np.save(os.path.join(args.out, 'ct_small_hu.npy'), ct)

    print(f'train   {train.shape} {train.dtype} range {train.min()}..{train.max()}')
    print(f'heldout {held.shape} {held.dtype} range {held.min()}..{held.max()}')
    print(f'ct      {ct.shape} {ct.dtype} range {ct.min()}..{ct.max()} HU (read with {how})')


if __name__ == '__main__':
    main()
