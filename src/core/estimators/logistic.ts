import { HandgestureError, ModelFormatError, NotFittedError } from "../errors.js";
import { BaseClassifier, checkFitInput, type EstimatorJSON } from "../estimator.js";
import type { Labels } from "../labels.js";
import type { Matrix } from "../matrix.js";
import { lbfgs, type Objective } from "../optim/lbfgs.js";
import { type ParamSpecs, type ParamValue, resolveParams } from "../params.js";
import { LOGISTIC_KERNEL_WASM } from "./logistic-kernel.wasm.js";

export type LogisticParams = {
  C: number;
  penalty: "l2" | "none";
  max_iter: number;
  tol: number;
  fit_intercept: boolean;
};

interface LogisticState {
  classes: string[];
  nFeatures: number;
  /** classes x features, row per class. */
  coef: number[][];
  intercept: number[];
  nIter: number;
  converged: boolean;
}

/** Rows per block: a block's features, logits and residuals stay in cache between its two matrix products. */
const ROW_BLOCK = 64;
/** Classes are padded to a multiple of this and features (with the intercept's column of ones) to a multiple of 4. */
const CLASS_TILE = 6;
const FEATURE_TILE = 4;

/** Which implementation of the objective's kernels to use; both give bit-identical results. */
export type ObjectiveBackend = "auto" | "wasm" | "js";

/**
 * The kernels of the objective over one block of rows, on a shared padded layout:
 * X (rows x S, with the intercept's column of ones), Y (the rows' class codes), Wt (S x Kp, the weights
 * transposed), Z (B x Kp: logits, then residuals), A (3 x B: per row the max logit, the sum of exponentials and the
 * true class's logit), G (Kp x S, the gradient). Both implementations do the same floating-point operations in the
 * same order (each product's element a left-to-right sum; the softmax as in `softmaxRows`), so they agree bit for bit.
 */
interface Kernels {
  readonly X: Float64Array;
  readonly Y: Int32Array;
  readonly Wt: Float64Array;
  readonly Z: Float64Array;
  readonly A: Float64Array;
  readonly G: Float64Array;
  /** Z = X[b0 .. b0+B) Wt. */
  logits(b0: number): void;
  /** Z's first `end` rows: logits to residuals, with A; the other rows zeroed. Returns loss + the rows' losses. */
  softmax(b0: number, end: number, loss: number): number;
  /** G += Z^T X[b0 .. b0+B), the block's sum formed first. */
  gradient(b0: number): void;
}

interface KernelExports {
  logits(x: number, wt: number, z: number, B: number, S: number, Kp: number): void;
  softmax(z: number, codes: number, aux: number, end: number, B: number, K: number, Kp: number, loss: number): number;
  gradient(x: number, r: number, g: number, B: number, S: number, Kp: number): void;
  exp(x: number): number;
  log(x: number): number;
}

// exp and log for the softmax, exactly as the WebAssembly kernel's: see wasm/logistic-kernel.ts.
const EXP_MIN = -746;
const INV_LN2 = Math.LOG2E; // 1 / ln 2
const ROUND_SHIFT = 6755399441055744; // 1.5 * 2^52
const LN2_HI = 6.9314718036912382e-1;
const LN2_LO = 1.9082149292705877e-10;
const P1 = 1.6666666666666602e-1;
const P2 = -2.7777777777015593e-3;
const P3 = 6.6137563214379344e-5;
const P4 = -1.6533902205465252e-6;
const P5 = 4.1381367970572385e-8;
/** POW2[j + POW2_OFFSET] = 2^j, exactly, for |j| <= POW2_OFFSET. */
const POW2_OFFSET = 540;
const POW2 = (() => {
  const t = new Float64Array(2 * POW2_OFFSET + 1);
  for (let j = 0, up = 1, down = 1; j <= POW2_OFFSET; j++, up *= 2, down /= 2) {
    t[POW2_OFFSET + j] = up;
    t[POW2_OFFSET - j] = down;
  }
  return t;
})();

