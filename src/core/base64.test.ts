import { describe, expect, it } from "vitest";
import {
  decodeBytes,
  decodeFloat32,
  decodeFloat64,
  decodeInt32,
  encodeBytes,
  encodeFloat32,
  encodeFloat64,
  encodeInt32,
} from "./base64.js";
import { Random } from "./random.js";

const latin1 = (b: Uint8Array) => String.fromCharCode(...b);

describe("base64", () => {
  it("encodes the RFC 4648 test vectors", () => {
    const vectors = ["", "f", "fo", "foo", "foob", "fooba", "foobar"];
    const expected = ["", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"];
    vectors.forEach((v, i) => {
      expect(encodeBytes(new TextEncoder().encode(v))).toBe(expected[i]);
      expect(new TextDecoder().decode(decodeBytes(expected[i]))).toBe(v);
    });
  });

  it("agrees with btoa on random bytes of every padding length", () => {
    const rng = new Random(1);
    for (let n = 0; n < 40; n++) {
      const b = new Uint8Array(n).map(() => rng.int(256));
      const s = encodeBytes(b);
      expect(s).toBe(btoa(latin1(b)));
      expect(Array.from(decodeBytes(s))).toEqual(Array.from(b));
    }
  });

  it("round-trips typed arrays bit for bit, special values included", () => {
    const f64 = new Float64Array([0, -0, 1.5, Number.NaN, Infinity, -Infinity, Number.MIN_VALUE, 1e308, Math.PI]);
    const back = decodeFloat64(encodeFloat64(f64));
    expect(new Uint8Array(back.buffer)).toEqual(new Uint8Array(f64.buffer));
    const f32 = new Float32Array([0.1, -3, Number.NaN, 3.4e38]);
    expect(new Uint8Array(decodeFloat32(encodeFloat32(f32)).buffer)).toEqual(new Uint8Array(f32.buffer));
    const i32 = new Int32Array([0, -1, 2147483647, -2147483648, 42]);
    expect(Array.from(decodeInt32(encodeInt32(i32)))).toEqual(Array.from(i32));
    // A view into a larger buffer encodes only its own elements.
    const big = new Float64Array([1, 2, 3, 4]);
    expect(Array.from(decodeFloat64(encodeFloat64(big.subarray(1, 3))))).toEqual([2, 3]);
  });

  it("writes little-endian bytes", () => {
    expect(encodeInt32(new Int32Array([1]))).toBe("AQAAAA==");
    expect(encodeFloat64(new Float64Array([1]))).toBe("AAAAAAAA8D8=");
  });

  it("rejects malformed input", () => {
    expect(() => decodeBytes("abc")).toThrow(/multiple of 4/);
    expect(() => decodeBytes("ab*d")).toThrow(/invalid character at 2/);
    expect(() => decodeFloat64("AQAAAA==")).toThrow(/whole number of 8/);
  });
});
