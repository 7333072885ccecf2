/**
 * A small hand-written protobuf writer for the subset of `onnx.proto` that medrecon emits:
 * ModelProto, OperatorSetIdProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto / TypeProto / TensorShapeProto.
 *
 * Wire format recap: every field is `key = (fieldNumber << 3) | wireType` as a varint, then
 * wire type 0 = varint (int32/int64/enum; negatives are 10-byte two's complement),
 * 2 = length-delimited (strings, bytes, sub-messages, packed repeated scalars),
 * 5 = 32-bit little-endian (float).
 *
 * The model is pinned to IR version 8 and one opset import: the default domain at `ONNX_OPSET`.
 *
 * @example
 *   const bytes = encodeModel({ graph: { name: 'g', nodes: [{ opType: 'Neg', inputs: ['x'], outputs: ['y'] }],
 *     initializers: [], inputs: [{ name: 'x', elemType: DataType.FLOAT, dims: [3] }],
 *     outputs: [{ name: 'y', elemType: DataType.FLOAT, dims: [3] }] } });
 */

/** The ONNX opset (default domain) every medrecon model imports. Lowerings are written against it. */
export const ONNX_OPSET = 18;
/** The ONNX IR version written into every model. */
export const ONNX_IR_VERSION = 8;
/** `producer_version` written into every model (the medrecon version). */
export const PRODUCER_VERSION = '0.1.0';

/** `TensorProto.DataType` values used here. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  DOUBLE: 11,
} as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** `AttributeProto.AttributeType` values. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** An attribute value: a number is an INT unless wrapped as `{ f }`; arrays of numbers are INTS unless `{ floats }`. */
export type AttrValue =
  | number
  | bigint
  | string
  | { readonly f: number }
  | { readonly floats: readonly number[] }
  | readonly (number | bigint)[]
  | { readonly strings: readonly string[] }
  | { readonly tensor: TensorInit };

export interface NodeDef {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly attrs?: Readonly<Record<string, AttrValue>>;
}

/** Tensor data: float32 → FLOAT, int32 → INT32, BigInt64Array → INT64, Uint8Array → BOOL (or UINT8 with `dataType`). */
export interface TensorInit {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | Int32Array | BigInt64Array | Uint8Array;
  readonly dataType?: DataTypeCode;
}

export interface ValueInfo {
  readonly name: string;
  readonly elemType: DataTypeCode;
  readonly dims: readonly number[];
}

export interface GraphDef {
  readonly name: string;
  readonly nodes: readonly NodeDef[];
  readonly initializers: readonly TensorInit[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
}

export interface ModelDef {
  readonly graph: GraphDef;
  readonly producerName?: string;
  readonly producerVersion?: string;
  readonly opset?: number;
  /** ModelProto.doc_string (free text for humans). */
  readonly docString?: string;
  /** ModelProto.metadata_props: key → value strings (ORT exposes them as the model's custom metadata). */
  readonly metadata?: Readonly<Record<string, string>>;
}

// ------------------------------------------------------------------ low-level writer

const textEncoder = new TextEncoder();

/**
 * Protobuf writer. Bytes accumulate in a small growable buffer; large blobs (raw tensor data) and
 * finished sub-messages are kept as a list of chunks by reference, so a 64 MB initializer is
 * copied once, by `finish()`, however deep it is nested.
 */
export class ProtoWriter {
  private buf = new Uint8Array(64);
  private len = 0;
  private readonly chunks: Uint8Array[] = [];
  private chunked = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.chunked + this.len;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }

  private flush(): void {
    if (this.len === 0) return;
    this.chunks.push(this.buf.subarray(0, this.len));
    this.chunked += this.len;
    this.buf = new Uint8Array(64);
    this.len = 0;
  }

  /** Append raw bytes (kept by reference when large: do not mutate them before `finish`). */
  raw(b: Uint8Array): void {
    if (b.length <= 256) {
      this.ensure(b.length);
      this.buf.set(b, this.len);
      this.len += b.length;
      return;
    }
    this.flush();
    this.chunks.push(b);
    this.chunked += b.length;
  }

  /** Unsigned varint of a non-negative safe integer, or any int64 given as bigint (two's complement). */
  varint(v: number | bigint): void {
    if (typeof v === 'number' && v >= 0 && v <= 0x7fffffff) {
      this.ensure(5);
      while (v > 0x7f) {
        this.buf[this.len++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buf[this.len++] = v;
      return;
    }
    let b = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (b > 0x7fn) {
      this.buf[this.len++] = Number(b & 0x7fn) | 0x80;
      b >>= 7n;
    }
    this.buf[this.len++] = Number(b);
  }

  key(field: number, wire: 0 | 1 | 2 | 5): void {
    this.varint(field * 8 + wire);
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.raw(b);
  }

  /** Field helpers. */
  int(field: number, v: number | bigint): void {
    this.key(field, 0);
    this.varint(v);
  }
  float(field: number, v: number): void {
    this.key(field, 5);
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, v, true);
    this.len += 4;
  }
  string(field: number, s: string): void {
    this.key(field, 2);
    this.bytes(textEncoder.encode(s));
  }
  blob(field: number, b: Uint8Array): void {
    this.key(field, 2);
    this.bytes(b);
  }
  message(field: number, write: (w: ProtoWriter) => void): void {
    const w = new ProtoWriter();
    write(w);
    this.key(field, 2);
    this.varint(w.length);
    w.flush();
    for (const c of w.chunks) this.raw(c);
  }
  packedInts(field: number, vs: ArrayLike<number | bigint>): void {
    const w = new ProtoWriter();
    for (let i = 0; i < vs.length; i++) w.varint(vs[i]!);
    this.blob(field, w.finish());
  }
  packedFloats(field: number, vs: ArrayLike<number>): void {
    const f = new Float32Array(vs.length);
    f.set(vs);
    this.blob(field, littleEndianBytes(f));
  }

  /** The bytes written, as one new array. */
  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.chunked);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

const IS_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian bytes of a typed array (a view when the platform is little-endian). */
export function littleEndianBytes(a: Float32Array | Int32Array | BigInt64Array | Uint8Array): Uint8Array {
  if (a instanceof Uint8Array) return a;
  if (IS_LE) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float32Array) dv.setFloat32(4 * i, a[i]!, true);
    else if (a instanceof Int32Array) dv.setInt32(4 * i, a[i]!, true);
    else dv.setBigInt64(8 * i, a[i]!, true);
  }
  return out;
}