/**
 * exp(x) for x <= 0 (valid up to 709), as the softmax computes it in both kernels: fdlibm's algorithm (error below
 * 1 ulp) with 2^k applied in two halves, so results below 2^-1022 round once into the subnormals and arguments at
 * or below -746 (-Infinity too) give exactly 0; NaN gives NaN. Bit for bit the WebAssembly kernel's f64x2 exp.
 */
export function softmaxExp(x0: number): number {
  const x = Math.max(x0, EXP_MIN); // as f64x2.pmax(x0, EXP_MIN) for every x0, NaN (kept) and -0 included
  const kd = x * INV_LN2 + ROUND_SHIFT; // k = x / ln2 rounded to nearest, in the low bits
  const k = kd - ROUND_SHIFT;
  const hi = x - k * LN2_HI; // exact
  const lo = k * LN2_LO;
  const r = hi - lo;
  const t = r * r;
  const c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  const y = 1 - (lo - (r * c) / (2 - c) - hi);
  const ki = k | 0;
  const k1 = ki >> 1;
  return y * POW2[k1 + POW2_OFFSET] * POW2[ki - k1 + POW2_OFFSET];
}

const LG1 = 6.666666666666735e-1;
const LG2 = 3.999999999940942e-1;
const LG3 = 2.857142874366239e-1;
const LG4 = 2.2222198432149784e-1;
const LG5 = 1.818357216161805e-1;
const LG6 = 1.5313837699209373e-1;
const LG7 = 1.4798198605116586e-1;
/** One float64 and its two 32-bit halves (HI indexes the high half on this platform's byte order). */
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HI = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 1 : 0;

/**
 * log(x) for positive normal x, as the softmax computes it in both kernels: fdlibm's algorithm (error below 1 ulp;
 * both final forms kept, selected by fdlibm's test, its shortcut near powers of 2 left out). NaN gives NaN; zero,
 * negative, infinite and subnormal x are outside its domain. Bit for bit the WebAssembly kernel's f64x2 log.
 */
export function softmaxLog(x: number): number {
  F64[0] = x;
  const hx = U32[HI];
  const hm = hx & 0xfffff;
  const i = (hm + 0x95f64) & 0x100000; // 1 + f >= sqrt(2): take half of it
  U32[HI] = hm | (i ^ 0x3ff00000);
  const k = (hx >>> 20) - 1023 + (i >>> 20);
  const f = F64[0] - 1;
  const s = f / (2 + f);
  const z = s * s;
  const w = z * z;
  const R = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7))) + w * (LG2 + w * (LG4 + w * LG6));
  let r: number;
  if (((hm - 0x6147a) | (0x6b851 - hm)) > 0) {
    const hfsq = 0.5 * f * f;
    r = k * LN2_HI - (hfsq - (s * (hfsq + R) + k * LN2_LO) - f);
  } else {
    r = k * LN2_HI - (s * (f - R) - k * LN2_LO - f);
  }
  return r + (x - x);
}

/** The WebAssembly kernel's exp and log of one argument (for tests), or null where it is not available. */
export function wasmSoftmaxFunctions(): { exp(x: number): number; log(x: number): number } | null {
  testKernel ??= wasmKernels(ROW_BLOCK, FEATURE_TILE, CLASS_TILE);
  return testKernel;
}
let testKernel: { exp(x: number): number; log(x: number): number } | null | undefined;

/**
 * Softmax, residuals and loss terms of rows [0, end) of Z (B x Kp) in place, the true classes in Y from y0:
 * m = max_k z_k, e_k = softmaxExp(z_k - m), s = sum_k e_k; then Z[r][k] = e_k * (1 / s) - [k = y] (padding classes
 * 0) and A[r], A[B + r], A[2B + r] = m, s, z_y. Rows end .. B are zeroed. Classes go in pairs, as two SIMD lanes in
 * the WebAssembly kernel: the max and the sum are kept separately over even and odd classes and combined at the end,
 * an odd last class joining last. Then the rows' losses m + softmaxLog(s) - z_y are added to `loss` one after
 * another (two rows per SIMD vector there), and the sum returned.
 */
