/**
 * A zip archive of stored (uncompressed) files, each file's data aligned in the archive. MediaPipe Tasks reads its
 * model bundles (.task) in place: it accepts only stored members ("Expected uncompressed zip archive.") and hands
 * each member's bytes to TFLite as they lie, whose flatbuffer verifier wants them aligned.
 */

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** DOS date and time of 1980-01-01 00:00: a fixed stamp, so the same files always make the same archive. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/** Writes the archive; each member's data starts at a multiple of `align` bytes (padding in its extra field). */
export function storedZip(entries: readonly ZipEntry[], align = 64): Uint8Array {
  const names = entries.map((e) => new TextEncoder().encode(e.name));
  const crcs = entries.map((e) => crc32(e.data));
  const locals: { offset: number; extra: number }[] = [];
  let size = 0;
  for (let i = 0; i < entries.length; i++) {
    const header = 30 + names[i].length;
    const extra = (align - ((size + header) % align)) % align;
    locals.push({ offset: size, extra });
    size += header + extra + entries[i].data.length;
  }
  const centralStart = size;
  for (const name of names) size += 46 + name.length;
  const end = size;
  size += 22;
  if (size > 0xffffffff || entries.length > 0xffff) throw new Error("too large for a zip without zip64");

  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  const u16 = (at: number, v: number) => view.setUint16(at, v, true);
  const u32 = (at: number, v: number) => view.setUint32(at, v, true);
  /** The fields local and central headers share, from "version needed" to the name's length. */
  const common = (at: number, i: number) => {
    u16(at, 10); // version needed: 1.0, stored files
    u16(at + 2, 1 << 11); // flags: names in UTF-8
    u16(at + 4, 0); // method: stored
    u16(at + 6, DOS_TIME);
    u16(at + 8, DOS_DATE);
    u32(at + 10, crcs[i]);
    u32(at + 14, entries[i].data.length); // compressed size
    u32(at + 18, entries[i].data.length); // uncompressed size
    u16(at + 22, names[i].length);
  };
  for (let i = 0; i < entries.length; i++) {
    const { offset, extra } = locals[i];
    u32(offset, 0x04034b50);
    common(offset + 4, i);
    u16(offset + 28, extra);
    out.set(names[i], offset + 30);
    out.set(entries[i].data, offset + 30 + names[i].length + extra);
  }
  let at = centralStart;
  for (let i = 0; i < entries.length; i++) {
    u32(at, 0x02014b50);
    u16(at + 4, 20); // made by: MS-DOS, 2.0
    common(at + 6, i);
    // extra field, comment, disk number, internal and external attributes: all 0
    u32(at + 42, locals[i].offset);
    out.set(names[i], at + 46);
    at += 46 + names[i].length;
  }
  u32(end, 0x06054b50);
  u16(end + 8, entries.length);
  u16(end + 10, entries.length);
  u32(end + 12, end - centralStart);
  u32(end + 16, centralStart);
  return out;
}