// ------------------------------------------------------------------ messages

/** Tensors with more elements than this are written as `raw_data`; smaller ones as packed typed fields. */
export const RAW_DATA_THRESHOLD = 16;

function dataTypeOf(t: TensorInit): DataTypeCode {
  if (t.dataType !== undefined) return t.dataType;
  if (t.data instanceof Float32Array) return DataType.FLOAT;
  if (t.data instanceof Int32Array) return DataType.INT32;
  if (t.data instanceof BigInt64Array) return DataType.INT64;
  return DataType.BOOL;
}

/** TensorProto: dims=1, data_type=2, float_data=4, int32_data=5, int64_data=7, name=8, raw_data=9. */
export function writeTensor(w: ProtoWriter, t: TensorInit): void {
  if (t.dims.length) w.packedInts(1, t.dims);
  const dt = dataTypeOf(t);
  w.int(2, dt);
  w.string(8, t.name);
  const n = t.data.length;
  if (n > RAW_DATA_THRESHOLD) {
    w.blob(9, littleEndianBytes(t.data));
  } else if (n > 0) {
    if (t.data instanceof Float32Array) w.packedFloats(4, t.data);
    else if (t.data instanceof BigInt64Array) w.packedInts(7, t.data);
    else w.packedInts(5, t.data); // int32, bool and uint8 all live in int32_data
  }
}

/** AttributeProto: name=1, f=2, i=3, s=4, t=5, floats=7, ints=8, strings=9, type=20. */
function writeAttr(w: ProtoWriter, name: string, v: AttrValue): void {
  w.string(1, name);
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (typeof v === 'number' && !Number.isInteger(v)) throw new TypeError(`attribute ${name}: ${v} is not an integer (wrap floats as { f })`);
    w.int(3, v);
    w.int(20, AttrType.INT);
  } else if (typeof v === 'string') {
    w.string(4, v);
    w.int(20, AttrType.STRING);
  } else if (Array.isArray(v)) {
    w.packedInts(8, v as readonly (number | bigint)[]);
    w.int(20, AttrType.INTS);
  } else if ('f' in v) {
    w.float(2, v.f);
    w.int(20, AttrType.FLOAT);
  } else if ('floats' in v) {
    w.packedFloats(7, v.floats);
    w.int(20, AttrType.FLOATS);
  } else if ('strings' in v) {
    for (const s of v.strings) w.string(9, s);
    w.int(20, AttrType.STRINGS);
  } else {
    const t = (v as { tensor: TensorInit }).tensor;
    w.message(5, (m) => writeTensor(m, t));
    w.int(20, AttrType.TENSOR);
  }
}

/** NodeProto: input=1, output=2, name=3, op_type=4, attribute=5. */
function writeNode(w: ProtoWriter, n: NodeDef): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  if (n.attrs) for (const [k, v] of Object.entries(n.attrs)) w.message(5, (m) => writeAttr(m, k, v));
}

/** ValueInfoProto{name=1, type=2}; TypeProto{tensor_type=1}; Tensor{elem_type=1, shape=2}; Shape{dim=1}; Dim{dim_value=1}. */
function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (tp) =>
    tp.message(1, (tt) => {
      tt.int(1, v.elemType);
      tt.message(2, (sh) => {
        for (const d of v.dims) sh.message(1, (dim) => dim.int(1, d));
      });
    }),
  );
}

/** GraphProto: node=1, name=2, initializer=5, input=11, output=12. */
function writeGraph(w: ProtoWriter, g: GraphDef): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (m) => writeTensor(m, t));
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v));
}

/**
 * Serialize a model. ModelProto: ir_version=1, producer_name=2, producer_version=3, doc_string=6,
 * graph=7, opset_import=8 (OperatorSetIdProto: domain=1, version=2), metadata_props=14
 * (StringStringEntryProto: key=1, value=2).
 */
export function encodeModel(m: ModelDef): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, ONNX_IR_VERSION);
  w.string(2, m.producerName ?? 'medrecon');
  w.string(3, m.producerVersion ?? PRODUCER_VERSION);
  if (m.docString) w.string(6, m.docString);
  w.message(7, (g) => writeGraph(g, m.graph));
  w.message(8, (o) => {
    o.string(1, '');
    o.int(2, m.opset ?? ONNX_OPSET);
  });
  for (const [key, value] of Object.entries(m.metadata ?? {})) {
    w.message(14, (e) => {
      e.string(1, key);
      e.string(2, value);
    });
  }
  return w.finish();
}
