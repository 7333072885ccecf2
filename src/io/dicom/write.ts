/// <reference path="./dcmjs.d.ts" />
/**
 * DICOM writing: a 3D Volume → one derived image file per slice (explicit VR little endian).
 *
 * Pixels are signed 16-bit with `stored = round((v − RescaleIntercept) / RescaleSlope)`; slope and
 * intercept are chosen to cover the data range (integer data already inside int16 keeps slope 1,
 * intercept 0) and written as ≤ 16-character DS strings (the quantisation uses the written values,
 * so a reader recovers v within slope/2).
 *
 * Geometry: the affine is converted to LPS when `meta.space` is 'RAS'; slice k gets
 * ImagePositionPatient = affine·[0, 0, k, 1], ImageOrientationPatient = the unit first two affine
 * columns, PixelSpacing = [|column 1|, |column 0|] (row spacing, column spacing), SliceThickness and
 * SpacingBetweenSlices = |column 2|.
 *
 * Identity: with `source` (a Volume read by readDicom/readDicomSeries, or its `meta.dicom`),
 * patient and study identifiers (PatientName/ID/BirthDate/Sex, StudyInstanceUID, StudyDate/Time,
 * StudyID, AccessionNumber, ReferringPhysicianName) and FrameOfReferenceUID are copied; otherwise
 * new study/frame UIDs are made. SeriesInstanceUID and every SOPInstanceUID are always new (2.25
 * root); ImageType is DERIVED\SECONDARY.
 *
 * @example
 *   const files = writeDicomSeries(recon, { source: original, modality: 'MR', seriesDescription: 'PnP recon' });
 *   // files: [{ name: 'IM0001.dcm', bytes }, …]
 */
import { data as dcmData } from 'dcmjs';
import { MedreconError, checkOptions } from '../../core/errors.js';
import { chooseRescale } from '../nifti.js';
import { type Volume, affineToSpace, spaceOf } from '../volume.js';
import { EXPLICIT_LE } from './transfer-syntax.js';
import type { DicomFile } from './read.js';
import { newUid } from './uid.js';

const SOP_CLASS = { MR: '1.2.840.10008.5.1.4.1.1.4', CT: '1.2.840.10008.5.1.4.1.1.2', OT: '1.2.840.10008.5.1.4.1.1.7', PT: '1.2.840.10008.5.1.4.1.1.128' } as const;
const IMPLEMENTATION_UID = '2.25.186226427812262744829915806366429118853';

export interface WriteDicomOptions {
  /** Source series whose patient/study identifiers are copied (a Volume from readDicom* or its meta.dicom). */
  source?: Volume | Record<string, unknown>;
  /** Modality and SOP class: 'MR' (MR Image Storage), 'CT', 'PT', or 'OT' (Secondary Capture, default). */
  modality?: 'MR' | 'CT' | 'PT' | 'OT';
  seriesDescription?: string;
  seriesNumber?: number;
  /** Display window written as WindowCenter/WindowWidth (default: data min/max). */
  window?: { center: number; width: number };
  /** File name prefix (default 'IM'); names are `${prefix}${k+1 zero-padded to 4}.dcm`. */
  namePrefix?: string;
}

/** Format a number as a DICOM DS string of at most 16 characters. */
export function formatDS(x: number): string {
  if (!Number.isFinite(x)) throw new MedreconError('INVALID_ARGUMENT', `DS value ${x} is not finite`);
  for (let p = 12; p >= 1; p--) {
    const s = String(Number(x.toPrecision(p)));
    if (s.length <= 16) return s;
    const e = x.toExponential(p - 1).replace('e+', 'e');
    if (e.length <= 16) return e;
  }
  throw new MedreconError('INVALID_ARGUMENT', `DS value ${x} cannot be written in 16 characters`);
}

const ds = (x: number): number => Number(formatDS(x));

function dcmDate(d: Date): { date: string; time: string } {
  const z = (n: number, w = 2) => String(n).padStart(w, '0');
  return { date: `${d.getUTCFullYear()}${z(d.getUTCMonth() + 1)}${z(d.getUTCDate())}`, time: `${z(d.getUTCHours())}${z(d.getUTCMinutes())}${z(d.getUTCSeconds())}` };
}

