// AssemblyScript source of the kernels of LogisticRegression's objective (src/core/estimators/logistic.ts): the
// two matrix products and the softmax with its own exp and log, 128-bit SIMD on f64x2 lanes. Not part of the
// TypeScript build: `node wasm/build.mjs` compiles it with the pinned AssemblyScript and writes the bytes into
// src/core/estimators/logistic-kernel.wasm.ts.
//
// Every product's element is a plain left-to-right sum of products (multiply, then add: no fused multiply-add),
// and the softmax, exp and log are plain float64 operations, so the TypeScript fallback in logistic.ts, which does
// the same operations in the same order, gives bit-identical results.
// Pointers are byte offsets into the imported memory; arrays are row-major float64 (the class codes int32).

// Logits of one block: Z[r][k] = sum over j < S of X[r][j] * Wt[j][k], for r < B (a multiple of 2) and
// k < Kp (a multiple of 6). X is B x S, Wt is S x Kp (the weights transposed), Z is B x Kp. Tiles of 2 rows x 6
// classes: their 6 accumulators, 3 weight vectors and the broadcast feature fit V8's 16 SIMD registers (4 rows
// did not, and spilled).
export function logits(x: usize, wt: usize, z: usize, B: i32, S: i32, Kp: i32): void {
  const rowBytes = (<usize>S) << 3;
  const kpBytes = (<usize>Kp) << 3;
  for (let r = 0; r < B; r += 2) {
    const x0 = x + <usize>r * rowBytes;
    const x1 = x0 + rowBytes;
    for (let k = 0; k < Kp; k += 6) {
      let a00 = f64x2.splat(0);
      let a01 = f64x2.splat(0);
      let a02 = f64x2.splat(0);
      let a10 = f64x2.splat(0);
      let a11 = f64x2.splat(0);
      let a12 = f64x2.splat(0);
      let wp = wt + ((<usize>k) << 3);
      for (let j: usize = 0; j < rowBytes; j += 8) {
        const w0 = v128.load(wp);
        const w1 = v128.load(wp, 16);
        const w2 = v128.load(wp, 32);
        wp += kpBytes;
        let b = v128.load64_splat(x0 + j);
        a00 = f64x2.add(a00, f64x2.mul(b, w0));
        a01 = f64x2.add(a01, f64x2.mul(b, w1));
        a02 = f64x2.add(a02, f64x2.mul(b, w2));
        b = v128.load64_splat(x1 + j);
        a10 = f64x2.add(a10, f64x2.mul(b, w0));
        a11 = f64x2.add(a11, f64x2.mul(b, w1));
        a12 = f64x2.add(a12, f64x2.mul(b, w2));
      }
      const z0 = z + ((<usize>r * <usize>Kp + <usize>k) << 3);
      const z1 = z0 + kpBytes;
      v128.store(z0, a00);
      v128.store(z0, a01, 16);
      v128.store(z0, a02, 32);
      v128.store(z1, a10);
      v128.store(z1, a11, 16);
      v128.store(z1, a12, 32);
    }
  }
}

// Gradient of one block: G[k][j] += (sum over r < B of R[r][k] * X[r][j]), the block's sum formed first, for
// k < Kp (a multiple of 6) and j < S (a multiple of 4). R is B x Kp, X is B x S, G is Kp x S.
export function gradient(x: usize, rr: usize, g: usize, B: i32, S: i32, Kp: i32): void {
  const rowBytes = (<usize>S) << 3;
  const kpBytes = (<usize>Kp) << 3;
  for (let k = 0; k < Kp; k += 3) {
    for (let j = 0; j < S; j += 4) {
      let a00 = f64x2.splat(0);
      let a01 = f64x2.splat(0);
      let a10 = f64x2.splat(0);
      let a11 = f64x2.splat(0);
      let a20 = f64x2.splat(0);
      let a21 = f64x2.splat(0);
      let xp = x + ((<usize>j) << 3);
      let rp = rr + ((<usize>k) << 3);
      for (let r = 0; r < B; r++) {
        const x0 = v128.load(xp);
        const x1 = v128.load(xp, 16);
        xp += rowBytes;
        let b = v128.load64_splat(rp);
        a00 = f64x2.add(a00, f64x2.mul(b, x0));
        a01 = f64x2.add(a01, f64x2.mul(b, x1));
        b = v128.load64_splat(rp + 8);
        a10 = f64x2.add(a10, f64x2.mul(b, x0));
        a11 = f64x2.add(a11, f64x2.mul(b, x1));
        b = v128.load64_splat(rp + 16);
        a20 = f64x2.add(a20, f64x2.mul(b, x0));
        a21 = f64x2.add(a21, f64x2.mul(b, x1));
        rp += kpBytes;
      }
      const g0 = g + ((<usize>k * <usize>S + <usize>j) << 3);
      const g1 = g0 + rowBytes;
      const g2 = g1 + rowBytes;
      v128.store(g0, f64x2.add(v128.load(g0), a00));
      v128.store(g0, f64x2.add(v128.load(g0, 16), a01), 16);
      v128.store(g1, f64x2.add(v128.load(g1), a10));
      v128.store(g1, f64x2.add(v128.load(g1, 16), a11), 16);
      v128.store(g2, f64x2.add(v128.load(g2), a20));
      v128.store(g2, f64x2.add(v128.load(g2, 16), a21), 16);
    }
  }
}

