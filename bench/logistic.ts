/**
 * Logistic-regression fit speed on the 25k bench file with the seed's features (63 unscaled features, 18 classes):
 * milliseconds per evaluation of the multinomial objective (loss + gradient) at all rows and at a CV fold's
 * ~16,400 rows, beside the straightforward row-at-a-time implementation it replaced (and the largest relative
 * difference between the two) and beside the TypeScript fallback kernels, then the seconds of one 1000-iteration
 * fit (no penalty, as in the seed's grid), and of one fitPath run giving both max_iter 500 and 1000.
 *
 *   node --import tsx bench/logistic.ts [fit rows=all, 0 to skip the fit] [csv=../shared/data/hagrid_bench_25k.csv]
 */
import { existsSync } from "node:fs";
import { LogisticRegression, multinomialObjective } from "../src/core/estimators/logistic.js";
import { type Matrix, takeRows } from "../src/core/matrix.js";
import type { Objective } from "../src/core/optim/lbfgs.js";
import { Random } from "../src/core/random.js";
import { loadSeed } from "../test/data.js";
import { BENCH_CSV } from "../test/shared.js";

const fitRowsArg = process.argv[2];
const csv = process.argv[3] ?? BENCH_CSV;
if (!existsSync(csv)) {
  console.error(`bench file not found: ${csv}`);
  process.exit(1);
}

/** The objective as it was before blocking (row at a time, inner loops unrolled by 4), for the speed-up. */
function rowAtATimeObjective(X: Matrix, codes: Int32Array, K: number, l2: number, intercept: boolean): Objective {
  const { rows: n, cols: d, data } = X;
  const stride = d + (intercept ? 1 : 0);
  const z = new Float64Array(K);
  const d4 = d - (d % 4);
  return (w, g) => {
    g.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const xo = i * d;
      const yi = codes[i];
      let max = Number.NEGATIVE_INFINITY;
      let zy = 0;
      for (let k = 0; k < K; k++) {
        const wo = k * stride;
        let s0 = intercept ? w[wo + d] : 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let j = 0; j < d4; j += 4) {
          s0 += w[wo + j] * data[xo + j];
          s1 += w[wo + j + 1] * data[xo + j + 1];
          s2 += w[wo + j + 2] * data[xo + j + 2];
          s3 += w[wo + j + 3] * data[xo + j + 3];
        }
        for (let j = d4; j < d; j++) s0 += w[wo + j] * data[xo + j];
        const s = s0 + s1 + s2 + s3;
        z[k] = s;
        if (k === yi) zy = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let k = 0; k < K; k++) {
        z[k] = Math.exp(z[k] - max);
        sum += z[k];
      }
      loss += max + Math.log(sum) - zy;
      const inv = 1 / sum;
      for (let k = 0; k < K; k++) {
        const r = z[k] * inv - (k === yi ? 1 : 0);
        const wo = k * stride;
        for (let j = 0; j < d4; j += 4) {
          g[wo + j] += r * data[xo + j];
          g[wo + j + 1] += r * data[xo + j + 1];
          g[wo + j + 2] += r * data[xo + j + 2];
          g[wo + j + 3] += r * data[xo + j + 3];
        }
        for (let j = d4; j < d; j++) g[wo + j] += r * data[xo + j];
        if (intercept) g[wo + d] += r;
      }
    }
    for (let p = 0; p < K * stride; p++) {
      if (intercept && p % stride === d) continue;
      loss += 0.5 * l2 * w[p] * w[p];
      g[p] += l2 * w[p];
    }
    return loss;
  };
}

/** Fastest milliseconds per call over `reps` calls, after a warm-up (the minimum: other work shares the cores). */
function timeEval(fn: Objective, w: Float64Array, g: Float64Array, reps: number): number {
  for (let i = 0; i < 5; i++) fn(w, g);
  const t = new Float64Array(reps);
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    fn(w, g);
    t[i] = performance.now() - s;
  }
  t.sort();
  return t[0];
}

const { X, y } = loadSeed(csv);
const K = y.classes.length;
const d = X.cols;
console.log(`data: ${X.rows} rows x ${d} features, ${K} classes`);

// A typical point of a fit: small random weights (the objective's cost does not depend on them).
const rng = new Random(7);
const w = new Float64Array(K * (d + 1)).map(() => 0.05 * rng.normal());
const f = (v: number, digits = 1) => v.toFixed(digits);
console.log(`\nrows      wasm ms   TS-kernels ms   before ms   speed-up   GFLOP/s   max rel diff (loss, grad)`);
for (const n of [X.rows, Math.min(X.rows, 16_400)]) {
  const Xn =
    n === X.rows
      ? X
      : takeRows(
          X,
          Array.from({ length: n }, (_, i) => i),
        );
  const codes = y.codes.subarray(0, n);
  const fast = multinomialObjective(Xn, codes, K, 0, true);
  const ts = multinomialObjective(Xn, codes, K, 0, true, "js");
  const slow = rowAtATimeObjective(Xn, codes, K, 0, true);
  const gf = new Float64Array(w.length);
  const gs = new Float64Array(w.length);
  const lf = fast(w, gf);
  const ls = slow(w, gs);
  let gRel = 0;
  let gScale = 0;
  for (let p = 0; p < w.length; p++) gScale = Math.max(gScale, Math.abs(gs[p]));
  for (let p = 0; p < w.length; p++) gRel = Math.max(gRel, Math.abs(gf[p] - gs[p]) / gScale);
  const msFast = timeEval(fast, w, gf, 30);
  const msTs = timeEval(ts, w, gf, 10);
  const msSlow = timeEval(slow, w, gs, 10);
  const gflops = (4 * n * K * d) / (msFast * 1e6); // logits and gradient: 2 multiply-adds per row, class, feature
  console.log(
    `${String(n).padEnd(9)} ${f(msFast, 2).padStart(7)} ${f(msTs, 2).padStart(15)} ${f(msSlow, 2).padStart(11)} ${f(msSlow / msFast, 2).padStart(9)}x ${f(gflops, 2).padStart(9)}   ${(Math.abs(lf - ls) / Math.abs(ls)).toExponential(1)}, ${gRel.toExponential(1)}`,
  );
}

const fitRows = fitRowsArg === undefined ? X.rows : Math.min(X.rows, Number(fitRowsArg));
if (fitRows > 0) {
  const Xf =
    fitRows === X.rows
      ? X
      : takeRows(
          X,
          Array.from({ length: fitRows }, (_, i) => i),
        );
  const yf = { codes: y.codes.subarray(0, fitRows), classes: y.classes };
  const t0 = performance.now();
  const m = new LogisticRegression({ penalty: "none", max_iter: 1000 }).fit(Xf, yf);
  const s = (performance.now() - t0) / 1000;
  console.log(
    `\nfit, ${fitRows} rows, penalty none, max_iter 1000: ${f(s, 2)} s (${m.nIter} iterations, converged ${m.converged})`,
  );
  const t1 = performance.now();
  const path = new LogisticRegression({ penalty: "none" }).fitPath(Xf, yf, [500, 1000]);
  const same = JSON.stringify(path[1].toJSON()) === JSON.stringify(m.toJSON());
  console.log(
    `fitPath [500, 1000]: ${f((performance.now() - t1) / 1000, 2)} s (the 1000 model identical to the fit's: ${same})`,
  );
}