function softmaxRows(
  Z: Float64Array,
  Y: Int32Array,
  y0: number,
  A: Float64Array,
  end: number,
  K: number,
  Kp: number,
  loss: number,
): number {
  const B = A.length / 3;
  const pairs = K - (K & 1);
  for (let r = 0; r < end; r++) {
    const zo = r * Kp;
    let m: number;
    if (pairs > 0) {
      let m0 = Z[zo];
      let m1 = Z[zo + 1];
      for (let k = 2; k < pairs; k += 2) {
        // as f64x2.pmax, not Math.max: a NaN logit is passed over here, but its exp is NaN, and so are s and the loss
        // biome-ignore lint/complexity/useMathMinMax: the kernel's pmax, exactly
        m0 = m0 < Z[zo + k] ? Z[zo + k] : m0;
        // biome-ignore lint/complexity/useMathMinMax: the kernel's pmax, exactly
        m1 = m1 < Z[zo + k + 1] ? Z[zo + k + 1] : m1;
      }
      m = Math.max(m0, m1);
      if (pairs < K) m = Math.max(m, Z[zo + pairs]);
    } else {
      m = Z[zo];
    }
    const y = Y[y0 + r];
    const zy = Z[zo + y];
    let s0 = 0;
    let s1 = 0;
    for (let k = 0; k < pairs; k += 2) {
      const e0 = softmaxExp(Z[zo + k] - m);
      const e1 = softmaxExp(Z[zo + k + 1] - m);
      Z[zo + k] = e0;
      Z[zo + k + 1] = e1;
      s0 += e0;
      s1 += e1;
    }
    let s = s0 + s1;
    let et = 0;
    if (pairs < K) {
      et = softmaxExp(Z[zo + pairs] - m);
      s += et;
    }
    const inv = 1 / s;
    for (let k = 0; k < pairs; k++) Z[zo + k] *= inv; // d loss_i / d z_k = p_k - [k = y_i]
    if (pairs < K) Z[zo + pairs] = et * inv;
    for (let k = K; k < Kp; k++) Z[zo + k] = 0;
    Z[zo + y] -= 1;
    A[r] = m;
    A[B + r] = s;
    A[2 * B + r] = zy;
  }
  Z.fill(0, end * Kp);
  for (let r = 0; r < end; r++) loss += A[r] + softmaxLog(A[B + r]) - A[2 * B + r];
  return loss;
}

let wasmModule: WebAssembly.Module | null | undefined;

/** The compiled kernel module, or null where WebAssembly (with SIMD) is not available. */
function kernelModule(): WebAssembly.Module | null {
  if (wasmModule !== undefined) return wasmModule;
  wasmModule = null;
  if (typeof WebAssembly === "object") {
    const hex = LOGISTIC_KERNEL_WASM;
    const bytes = new Uint8Array(hex.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    try {
      if (WebAssembly.validate(bytes)) wasmModule = new WebAssembly.Module(bytes);
    } catch {
      // no SIMD, or compilation refused: the TypeScript kernels do the same sums
    }
  }
  return wasmModule;
}

function wasmKernels(
  rows: number,
  S: number,
  Kp: number,
  K = Kp,
): (Kernels & { exp(x: number): number; log(x: number): number }) | null {
  const mod = kernelModule();
  if (!mod) return null;
  const B = ROW_BLOCK;
  // float64 arrays X, Wt, Z, G, A, then the int32 codes
  const sizes = [rows * S, S * Kp, B * Kp, Kp * S, 3 * B, rows / 2];
  const bytes = sizes.reduce((a, b) => a + b, 0) * 8;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
  } catch {
    return null; // too large for a 32-bit memory: fall back
  }
  const k = new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as KernelExports;
  const offsets = [0];
  for (const size of sizes) offsets.push(offsets[offsets.length - 1] + size * 8);
  const view = (i: number) => new Float64Array(memory.buffer, offsets[i], sizes[i]);
  const [xp, wp, zp, gp, ap, yp] = offsets;
  const rowBytes = S * 8;
  return {
    X: view(0),
    Y: new Int32Array(memory.buffer, yp, rows),
    Wt: view(1),
    Z: view(2),
    A: view(4),
    G: view(3),
    logits: (b0) => k.logits(xp + b0 * rowBytes, wp, zp, B, S, Kp),
    softmax: (b0, end, loss) => k.softmax(zp, yp + b0 * 4, ap, end, B, K, Kp, loss),
    gradient: (b0) => k.gradient(xp + b0 * rowBytes, zp, gp, B, S, Kp),
    exp: (x) => k.exp(x),
    log: (x) => k.log(x),
  };
}

