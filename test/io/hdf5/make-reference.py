#!/usr/bin/python3
"""Make the tiny fastMRI-layout reference files in this folder with h5py (Debian python3-h5py 3.7).

Run: /usr/bin/python3 test/io/hdf5/make-reference.py   (from the repository root)

The values follow closed formulas that test/io/hdf5/hdf5.test.ts recomputes:
  kspace[s, c, h, w] = (100 s + 10 c + h + w / 10) + 1j * (-(h * W + w) / 7)      (multi-coil)
  kspace[s, h, w]    = (s + h / 4 - w / 8) + 1j * (h * w / 3)                        (single-coil)
  reconstruction_rss[s, y, x] = s + y / 4 + x / 16
"""
import os
import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
XML = """<?xml version="1.0" encoding="utf-8"?>
<ismrmrdHeader xmlns="http://www.ismrm.org/ISMRMRD" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <acquisitionSystemInformation>
    <systemVendor>SIEMENS</systemVendor>
    <systemModel>Skyra</systemModel>
    <systemFieldStrength_T>2.89362</systemFieldStrength_T>
  </acquisitionSystemInformation>
  <encoding>
    <encodedSpace>
      <matrixSize><x>16</x><y>6</y><z>1</z></matrixSize>
      <fieldOfView_mm><x>280</x><y>140</y><z>4.5</z></fieldOfView_mm>
    </encodedSpace>
    <reconSpace>
      <matrixSize><x>4</x><y>4</y><z>1</z></matrixSize>
      <fieldOfView_mm><x>140</x><y>140</y><z>3</z></fieldOfView_mm>
    </reconSpace>
    <encodingLimits>
      <kspace_encoding_step_1><minimum>0</minimum><maximum>5</maximum><center>3</center></kspace_encoding_step_1>
    </encodingLimits>
    <trajectory>cartesian</trajectory>
  </encoding>
</ismrmrdHeader>
"""


def multicoil():
    S, C, H, W = 2, 3, 8, 6
    s, c, h, w = np.meshgrid(np.arange(S), np.arange(C), np.arange(H), np.arange(W), indexing="ij")
    k = ((100 * s + 10 * c + h + w / 10) + 1j * (-(h * W + w) / 7)).astype(np.complex64)
    ys, yy, yx = np.meshgrid(np.arange(S), np.arange(4), np.arange(4), indexing="ij")
    rss = (ys + yy / 4 + yx / 16).astype(np.float32)
    with h5py.File(os.path.join(HERE, "ref_multicoil.h5"), "w") as f:
        f.create_dataset("kspace", data=k)
        f.create_dataset("reconstruction_rss", data=rss)
        f.create_dataset("ismrmrd_header", data=np.bytes_(XML))
        f.attrs["acquisition"] = "CORPD_FBK"
        f.attrs["max"] = np.float64(rss.max())
        f.attrs["norm"] = np.float64(np.linalg.norm(rss))
        f.attrs["patient_id"] = "abc123"


def singlecoil():
    S, H, W = 3, 5, 4
    s, h, w = np.meshgrid(np.arange(S), np.arange(H), np.arange(W), indexing="ij")
    k = ((s + h / 4 - w / 8) + 1j * (h * w / 3)).astype(np.complex64)
    with h5py.File(os.path.join(HERE, "ref_singlecoil_gzip.h5"), "w") as f:
        f.create_dataset("kspace", data=k, chunks=(1, H, W), compression="gzip", compression_opts=4)
        f.create_dataset("mask", data=np.array([1, 0, 1, 1], dtype=np.float32))
        dt = h5py.string_dtype()
        f.create_dataset("ismrmrd_header", data=XML.replace("<x>16</x>", "<x>10</x>"), dtype=dt)
        f.attrs["acquisition"] = "CORPDFS_FBK"
        f.attrs["acceleration"] = 4
        f.attrs["num_low_frequency"] = 2


multicoil()
singlecoil()
