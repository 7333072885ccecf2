/** DICOM codecs: read (files, series), write (derived series), RLE, UIDs. See ./read.ts and ./write.ts. */
export { type Dataset, type DicomFile, type ReadDicomSeriesOptions, parseDicom, readDicom, readDicomSeries } from './read.js';
export { type WriteDicomOptions, formatDS, writeDicomSeries } from './write.js';
export { decodeRleFrame, encodeRleFrame } from './rle.js';
export { newUid } from './uid.js';
export { SUPPORTED_TRANSFER_SYNTAXES, transferSyntaxName } from './transfer-syntax.js';