/**
 * The same kernels in plain TypeScript: the products register-tiled (4 rows x 3 classes; 3 classes x 4 features;
 * the tiling changes no element's order of summation), the softmax by `softmaxRows`.
 */
function jsKernels(rows: number, S: number, Kp: number, K: number): Kernels {
  const B = ROW_BLOCK;
  const X = new Float64Array(rows * S);
  const Y = new Int32Array(rows);
  const Wt = new Float64Array(S * Kp);
  const Z = new Float64Array(B * Kp);
  const A = new Float64Array(3 * B);
  const G = new Float64Array(Kp * S);
  return {
    X,
    Y,
    Wt,
    Z,
    A,
    G,
    softmax(b0, end, loss) {
      return softmaxRows(Z, Y, b0, A, end, K, Kp, loss);
    },
    logits(b0) {
      for (let r = 0; r < B; r += 4) {
        const x0 = (b0 + r) * S;
        const x1 = x0 + S;
        const x2 = x1 + S;
        const x3 = x2 + S;
        for (let k = 0; k < Kp; k += 3) {
          let s00 = 0;
          let s01 = 0;
          let s02 = 0;
          let s10 = 0;
          let s11 = 0;
          let s12 = 0;
          let s20 = 0;
          let s21 = 0;
          let s22 = 0;
          let s30 = 0;
          let s31 = 0;
          let s32 = 0;
          for (let j = 0, wo = k; j < S; j++, wo += Kp) {
            const c0 = Wt[wo];
            const c1 = Wt[wo + 1];
            const c2 = Wt[wo + 2];
            const a0 = X[x0 + j];
            s00 += a0 * c0;
            s01 += a0 * c1;
            s02 += a0 * c2;
            const a1 = X[x1 + j];
            s10 += a1 * c0;
            s11 += a1 * c1;
            s12 += a1 * c2;
            const a2 = X[x2 + j];
            s20 += a2 * c0;
            s21 += a2 * c1;
            s22 += a2 * c2;
            const a3 = X[x3 + j];
            s30 += a3 * c0;
            s31 += a3 * c1;
            s32 += a3 * c2;
          }
          const z0 = r * Kp + k;
          Z[z0] = s00;
          Z[z0 + 1] = s01;
          Z[z0 + 2] = s02;
          Z[z0 + Kp] = s10;
          Z[z0 + Kp + 1] = s11;
          Z[z0 + Kp + 2] = s12;
          Z[z0 + 2 * Kp] = s20;
          Z[z0 + 2 * Kp + 1] = s21;
          Z[z0 + 2 * Kp + 2] = s22;
          Z[z0 + 3 * Kp] = s30;
          Z[z0 + 3 * Kp + 1] = s31;
          Z[z0 + 3 * Kp + 2] = s32;
        }
      }
    },
    gradient(b0) {
      for (let k = 0; k < Kp; k += 3) {
        for (let j = 0; j < S; j += 4) {
          let s00 = 0;
          let s01 = 0;
          let s02 = 0;
          let s03 = 0;
          let s10 = 0;
          let s11 = 0;
          let s12 = 0;
          let s13 = 0;
          let s20 = 0;
          let s21 = 0;
          let s22 = 0;
          let s23 = 0;
          for (let r = 0, xo = b0 * S + j, zo = k; r < B; r++, xo += S, zo += Kp) {
            const a0 = X[xo];
            const a1 = X[xo + 1];
            const a2 = X[xo + 2];
            const a3 = X[xo + 3];
            const c0 = Z[zo];
            s00 += c0 * a0;
            s01 += c0 * a1;
            s02 += c0 * a2;
            s03 += c0 * a3;
            const c1 = Z[zo + 1];
            s10 += c1 * a0;
            s11 += c1 * a1;
            s12 += c1 * a2;
            s13 += c1 * a3;
            const c2 = Z[zo + 2];
            s20 += c2 * a0;
            s21 += c2 * a1;
            s22 += c2 * a2;
            s23 += c2 * a3;
          }
          const g0 = k * S + j;
          const g1 = g0 + S;
          const g2 = g1 + S;
          G[g0] += s00;
          G[g0 + 1] += s01;
          G[g0 + 2] += s02;
          G[g0 + 3] += s03;
          G[g1] += s10;
          G[g1 + 1] += s11;
          G[g1 + 2] += s12;
          G[g1 + 3] += s13;
          G[g2] += s20;
          G[g2 + 1] += s21;
          G[g2 + 2] += s22;
          G[g2 + 3] += s23;
        }
      }
    },
  };
}