const EXP_MIN: f64 = -746.0;
const INV_LN2: f64 = Math.LOG2E; // 1 / ln 2
const ROUND_SHIFT: f64 = 6755399441055744.0; // 1.5 * 2^52
const LN2_HI: f64 = 6.9314718036912382e-1; // 0x3fe62e42fee00000, low 21 bits zero: k * LN2_HI is exact
const LN2_LO: f64 = 1.9082149292705877e-10; // 0x3dea39ef35793c76
const P1: f64 = 1.6666666666666602e-1;
const P2: f64 = -2.7777777777015593e-3;
const P3: f64 = 6.6137563214379344e-5;
const P4: f64 = -1.6533902205465252e-6;
const P5: f64 = 4.1381367970572385e-8;
// The constants as f64x2 vectors in static fields, which are mutable globals (set by the start function): V8 then
// loads them, where it would rebuild each v128.const from immediates on every pass of a loop. The functions are
// static methods so that they can be @inline (decorators on plain functions are not TypeScript).
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript namespace of inlined functions and constants
class Lanes {
  static EXP_MIN: v128 = f64x2.splat(EXP_MIN);
  static INV_LN2: v128 = f64x2.splat(INV_LN2);
  static ROUND_SHIFT: v128 = f64x2.splat(ROUND_SHIFT);
  static SHIFT_BITS: v128 = i64x2.splat(reinterpret<i64>(ROUND_SHIFT));
  static LN2_HI: v128 = f64x2.splat(LN2_HI);
  static LN2_LO: v128 = f64x2.splat(LN2_LO);
  static P1: v128 = f64x2.splat(P1);
  static P2: v128 = f64x2.splat(P2);
  static P3: v128 = f64x2.splat(P3);
  static P4: v128 = f64x2.splat(P4);
  static P5: v128 = f64x2.splat(P5);
  static ONE: v128 = f64x2.splat(1.0);
  static TWO: v128 = f64x2.splat(2.0);
  static BIAS: v128 = i64x2.splat(1023);
  static HALF: v128 = f64x2.splat(0.5);
  static LG1: v128 = f64x2.splat(6.666666666666735e-1);
  static LG2: v128 = f64x2.splat(3.999999999940942e-1);
  static LG3: v128 = f64x2.splat(2.857142874366239e-1);
  static LG4: v128 = f64x2.splat(2.2222198432149784e-1);
  static LG5: v128 = f64x2.splat(1.818357216161805e-1);
  static LG6: v128 = f64x2.splat(1.5313837699209373e-1);
  static LG7: v128 = f64x2.splat(1.4798198605116586e-1);

