/**
 * Gives a TFLite model the input-normalization metadata MediaPipe Tasks requires. @mediapipe/hands ships its
 * models bare (its graphs set the [0, 1] input range themselves), but tasks-vision reads the range of a float input
 * from the model's TFLITE_METADATA (a ModelMetadata flatbuffer, schema "M001") and refuses a model without it.
 *
 * The model is not re-serialized: a new root Model table is written in front of the old bytes and points into
 * them. Flatbuffer offsets only point forward, and everything new (the root, its vectors, the metadata) sits
 * before the old data, so every old table stays where its neighbours expect it, shifted by a multiple of 16 bytes
 * (tensor buffers keep their alignment). Only the buffers and metadata vectors are new: old entries plus one.
 */

/** A value written into a flatbuffer: a table's fields are indexed by their schema id. */
type Node =
  | { table: (Field | undefined)[] }
  | { string: string }
  | { vector: Node[] }
  | { floats: number[] }
  | { bytes: Uint8Array; align: number }
  /** A position in the old model's bytes (shifted later by the prefix's length). */
  | { old: number };

type Field = { u8: number } | { u32: number } | { ref: Node };

/** Lays a tree of nodes out front to back: a parent before its children, so each offset points forward. */
class ForwardWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;
  /** Offsets into the old model, patched once the prefix's length is known. */
  readonly oldRefs: { at: number; old: number }[] = [];

  private reserve(n: number): number {
    while (this.length + n > this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
      this.view = new DataView(bigger.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  align(n: number, shift = 0): void {
    while ((this.length + shift) % n !== 0) this.reserve(1);
  }

  u16(v: number): number {
    const at = this.reserve(2);
    this.view.setUint16(at, v, true);
    return at;
  }

  u32(v: number, at = this.reserve(4)): number {
    this.view.setUint32(at, v, true);
    return at;
  }

  /** Points the offset slot at `at` to the node written next. */
  private refTo(at: number, node: Node): void {
    if ("old" in node) {
      this.oldRefs.push({ at, old: node.old });
      return;
    }
    const target = this.write(node);
    this.u32(target - at, at);
  }

  /** Writes a node and its children; returns where the node starts (a table's start, a vector's length). */
  write(node: Node): number {
    if ("table" in node) {
      const fields = node.table;
      // vtable: its size, the table's size, then each field's offset in the table (0: absent). One 4-byte slot
      // per field keeps every field aligned.
      this.align(2);
      const vtable = this.u16(4 + 2 * fields.length);
      this.u16(4 + 4 * fields.length);
      for (let i = 0; i < fields.length; i++) this.u16(fields[i] ? 4 + 4 * i : 0);
      this.align(4);
      const table = this.u32(0);
      this.view.setInt32(table, table - vtable, true); // vtable = table - soffset
      const slots = fields.map(() => this.u32(0));
      fields.forEach((f, i) => {
        if (!f) return;
        if ("u8" in f) this.view.setUint8(slots[i], f.u8);
        else if ("u32" in f) this.u32(f.u32, slots[i]);
      });
      fields.forEach((f, i) => {
        if (f && "ref" in f) this.refTo(slots[i], f.ref);
      });
      return table;
    }
    if ("string" in node) {
      const bytes = new TextEncoder().encode(node.string);
      this.align(4);
      const at = this.u32(bytes.length);
      this.buf.set(bytes, this.reserve(bytes.length + 1)); // and a terminating 0
      return at;
    }
    if ("floats" in node) {
      this.align(4);
      const at = this.u32(node.floats.length);
      for (const f of node.floats) this.view.setFloat32(this.reserve(4), f, true);
      return at;
    }
    if ("bytes" in node) {
      this.align(node.align, 4); // the data, after the 4-byte length, starts aligned
      const at = this.u32(node.bytes.length);
      this.buf.set(node.bytes, this.reserve(node.bytes.length));
      return at;
    }
    if ("vector" in node) {
      this.align(4);
      const at = this.u32(node.vector.length);
      const slots = node.vector.map(() => this.u32(0));
      for (let i = 0; i < slots.length; i++) this.refTo(slots[i], node.vector[i]);
      return at;
    }
    throw new Error("unknown flatbuffer node");
  }

  /** A whole flatbuffer: root offset, optional 4-character file identifier, the root table. */
  root(node: Node, identifier?: string): void {
    const rootSlot = this.u32(0);
    if (identifier) this.buf.set(new TextEncoder().encode(identifier), this.reserve(4));
    this.u32(this.write(node) - rootSlot, rootSlot);
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  patch(at: number, value: number): void {
    this.u32(value, at);
  }
}

/** Reads the tables of an existing flatbuffer. */
class Reader {
  private view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u32(at: number): number {
    return this.view.getUint32(at, true);
  }
  root(): number {
    return this.u32(0);
  }
  /** Where a table's field is stored, or undefined when absent. */
  field(table: number, id: number): number | undefined {
    const vtable = table - this.view.getInt32(table, true);
    const vtSize = this.view.getUint16(vtable, true);
    if (4 + 2 * id >= vtSize) return undefined;
    const offset = this.view.getUint16(vtable + 4 + 2 * id, true);
    return offset ? table + offset : undefined;
  }
  fieldCount(table: number): number {
    const vtable = table - this.view.getInt32(table, true);
    return (this.view.getUint16(vtable, true) - 4) / 2;
  }
  /** The position an offset field points to. */
  deref(at: number): number {
    return at + this.u32(at);
  }
  /** The positions of a vector of tables. */
  tables(vector: number): number[] {
    const n = this.u32(vector);
    return Array.from({ length: n }, (_, i) => this.deref(vector + 4 + 4 * i));
  }
  string(at: number): string {
    return new TextDecoder().decode(this.bytes.subarray(at + 4, at + 4 + this.u32(at)));
  }
}

// Field ids of tflite's schema.fbs (table Model, Metadata, Buffer).
const MODEL = {
  version: 0,
  operatorCodes: 1,
  subgraphs: 2,
  description: 3,
  buffers: 4,
  metadataBuffer: 5,
  metadata: 6,
  signatureDefs: 7,
};
const MODEL_FIELDS = 8;
/** metadata_schema.fbs: union ProcessUnitOptions { NormalizationOptions = 1, ... }. */
const NORMALIZATION_OPTIONS = 1;
/** metadata_schema.fbs: union ContentProperties { FeatureProperties, ImageProperties = 2, ... }, RGB = 1. */
const IMAGE_PROPERTIES = 2;
const RGB = 1;

export interface ImageInputMetadata {
  name: string;
  description: string;
  /** Input normalization (x - mean) / std: mean 0, std 255 maps pixels to [0, 1]. */
  mean: number;
  std: number;
}

/** The ModelMetadata flatbuffer: one subgraph, one RGB image input normalized as given. */
export function imageInputMetadata(meta: ImageInputMetadata): Uint8Array {
  const tensor: Node = {
    table: [
      { ref: { string: "image" } }, // name
      undefined, // description
      undefined, // dimension_names
      {
        ref: {
          table: [
            { u8: IMAGE_PROPERTIES }, // content_properties_type
            { ref: { table: [{ u8: RGB }] } }, // content_properties: ImageProperties { color_space }
          ],
        },
      },
      {
        ref: {
          vector: [
            {
              table: [
                { u8: NORMALIZATION_OPTIONS }, // options_type
                { ref: { table: [{ ref: { floats: [meta.mean] } }, { ref: { floats: [meta.std] } }] } },
              ],
            },
          ],
        },
      },
    ],
  };
  const subgraph: Node = { table: [undefined, undefined, { ref: { vector: [tensor] } }] };
  const w = new ForwardWriter();
  w.root(
    {
      table: [
        { ref: { string: meta.name } },
        { ref: { string: meta.description } },
        undefined, // version
        { ref: { vector: [subgraph] } },
        undefined, // author
        undefined, // license
        undefined, // associated_files
        { ref: { string: "1.0.0" } }, // min_parser_version
      ],
    },
    "M001",
  );
  return w.bytes();
}

/** The TFLITE_METADATA a model carries, if any (for checks). */
export function readTfliteMetadata(model: Uint8Array): Uint8Array | undefined {
  const r = new Reader(model);
  const root = r.root();
  const metadata = r.field(root, MODEL.metadata);
  const buffers = r.field(root, MODEL.buffers);
  if (metadata === undefined || buffers === undefined) return undefined;
  const buffersList = r.tables(r.deref(buffers));
  for (const entry of r.tables(r.deref(metadata))) {
    const name = r.field(entry, 0);
    const index = r.field(entry, 1);
    if (name === undefined || index === undefined || r.string(r.deref(name)) !== "TFLITE_METADATA") continue;
    const data = r.field(buffersList[r.u32(index)], 0);
    if (data === undefined) return undefined;
    const vector = r.deref(data);
    return model.subarray(vector + 4, vector + 4 + r.u32(vector));
  }
  return undefined;
}

/** `model` with `metadata` added as its TFLITE_METADATA buffer (the model must carry none yet). */
export function withTfliteMetadata(model: Uint8Array, metadata: Uint8Array): Uint8Array {
  const r = new Reader(model);
  if (new TextDecoder().decode(model.subarray(4, 8)) !== "TFL3") throw new Error("not a TFLite model (no TFL3)");
  if (readTfliteMetadata(model)) throw new Error("the model already carries TFLITE_METADATA");
  const root = r.root();
  if (r.fieldCount(root) > MODEL_FIELDS) throw new Error("a TFLite schema newer than this code knows");
  const oldBuffers = r.field(root, MODEL.buffers);
  if (oldBuffers === undefined) throw new Error("a TFLite model without buffers");
  const buffers = r.tables(r.deref(oldBuffers));
  for (const b of buffers) {
    // Buffers stored outside the flatbuffer (offset/size, for models over 2 GB) count from the file's start.
    if (r.field(b, 1) !== undefined) throw new Error("a TFLite model with external buffers");
  }
  const oldMetadata = r.field(root, MODEL.metadata);
  const entries = oldMetadata === undefined ? [] : r.tables(r.deref(oldMetadata));

  const fields: (Field | undefined)[] = [];
  for (let id = 0; id < MODEL_FIELDS; id++) {
    const at = r.field(root, id);
    if (id === MODEL.buffers) {
      const added: Node = { table: [{ ref: { bytes: metadata, align: 16 } }] };
      fields.push({ ref: { vector: [...buffers.map((old) => ({ old })), added] } });
    } else if (id === MODEL.metadata) {
      const entry: Node = { table: [{ ref: { string: "TFLITE_METADATA" } }, { u32: buffers.length }] };
      fields.push({ ref: { vector: [...entries.map((old) => ({ old })), entry] } });
    } else if (at === undefined) {
      fields.push(undefined);
    } else if (id === MODEL.version) {
      fields.push({ u32: r.u32(at) });
    } else {
      fields.push({ ref: { old: r.deref(at) } });
    }
  }
  const w = new ForwardWriter();
  w.root({ table: fields }, "TFL3");
  w.align(16);
  const shift = w.length;
  for (const { at, old } of w.oldRefs) w.patch(at, shift + old - at);
  const out = new Uint8Array(shift + model.length);
  out.set(w.bytes());
  out.set(model, shift);
  return out;
}

/** For tests: what a ModelMetadata buffer says about its first input's normalization. */
export function readInputNormalization(metadata: Uint8Array): { mean: number[]; std: number[] } | undefined {
  const r = new Reader(metadata);
  const floats = (at: number) => {
    const v = r.deref(at);
    return Array.from({ length: r.u32(v) }, (_, i) =>
      new DataView(metadata.buffer, metadata.byteOffset).getFloat32(v + 4 + 4 * i, true),
    );
  };
  const subgraphs = r.field(r.root(), 3);
  if (subgraphs === undefined) return undefined;
  const inputs = r.field(r.tables(r.deref(subgraphs))[0], 2);
  if (inputs === undefined) return undefined;
  const units = r.field(r.tables(r.deref(inputs))[0], 4);
  if (units === undefined) return undefined;
  for (const unit of r.tables(r.deref(units))) {
    const type = r.field(unit, 0);
    const options = r.field(unit, 1);
    if (type === undefined || options === undefined || metadata[type] !== NORMALIZATION_OPTIONS) continue;
    const table = r.deref(options);
    const mean = r.field(table, 0);
    const std = r.field(table, 1);
    if (mean === undefined || std === undefined) return undefined;
    return { mean: floats(mean), std: floats(std) };
  }
  return undefined;
}