/**
 * The multinomial objective scikit-learn 1.2's lbfgs solver minimises, with its scaling:
 *   sum_i logloss_i + 0.5 * l2 * ||W||^2   (l2 = 1/C, or 0 without penalty; intercepts not penalised).
 * Same minimiser as C * sum_i logloss_i + 0.5 * ||W||^2, but this scaling makes `tol` (a bound on the gradient's
 * max-abs) mean what it means in scikit-learn. Parameters: one row per class, [w_1..w_d, b] (b only with an
 * intercept). Softmax through a stable log-sum-exp (the row's max logit subtracted first).
 *
 * Nearly all of a fit's time is spent here, so it runs as blocked matrix products: per block of 64 rows, the
 * logits Z = X_b W^T, then the softmax row by row (residuals R = P - Y in place, with an exp of its own:
 * `softmaxExp`), the rows' losses m + log(s) - z_y, then G += R^T X_b. The products and the softmax run in a
 * WebAssembly SIMD module (logistic-kernel.wasm.ts) where available, else in register-tiled TypeScript that does
 * the same operations in the same order (`backend` forces one; results are bit-identical either way).
 * X is copied once into a padded layout (a column of ones for the intercept; rows, classes and columns padded
 * with zeros); nothing is allocated per evaluation.
 */
export function multinomialObjective(
  X: Matrix,
  codes: Int32Array,
  nClasses: number,
  l2: number,
  fitIntercept: boolean,
  backend: ObjectiveBackend = "auto",
): Objective {
  const { rows: n, cols: d, data } = X;
  const K = nClasses;
  const stride = d + (fitIntercept ? 1 : 0);
  const S = Math.ceil(stride / FEATURE_TILE) * FEATURE_TILE;
  const Kp = Math.ceil(K / CLASS_TILE) * CLASS_TILE;
  const B = ROW_BLOCK;
  const rows = Math.ceil(n / B) * B;
  const wasm = backend === "js" ? null : wasmKernels(rows, S, Kp, K);
  if (!wasm && backend === "wasm") {
    throw new HandgestureError("LogisticRegression: WebAssembly SIMD is not available here", "INVALID_DATA");
  }
  const kernels = wasm ?? jsKernels(rows, S, Kp, K);
  const { X: Xp, Y, Wt, G } = kernels;
  Y.set(codes.subarray(0, n));
  for (let i = 0; i < n; i++) {
    Xp.set(data.subarray(i * d, (i + 1) * d), i * S);
    if (fitIntercept) Xp[i * S + d] = 1;
  }
  return (w, g) => {
    for (let k = 0; k < K; k++) for (let j = 0; j < stride; j++) Wt[j * Kp + k] = w[k * stride + j];
    G.fill(0);
    let loss = 0;
    for (let b0 = 0; b0 < rows; b0 += B) {
      kernels.logits(b0);
      const end = Math.min(B, n - b0);
      loss = kernels.softmax(b0, end, loss);
      kernels.gradient(b0);
    }
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < stride; j++) g[k * stride + j] = G[k * S + j];
    }
    if (l2 > 0) {
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < d; j++) {
          const v = w[k * stride + j];
          loss += 0.5 * l2 * v * v;
          g[k * stride + j] += l2 * v;
        }
      }
    }
    return loss;
  };
}