const COPY = ['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'PatientAge', 'StudyInstanceUID', 'StudyDate', 'StudyTime', 'StudyID', 'StudyDescription', 'AccessionNumber', 'ReferringPhysicianName', 'FrameOfReferenceUID'];

/** Encode a 3D volume `[z, y, x]` as one DICOM file per slice (see module doc). */
export function writeDicomSeries(vol: Volume, opts: WriteDicomOptions = {}): DicomFile[] {
  checkOptions('writeDicomSeries', opts, ['source', 'modality', 'seriesDescription', 'seriesNumber', 'window', 'namePrefix']);
  const dims = vol.data.dims;
  if (dims.length !== 3) throw new MedreconError('INVALID_ARGUMENT', `writeDicomSeries: need a 3D volume [z, y, x], got [${dims.join(', ')}]`);
  const [nz, ny, nx] = dims as [number, number, number];
  if (ny > 65535 || nx > 65535 || ny < 1 || nx < 1) throw new MedreconError('INVALID_ARGUMENT', `writeDicomSeries: ${ny}×${nx} slices are not writable`);
  const modality = opts.modality ?? 'OT';
  const sopClass = SOP_CLASS[modality];
  if (!sopClass) throw new MedreconError('INVALID_ARGUMENT', `writeDicomSeries: unknown modality '${String(modality)}'`);
  const srcMeta = opts.source === undefined ? undefined : 'data' in opts.source && 'affine' in opts.source ? ((opts.source as Volume).meta['dicom'] as Record<string, unknown> | undefined) : (opts.source as Record<string, unknown>);
  const A = spaceOf(vol) === 'RAS' ? affineToSpace(vol.affine, 'RAS', 'LPS') : vol.affine.map((r) => [...r]);
  const col = (c: number) => [A[0]![c]!, A[1]![c]!, A[2]![c]!];
  const len = (v: number[]) => Math.hypot(v[0]!, v[1]!, v[2]!);
  const c0 = col(0);
  const c1 = col(1);
  const c2 = col(2);
  const dx = len(c0) || 1;
  const dy = len(c1) || 1;
  const dz = len(c2) || 1;
  const iop = [...c0.map((x) => ds(x / dx)), ...c1.map((x) => ds(x / dy))];
  const data = vol.data.data;
  // rescale
  const { slope: s0, inter: i0 } = chooseRescale(data, -32768, 32767);
  const slope = ds(s0);
  const inter = ds(i0);
  let mn = Infinity;
  let mx = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  const win = opts.window ?? (Number.isFinite(mn) ? { center: (mn + mx) / 2, width: Math.max(mx - mn, 1e-6) } : { center: 0, width: 1 });
  const now = dcmDate(new Date());
  const seriesUid = newUid();
  const studyUid = (srcMeta?.['StudyInstanceUID'] as string | undefined) ?? newUid();
  const forUid = (srcMeta?.['FrameOfReferenceUID'] as string | undefined) ?? newUid();
  const per = ny * nx;
  const out: DicomFile[] = [];
  for (let k = 0; k < nz; k++) {
    const sopUid = newUid();
    const pix = new Int16Array(per);
    for (let p = 0; p < per; p++) {
      const v = data[k * per + p]!;
      const q = Math.round((v - inter) / slope);
      pix[p] = Number.isNaN(q) ? 0 : q < -32768 ? -32768 : q > 32767 ? 32767 : q;
    }
    const pixBytes = new Uint8Array(per * 2);
    const pdv = new DataView(pixBytes.buffer);
    for (let p = 0; p < per; p++) pdv.setInt16(2 * p, pix[p]!, true);
    const ipp = [0, 1, 2].map((r) => ds(A[r]![2]! * k + A[r]![3]!));
    const ds0: Record<string, unknown> = {
      SpecificCharacterSet: 'ISO_IR 192',
      ImageType: ['DERIVED', 'SECONDARY'],
      SOPClassUID: sopClass,
      SOPInstanceUID: sopUid,
      StudyDate: now.date,
      SeriesDate: now.date,
      ContentDate: now.date,
      StudyTime: now.time,
      SeriesTime: now.time,
      ContentTime: now.time,
      AccessionNumber: '',
      Modality: modality,
      ConversionType: 'WSD',
      Manufacturer: 'medrecon',
      ReferringPhysicianName: '',
      SeriesDescription: (opts.seriesDescription ?? 'medrecon derived').slice(0, 64),
      DerivationDescription: 'reconstructed by medrecon',
      PatientName: '',
      PatientID: '',
      PatientBirthDate: '',
      PatientSex: '',
      StudyInstanceUID: studyUid,
      SeriesInstanceUID: seriesUid,
      StudyID: '',
      SeriesNumber: opts.seriesNumber ?? 1001,
      InstanceNumber: k + 1,
      ImagePositionPatient: ipp,
      ImageOrientationPatient: iop,
      FrameOfReferenceUID: forUid,
      PositionReferenceIndicator: '',
      SliceLocation: ds(ipp[0]! * (iop[1]! * iop[5]! - iop[2]! * iop[4]!) + ipp[1]! * (iop[2]! * iop[3]! - iop[0]! * iop[5]!) + ipp[2]! * (iop[0]! * iop[4]! - iop[1]! * iop[3]!)),
      SliceThickness: ds(dz),
      SpacingBetweenSlices: ds(dz),
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: ny,
      Columns: nx,
      PixelSpacing: [ds(dy), ds(dx)],
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      WindowCenter: ds(win.center),
      WindowWidth: ds(win.width),
      RescaleIntercept: inter,
      RescaleSlope: slope,
      RescaleType: modality === 'CT' && slope === 1 && inter === 0 ? 'HU' : 'US',
      PixelData: [pixBytes.buffer],
      _vrMap: { PixelData: 'OW' },
    };
    if (srcMeta) for (const key of COPY) if (srcMeta[key] !== undefined) ds0[key] = srcMeta[key];
    const meta = {
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: sopClass,
      MediaStorageSOPInstanceUID: sopUid,
      TransferSyntaxUID: EXPLICIT_LE,
      ImplementationClassUID: IMPLEMENTATION_UID,
      ImplementationVersionName: 'MEDRECON_0_1',
    };
    const dict = new dcmData.DicomDict(dcmData.DicomMetaDictionary.denaturalizeDataset(meta));
    dict.dict = dcmData.DicomMetaDictionary.denaturalizeDataset(ds0);
    const bytes = new Uint8Array(dict.write());
    out.push({ name: `${opts.namePrefix ?? 'IM'}${String(k + 1).padStart(4, '0')}.dcm`, bytes });
  }
  return out;
}