  // exp(x) for x <= 0 (valid up to x = 709), two lanes at once: the fdlibm algorithm (e_exp.c, error below 1 ulp).
  // k = x / ln2 rounded to nearest (by adding 1.5 * 2^52: k lands in the low bits), r = x - k ln2 in two parts (hi
  // exact, lo), exp(r) from a rational form with a degree-5 polynomial in r^2, then times 2^k built from exponent
  // bits in two halves 2^(k >> 1) * 2^(k - (k >> 1)), so that results below 2^-1022 round once into the subnormals
  // (x is raised to -746, where exp rounds to 0: very negative or -infinite arguments give exactly 0, not NaN; NaN
  // stays NaN). softmaxExp in logistic.ts does exactly these operations in this order.
  @inline
  static exp(x0: v128): v128 {
    const x = f64x2.pmax(x0, Lanes.EXP_MIN); // x0 < EXP_MIN ? EXP_MIN : x0 (one instruction, unlike max)
    const kd = f64x2.add(f64x2.mul(x, Lanes.INV_LN2), Lanes.ROUND_SHIFT);
    const k = f64x2.sub(kd, Lanes.ROUND_SHIFT);
    const hi = f64x2.sub(x, f64x2.mul(k, Lanes.LN2_HI));
    const lo = f64x2.mul(k, Lanes.LN2_LO);
    const r = f64x2.sub(hi, lo);
    const t = f64x2.mul(r, r);
    let p = f64x2.add(Lanes.P4, f64x2.mul(t, Lanes.P5));
    p = f64x2.add(Lanes.P3, f64x2.mul(t, p));
    p = f64x2.add(Lanes.P2, f64x2.mul(t, p));
    p = f64x2.add(Lanes.P1, f64x2.mul(t, p));
    const c = f64x2.sub(r, f64x2.mul(t, p));
    const q = f64x2.div(f64x2.mul(r, c), f64x2.sub(Lanes.TWO, c));
    const y = f64x2.sub(Lanes.ONE, f64x2.sub(f64x2.sub(lo, q), hi));
    const ki = i64x2.sub(kd, Lanes.SHIFT_BITS);
    const k1 = i64x2.shr_s(ki, 1);
    const k2 = i64x2.sub(ki, k1);
    const s1 = i64x2.shl(i64x2.add(k1, Lanes.BIAS), 52);
    const s2 = i64x2.shl(i64x2.add(k2, Lanes.BIAS), 52);
    return f64x2.mul(f64x2.mul(y, s1), s2);
  }

  // log(x) for positive normal x, two lanes at once: the fdlibm algorithm (e_log.c, error below 1 ulp), both of its
  // final forms computed and one selected by the same test on the high mantissa bits, without its shortcut for
  // |x / 2^k - 1| < 2^-20 (the general form covers it). x = 2^k (1 + f) with 1 + f in [sqrt(2)/2, sqrt(2)),
  // s = f / (2 + f), log(1 + f) = f - s (f - R(s^2)) in two parts with k ln2. NaN gives NaN (+ (x - x)); zero,
  // negative, infinite and subnormal x are outside its domain (the softmax's sums are in [1, K]).
  // softmaxLog in logistic.ts does exactly these operations in this order.
  @inline
  static log(x: v128): v128 {
    const m = v128.and(x, i64x2.splat(0x000fffffffffffff));
    const i = v128.and(i64x2.add(m, i64x2.splat(0x95f6400000000)), i64x2.splat(0x10000000000000)); // 1 + f >= sqrt(2)
    const y = v128.or(m, v128.xor(i, i64x2.splat(0x3ff0000000000000))); // the mantissa as 1 + f, halved if i
    const ki = i64x2.add(i64x2.sub(i64x2.shr_u(x, 52), Lanes.BIAS), i64x2.shr_u(i, 52));
    const k = f64x2.sub(i64x2.add(ki, Lanes.SHIFT_BITS), Lanes.ROUND_SHIFT); // the integer k as a float
    const f = f64x2.sub(y, Lanes.ONE);
    const s = f64x2.div(f, f64x2.add(Lanes.TWO, f));
    const z = f64x2.mul(s, s);
    const w = f64x2.mul(z, z);
    const t1 = f64x2.mul(w, f64x2.add(Lanes.LG2, f64x2.mul(w, f64x2.add(Lanes.LG4, f64x2.mul(w, Lanes.LG6)))));
    const t2 = f64x2.mul(
      z,
      f64x2.add(
        Lanes.LG1,
        f64x2.mul(w, f64x2.add(Lanes.LG3, f64x2.mul(w, f64x2.add(Lanes.LG5, f64x2.mul(w, Lanes.LG7))))),
      ),
    );
    const R = f64x2.add(t2, t1);
    const khi = f64x2.mul(k, Lanes.LN2_HI);
    const klo = f64x2.mul(k, Lanes.LN2_LO);
    const hfsq = f64x2.mul(f64x2.mul(Lanes.HALF, f), f);
    const a = f64x2.sub(khi, f64x2.sub(f64x2.sub(hfsq, f64x2.add(f64x2.mul(s, f64x2.add(hfsq, R)), klo)), f));
    const b = f64x2.sub(khi, f64x2.sub(f64x2.sub(f64x2.mul(s, f64x2.sub(f, R)), klo), f));
    const hm = i64x2.shr_u(m, 32);
    const useA = i64x2.gt_s(
      v128.or(i64x2.sub(hm, i64x2.splat(0x6147a)), i64x2.sub(i64x2.splat(0x6b851), hm)),
      i64x2.splat(0),
    );
    return f64x2.add(v128.bitselect(a, b, useA), f64x2.sub(x, x));
  }
}