/**
 * Logistic regression with the softmax (multinomial) loss, fitted by L-BFGS from zero, like scikit-learn's
 * LogisticRegression(solver="lbfgs"). Features are used as given (no internal scaling, as scikit-learn).
 * With two classes scikit-learn fits a binary logistic model instead; a 2-class softmax with C/2 has exactly
 * that model's optimum (W = [-w/2, w/2] gives half the penalty), so we fit with C/2 and match it.
 */
export class LogisticRegression extends BaseClassifier {
  static readonly specs: ParamSpecs = {
    C: { type: "float", default: 1, min: Number.MIN_VALUE, help: "inverse of regularisation strength" },
    penalty: { type: "enum", values: ["l2", "none"], default: "l2", help: "l2 penalty on the weights, or none" },
    max_iter: { type: "int", default: 100, min: 1, help: "L-BFGS iteration limit" },
    tol: { type: "float", default: 1e-4, min: Number.MIN_VALUE, help: "stop when the gradient's max-abs is below" },
    fit_intercept: { type: "bool", default: true, help: "learn a bias per class" },
  };
  readonly type = "LogisticRegression";
  private params: LogisticParams;
  private coef: Float64Array | null = null; // classes x features
  private intercept = new Float64Array(0);
  private nFeatures = 0;
  /** L-BFGS iterations used by the last fit. */
  nIter = 0;
  /** Whether the last fit met a convergence test before max_iter (scikit-learn warns when not). */
  converged = false;

  constructor(params: Readonly<Record<string, ParamValue | undefined>> = {}) {
    super();
    this.params = resolveParams<LogisticParams>("LogisticRegression", LogisticRegression.specs, params);
  }

  getParams(): LogisticParams {
    return { ...this.params };
  }

  setParams(p: Readonly<Record<string, ParamValue | undefined>>): this {
    this.params = resolveParams<LogisticParams>(this.type, LogisticRegression.specs, p, this.params);
    return this;
  }

  fit(X: Matrix, y: Labels): this {
    this.solve(X, y, [this]);
    return this;
  }

  /**
   * One L-BFGS run for several iteration limits: for each of `maxIters`, the model a separate `fit` with that
   * `max_iter` (and this estimator's other parameters) would give, bit for bit (coef, intercept, nIter,
   * converged). The solver takes the same steps whatever its limit, so the run goes to the largest limit and
   * keeps the iterate at each smaller one. Returns new estimators in the order of `maxIters`; this one is unchanged.
   */
  fitPath(X: Matrix, y: Labels, maxIters: readonly number[]): LogisticRegression[] {
    const models = maxIters.map((m) => new LogisticRegression({ ...this.params, max_iter: m }));
    if (models.length > 0) this.solve(X, y, models);
    return models;
  }

  /** Fits each of `models` (this one's parameters but max_iter) with its own max_iter, from one solver run. */
  private solve(X: Matrix, y: Labels, models: LogisticRegression[]): void {
    checkFitInput(this.type, X, y);
    // Like scikit-learn, model only the classes present: an absent class's unpenalised bias would run off to -inf.
    const counts = new Int32Array(y.classes.length);
    for (const c of y.codes) counts[c]++;
    const present = y.classes.filter((_, c) => counts[c] > 0);
    if (present.length < 2) {
      throw new HandgestureError(
        `${this.type}: needs samples of at least 2 classes, got ${present.length}`,
        "INVALID_DATA",
      );
    }
    const remap = new Int32Array(y.classes.length);
    for (let c = 0, next = 0; c < remap.length; c++) remap[c] = counts[c] > 0 ? next++ : -1;
    const codes = y.codes.map((c) => remap[c]);
    const K = present.length;
    const d = X.cols;
    const { C, penalty, tol, fit_intercept } = this.params;
    const l2 = penalty === "none" ? 0 : 1 / (K === 2 ? C / 2 : C);
    const fn = multinomialObjective(X, codes, K, l2, fit_intercept);
    const stride = d + (fit_intercept ? 1 : 0);
    const maxIters = models.map((m) => m.params.max_iter);
    const maxIter = Math.max(...maxIters);
    const run = lbfgs(fn, new Float64Array(K * stride), {
      maxIter,
      gtol: tol,
      ...(maxIters.length > 1 || maxIters[0] !== maxIter ? { snapshots: maxIters } : {}),
    });
    const results = run.snapshots ?? [run];
    results.forEach((r, i) => {
      if (!Number.isFinite(r.f))
        throw new HandgestureError(`${this.type}: the loss diverged (non-finite)`, "INVALID_DATA");
      const m = models[i];
      m.coef = new Float64Array(K * d);
      m.intercept = new Float64Array(K);
      for (let k = 0; k < K; k++) {
        m.coef.set(r.x.subarray(k * stride, k * stride + d), k * d);
        if (fit_intercept) m.intercept[k] = r.x[k * stride + d];
      }
      m.nFeatures = d;
      m.nIter = r.nIter;
      m.converged = r.converged;
      m.classes_ = [...present];
    });
  }

