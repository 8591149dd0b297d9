/**
 * Compact, isomorphic base64 for typed arrays in model files (no Buffer, no atob: works in Node and browsers).
 * Bytes are always little-endian so a model written on one machine reads the same on any other.
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ENC = new Uint8Array(64);
const DEC = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  ENC[i] = ALPHABET.charCodeAt(i);
  DEC[ENC[i]] = i;
}
const PAD = 61; // "="
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeBytes(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = ENC[v >>> 18];
    out[o++] = ENC[(v >>> 12) & 63];
    out[o++] = ENC[(v >>> 6) & 63];
    out[o++] = ENC[v & 63];
  }
  if (i < n) {
    const b1 = i + 1 < n ? bytes[i + 1] : 0;
    const v = (bytes[i] << 16) | (b1 << 8);
    out[o++] = ENC[v >>> 18];
    out[o++] = ENC[(v >>> 12) & 63];
    out[o++] = i + 1 < n ? ENC[(v >>> 6) & 63] : PAD;
    out[o++] = PAD;
  }
  // The output is pure ASCII, so a latin1/utf-8 decode of the bytes is the string itself.
  return new TextDecoder().decode(out);
}

export function decodeBytes(s: string): Uint8Array {
  let len = s.length;
  if (len % 4 !== 0) throw new RangeError(`base64: length ${len} is not a multiple of 4`);
  let pad = 0;
  if (len > 0 && s.charCodeAt(len - 1) === PAD) pad++;
  if (len > 1 && s.charCodeAt(len - 2) === PAD) pad++;
  const out = new Uint8Array((len / 4) * 3 - pad);
  len -= pad;
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? DEC[c] : -1;
    if (v < 0) throw new RangeError(`base64: invalid character at ${i}`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}

type Typed = Float64Array | Float32Array | Int32Array;

/** Little-endian bytes of a typed array (a view when the platform is little-endian and the array is aligned). */
function toBytes(a: Typed): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.byteLength);
  const dv = new DataView(out.buffer);
  const w = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float64Array) dv.setFloat64(i * w, a[i], true);
    else if (a instanceof Float32Array) dv.setFloat32(i * w, a[i], true);
    else dv.setInt32(i * w, a[i], true);
  }
  return out;
}

function fromBytes<T extends Typed>(s: string, Ctor: { new (n: number): T; BYTES_PER_ELEMENT: number }): T {
  const bytes = decodeBytes(s);
  const w = Ctor.BYTES_PER_ELEMENT;
  if (bytes.length % w !== 0) throw new RangeError(`base64: ${bytes.length} bytes is not a whole number of ${w}`);
  const out = new Ctor(bytes.length / w);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < out.length; i++) {
    if (out instanceof Float64Array) out[i] = dv.getFloat64(i * w, true);
    else if (out instanceof Float32Array) out[i] = dv.getFloat32(i * w, true);
    else out[i] = dv.getInt32(i * w, true);
  }
  return out;
}

export const encodeFloat64 = (a: Float64Array): string => encodeBytes(toBytes(a));
export const decodeFloat64 = (s: string): Float64Array => fromBytes(s, Float64Array);
export const encodeFloat32 = (a: Float32Array): string => encodeBytes(toBytes(a));
export const decodeFloat32 = (s: string): Float32Array => fromBytes(s, Float32Array);
export const encodeInt32 = (a: Int32Array): string => encodeBytes(toBytes(a));
export const decodeInt32 = (s: string): Int32Array => fromBytes(s, Int32Array);
