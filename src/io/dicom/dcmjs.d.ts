// Minimal ambient types for the parts of dcmjs (which ships no typings) that src/io/dicom uses.
declare module 'dcmjs' {
  export interface DcmjsDicomDict {
    meta: Record<string, unknown>;
    dict: Record<string, unknown>;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }
  export const data: {
    DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: { ignoreErrors?: boolean; untilTag?: string | null; includeUntilTagValue?: boolean }): DcmjsDicomDict;
    };
    DicomMetaDictionary: {
      naturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
      denaturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
    };
    DicomDict: new (meta: Record<string, unknown>) => DcmjsDicomDict;
  };
  export interface DcmjsLogger {
    getLevel(): number;
    setLevel(level: number | string, persist?: boolean): void;
    warn: (...args: unknown[]) => void;
    error: (...args: unknown[]) => void;
  }
  export const log: DcmjsLogger & { getLogger(name: string): DcmjsLogger };
}