  predictProbaRow(x: Float64Array, out: Float64Array): void {
    const W = this.coef;
    if (!W) throw new NotFittedError(this.type);
    const d = this.nFeatures;
    if (x.length !== d) {
      throw new HandgestureError(`${this.type}: expected ${d} features, got ${x.length}`, "INVALID_DATA");
    }
    const K = this.intercept.length;
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) {
      let s = this.intercept[k];
      for (let j = 0; j < d; j++) s += W[k * d + j] * x[j];
      out[k] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let k = 0; k < K; k++) {
      out[k] = Math.exp(out[k] - max);
      sum += out[k];
    }
    for (let k = 0; k < K; k++) out[k] /= sum;
  }

  /** Weights, one row per class (copy). */
  get coefficients(): Matrix {
    if (!this.coef) throw new NotFittedError(this.type);
    return { rows: this.intercept.length, cols: this.nFeatures, data: this.coef.slice() };
  }

  get intercepts(): Float64Array {
    if (!this.coef) throw new NotFittedError(this.type);
    return this.intercept.slice();
  }

  toJSON(): EstimatorJSON {
    const W = this.coef;
    if (!W) throw new NotFittedError(this.type);
    const d = this.nFeatures;
    const state: LogisticState = {
      classes: [...this.classes],
      nFeatures: d,
      coef: Array.from(this.intercept, (_, k) => Array.from(W.subarray(k * d, (k + 1) * d))),
      intercept: Array.from(this.intercept),
      nIter: this.nIter,
      converged: this.converged,
    };
    return { type: this.type, params: this.getParams(), state };
  }

  static fromJSON(json: EstimatorJSON): LogisticRegression {
    if (json.type !== "LogisticRegression") {
      throw new ModelFormatError(`expected a LogisticRegression, got ${JSON.stringify(json.type)}`);
    }
    const m = new LogisticRegression(json.params);
    const s = json.state as Partial<LogisticState> | null;
    const K = s && Array.isArray(s.classes) ? s.classes.length : 0;
    const d = Number(s?.nFeatures);
    const ok =
      s &&
      K >= 2 &&
      Number.isInteger(d) &&
      Array.isArray(s.coef) &&
      Array.isArray(s.intercept) &&
      s.coef.length === K &&
      s.intercept.length === K &&
      s.coef.every((r) => Array.isArray(r) && r.length === d && r.every(Number.isFinite)) &&
      s.intercept.every(Number.isFinite);
    if (!ok || !s?.coef || !s.intercept || !s.classes) {
      throw new ModelFormatError(`LogisticRegression: state needs classes, coef (classes x features) and intercept`);
    }
    m.coef = Float64Array.from(s.coef.flat());
    m.intercept = Float64Array.from(s.intercept);
    m.nFeatures = d;
    m.nIter = Number(s.nIter ?? 0);
    m.converged = Boolean(s.converged);
    m.classes_ = [...s.classes];
    return m;
  }
}
