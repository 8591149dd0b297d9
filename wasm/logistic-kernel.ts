// AssemblyScript source of the two matrix kernels of LogisticRegression's objective (src/core/estimators/
// logistic.ts), 128-bit SIMD on f64x2 lanes. Not part of the TypeScript build: `node wasm/build.mjs` compiles it
// with the pinned AssemblyScript and writes the bytes into src/core/estimators/logistic-kernel.wasm.ts.
//
// Every output element is a plain left-to-right sum of products (multiply, then add: no fused multiply-add), so
// the TypeScript fallback in logistic.ts, which sums in the same order, gives bit-identical results.
// Pointers are byte offsets into the imported memory; all arrays are row-major float64.

// Logits of one block: Z[r][k] = sum over j < S of X[r][j] * Wt[j][k], for r < B (a multiple of 4) and
// k < Kp (a multiple of 6). X is B x S, Wt is S x Kp (the weights transposed), Z is B x Kp.
export function logits(x: usize, wt: usize, z: usize, B: i32, S: i32, Kp: i32): void {
  const rowBytes = (<usize>S) << 3;
  const kpBytes = (<usize>Kp) << 3;
  for (let r = 0; r < B; r += 4) {
    const x0 = x + <usize>r * rowBytes;
    const x1 = x0 + rowBytes;
    const x2 = x1 + rowBytes;
    const x3 = x2 + rowBytes;
    for (let k = 0; k < Kp; k += 6) {
      let a00 = f64x2.splat(0);
      let a01 = f64x2.splat(0);
      let a02 = f64x2.splat(0);
      let a10 = f64x2.splat(0);
      let a11 = f64x2.splat(0);
      let a12 = f64x2.splat(0);
      let a20 = f64x2.splat(0);
      let a21 = f64x2.splat(0);
      let a22 = f64x2.splat(0);
      let a30 = f64x2.splat(0);
      let a31 = f64x2.splat(0);
      let a32 = f64x2.splat(0);
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
        b = v128.load64_splat(x2 + j);
        a20 = f64x2.add(a20, f64x2.mul(b, w0));
        a21 = f64x2.add(a21, f64x2.mul(b, w1));
        a22 = f64x2.add(a22, f64x2.mul(b, w2));
        b = v128.load64_splat(x3 + j);
        a30 = f64x2.add(a30, f64x2.mul(b, w0));
        a31 = f64x2.add(a31, f64x2.mul(b, w1));
        a32 = f64x2.add(a32, f64x2.mul(b, w2));
      }
      const z0 = z + ((<usize>r * <usize>Kp + <usize>k) << 3);
      const z1 = z0 + kpBytes;
      const z2 = z1 + kpBytes;
      const z3 = z2 + kpBytes;
      v128.store(z0, a00);
      v128.store(z0, a01, 16);
      v128.store(z0, a02, 32);
      v128.store(z1, a10);
      v128.store(z1, a11, 16);
      v128.store(z1, a12, 32);
      v128.store(z2, a20);
      v128.store(z2, a21, 16);
      v128.store(z2, a22, 32);
      v128.store(z3, a30);
      v128.store(z3, a31, 16);
      v128.store(z3, a32, 32);
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