// The same exp and log of one argument (for tests).
export function exp(x: f64): f64 {
  return f64x2.extract_lane(Lanes.exp(f64x2.splat(x)), 0);
}
export function log(x: f64): f64 {
  return f64x2.extract_lane(Lanes.log(f64x2.splat(x)), 0);
}

// Softmax, residuals and loss of one block, in place: for each row r < end of Z (B x Kp, logits of classes k < K),
// with y = codes[r]: m = max_k z_k, e_k = exp(z_k - m), s = sum_k e_k, then Z[r][k] = e_k * (1 / s) - [k = y]
// (padding classes 0), and aux[r], aux[B + r], aux[2B + r] = m, s, z_y. Rows end .. B are zeroed. Classes go in
// pairs, two lanes: the max and the sum are kept per lane (even classes, odd classes) and combined at the end, an
// odd last class joining last. Then, two rows at a time, the rows' losses m + log(s) - z_y, added to `loss` one row
// after another; returns the sum. softmaxRows in logistic.ts does exactly the same.
export function softmax(z: usize, codes: usize, aux: usize, end: i32, B: i32, K: i32, Kp: i32, loss: f64): f64 {
  const kpBytes = (<usize>Kp) << 3;
  const bBytes = (<usize>B) << 3;
  const pairBytes = (<usize>(K >> 1)) << 4;
  const odd = (K & 1) !== 0;
  const last = (<usize>(K - 1)) << 3;
  for (let r = 0; r < end; r++) {
    const zr = z + <usize>r * kpBytes;
    let m: f64;
    if (pairBytes > 0) {
      let mv = v128.load(zr);
      // pmax(a, b) = a < b ? b : a, one instruction; a NaN logit is passed over here, but its exp, s and the loss
      // are NaN
      for (let o: usize = 16; o < pairBytes; o += 16) mv = f64x2.pmax(mv, v128.load(zr + o));
      m = max<f64>(f64x2.extract_lane(mv, 0), f64x2.extract_lane(mv, 1));
      if (odd) m = max<f64>(m, load<f64>(zr + last));
    } else {
      m = load<f64>(zr);
    }
    const y = load<i32>(codes + ((<usize>r) << 2));
    const zy = load<f64>(zr + ((<usize>y) << 3));
    const mm = f64x2.splat(m);
    let sv = f64x2.splat(0);
    for (let o: usize = 0; o < pairBytes; o += 16) {
      const e = Lanes.exp(f64x2.sub(v128.load(zr + o), mm));
      v128.store(zr + o, e);
      sv = f64x2.add(sv, e);
    }
    let s = f64x2.extract_lane(sv, 0) + f64x2.extract_lane(sv, 1);
    let et: f64 = 0;
    if (odd) {
      et = f64x2.extract_lane(Lanes.exp(f64x2.splat(load<f64>(zr + last) - m)), 0);
      s += et;
    }
    const inv = 1.0 / s;
    const iv = f64x2.splat(inv);
    for (let o: usize = 0; o < pairBytes; o += 16) v128.store(zr + o, f64x2.mul(v128.load(zr + o), iv));
    if (odd) store<f64>(zr + last, et * inv);
    for (let k = K; k < Kp; k++) store<f64>(zr + ((<usize>k) << 3), 0.0);
    const zyp = zr + ((<usize>y) << 3);
    store<f64>(zyp, load<f64>(zyp) - 1.0);
    const ap = aux + ((<usize>r) << 3);
    store<f64>(ap, m);
    store<f64>(ap + bBytes, s);
    store<f64>(ap + 2 * bBytes, zy);
  }
  if (end < B) memory.fill(z + <usize>end * kpBytes, 0, <usize>(B - end) * kpBytes);
  // B is even: an odd end's last pair reads a row past end (its lane unused)
  for (let r = 0; r < end; r += 2) {
    const ap = aux + ((<usize>r) << 3);
    const l = f64x2.sub(f64x2.add(v128.load(ap), Lanes.log(v128.load(ap + bBytes))), v128.load(ap + 2 * bBytes));
    loss += f64x2.extract_lane(l, 0);
    if (r + 1 < end) loss += f64x2.extract_lane(l, 1);
  }
  return loss;
}
