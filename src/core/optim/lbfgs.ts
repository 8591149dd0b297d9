/**
 * Limited-memory BFGS for smooth unconstrained minimisation, with a strong-Wolfe line search (Nocedal & Wright,
 * algorithms 3.5/3.6, cubic interpolation). Stopping rules follow scipy's L-BFGS-B as scikit-learn uses it:
 * max-abs gradient <= gtol ("pgtol"), relative reduction of f <= ftol (factr * eps), or maxIter iterations.
 * Deterministic; the work vectors are allocated once per run.
 */

/** Writes the gradient at x into grad and returns f(x). */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** Iteration limit (scipy's maxiter). Default 100. */
  maxIter?: number;
  /** Stop when max |grad_i| <= gtol. Default 1e-5. */
  gtol?: number;
  /** Stop when (f_old - f) <= ftol * max(|f_old|, |f|, 1). Default scipy's factr 1e7 times machine epsilon. */
  ftol?: number;
  /** Number of correction pairs kept. Default 10. */
  history?: number;
  /** Function evaluations allowed per line search. Default 20 (scipy's maxls). */
  maxLineSearch?: number;
  /**
   * Iteration limits to report on the way: for each, the result a run with that `maxIter` would return (the
   * solver takes the same steps whatever its limit), in `LbfgsResult.snapshots`, in the same order. Limits above
   * `maxIter` get the final result.
   */
  snapshots?: readonly number[];
}

export type LbfgsStop = "gtol" | "ftol" | "max_iter" | "line_search";

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  grad: Float64Array;
  nIter: number;
  nEval: number;
  /** True when a convergence test (gtol or ftol) stopped the run, as scipy's status 0. */
  converged: boolean;
  reason: LbfgsStop;
  /** With `options.snapshots`: one result per requested limit (copies, each without snapshots of its own). */
  snapshots?: LbfgsResult[];
}

const C1 = 1e-4; // sufficient decrease
const C2 = 0.9; // curvature (the usual quasi-Newton choice)

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m || Number.isNaN(v)) m = v;
  }
  return m;
}

/** Minimiser of the cubic through (a, fa, da), (b, fb, db); NaN when it does not exist. */
function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  if (!(disc >= 0)) return Number.NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - ((b - a) * (db + d2 - d1)) / (db - da + 2 * d2);
}

export function lbfgs(fn: Objective, x0: ArrayLike<number>, options: LbfgsOptions = {}): LbfgsResult {
  const maxIter = options.maxIter ?? 100;
  const gtol = options.gtol ?? 1e-5;
  const ftol = options.ftol ?? 1e7 * Number.EPSILON;
  const m = options.history ?? 10;
  const maxLs = options.maxLineSearch ?? 20;
  const n = x0.length;

  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  const d = new Float64Array(n);
  const S = Array.from({ length: m }, () => new Float64Array(n));
  const Y = Array.from({ length: m }, () => new Float64Array(n));
  const rho = new Float64Array(m);
  const alpha = new Float64Array(m);
  let count = 0; // stored pairs
  let head = 0; // slot for the next pair
  let nEval = 1;
  let f = fn(x, g);
  let nIter = 0;
  let reason: LbfgsStop = "max_iter";
  const snapshotAt = options.snapshots ?? [];
  const snapshots: (LbfgsResult | undefined)[] = snapshotAt.map(() => undefined);
  const result = (): LbfgsResult => ({
    x: Float64Array.from(x),
    f,
    grad: Float64Array.from(g),
    nIter,
    nEval,
    converged: reason === "gtol" || reason === "ftol",
    reason,
  });

  // phi(t) = f(x + t d); leaves the evaluated point in xNew/gNew, its value in lastF, its slope in lastDphi.
  let lastF = f;
  let lastDphi = 0;
  const phi = (t: number): number => {
    for (let i = 0; i < n; i++) xNew[i] = x[i] + t * d[i];
    nEval++;
    lastF = fn(xNew, gNew);
    lastDphi = dot(gNew, d);
    return lastF;
  };

  /** Strong-Wolfe step; returns the accepted step (point left in xNew/gNew) or 0 on failure. */
  const lineSearch = (t0: number, f0: number, dphi0: number): number => {
    let tPrev = 0;
    let fPrev = f0;
    let dPrev = dphi0;
    let t = t0;
    let lo = 0;
    let flo = f0;
    let dlo = dphi0;
    let hi = 0;
    let fhi = f0;
    let dhi = dphi0;
    let evals = 0;
    let bracketed = false;
    while (evals < maxLs && !bracketed) {
      const ft = phi(t);
      const dt = lastDphi;
      evals++;
      if (!Number.isFinite(ft) || ft > f0 + C1 * t * dphi0 || (evals > 1 && ft >= fPrev)) {
        [lo, flo, dlo, hi, fhi, dhi] = [tPrev, fPrev, dPrev, t, ft, dt];
        bracketed = true;
      } else if (Math.abs(dt) <= -C2 * dphi0) {
        return t;
      } else if (dt >= 0) {
        [lo, flo, dlo, hi, fhi, dhi] = [t, ft, dt, tPrev, fPrev, dPrev];
        bracketed = true;
      } else {
        tPrev = t;
        fPrev = ft;
        dPrev = dt;
        t *= 4; // expand until the minimum along d is bracketed
      }
    }
    // Zoom: shrink [lo, hi] keeping lo the best point that satisfies sufficient decrease.
    while (bracketed && evals < maxLs) {
      const width = hi - lo;
      let tc = Number.isFinite(fhi) ? cubicMin(lo, flo, dlo, hi, fhi, dhi) : Number.NaN;
      const a = Math.min(lo, hi);
      const b = Math.max(lo, hi);
      const guard = 0.1 * Math.abs(width);
      if (!(tc > a + guard && tc < b - guard)) tc = lo + 0.5 * width; // safeguard: bisect
      const ft = phi(tc);
      const dt = lastDphi;
      evals++;
      if (!Number.isFinite(ft) || ft > f0 + C1 * tc * dphi0 || ft >= flo) {
        [hi, fhi, dhi] = [tc, ft, dt];
      } else {
        if (Math.abs(dt) <= -C2 * dphi0) return tc;
        if (dt * (hi - lo) >= 0) [hi, fhi, dhi] = [lo, flo, dlo];
        [lo, flo, dlo] = [tc, ft, dt];
      }
      if (Math.abs(hi - lo) <= 1e-16 * Math.max(1, Math.abs(lo))) break;
    }
    // Out of budget: fall back to the best Armijo point seen (the curvature update is skipped if it is poor).
    const best = bracketed ? lo : tPrev;
    if (best > 0 && (bracketed ? flo : fPrev) < f0) {
      phi(best);
      return best;
    }
    return 0;
  };

  if (!(maxAbs(g) <= gtol)) {
    while (nIter < maxIter) {
      // Still running after nIter iterations: what a run limited to nIter returns ("max_iter").
      for (let s = 0; s < snapshotAt.length; s++) {
        if (snapshotAt[s] === nIter && !snapshots[s]) snapshots[s] = result();
      }
      // Two-loop recursion: d = -H g.
      for (let i = 0; i < n; i++) d[i] = -g[i];
      for (let c = 0, k = (head - 1 + m) % m; c < count; c++, k = (k - 1 + m) % m) {
        alpha[k] = rho[k] * dot(S[k], d);
        const yk = Y[k];
        for (let i = 0; i < n; i++) d[i] -= alpha[k] * yk[i];
      }
      if (count > 0) {
        const k = (head - 1 + m) % m;
        const gamma = 1 / (rho[k] * dot(Y[k], Y[k])); // s'y / y'y
        for (let i = 0; i < n; i++) d[i] *= gamma;
      }
      for (let c = 0, k = (head - count + m) % m; c < count; c++, k = (k + 1) % m) {
        const beta = rho[k] * dot(Y[k], d);
        const sk = S[k];
        for (let i = 0; i < n; i++) d[i] += (alpha[k] - beta) * sk[i];
      }
      let dphi0 = dot(g, d);
      if (!(dphi0 < 0)) {
        // Not a descent direction (numerical trouble): restart from steepest descent.
        count = 0;
        for (let i = 0; i < n; i++) d[i] = -g[i];
        dphi0 = dot(g, d);
      }
      // First step after a (re)start is scaled to unit length, as scipy does; later steps try the Newton step.
      const t0 = count === 0 ? Math.min(1, 1 / Math.sqrt(-dphi0)) : 1;
      const t = lineSearch(t0, f, dphi0);
      if (t === 0) {
        if (count > 0) {
          count = 0; // drop the curvature memory and retry once along -g
          continue;
        }
        reason = "line_search";
        break;
      }
      nIter++;
      // Store s = xNew - x, y = gNew - g when the curvature condition holds.
      const sk = S[head];
      const yk = Y[head];
      let sy = 0;
      let yy = 0;
      for (let i = 0; i < n; i++) {
        sk[i] = xNew[i] - x[i];
        yk[i] = gNew[i] - g[i];
        sy += sk[i] * yk[i];
        yy += yk[i] * yk[i];
      }
      if (sy > Number.EPSILON * yy) {
        rho[head] = 1 / sy;
        head = (head + 1) % m;
        count = Math.min(count + 1, m);
      }
      const fOld = f;
      f = lastF;
      [x, xNew] = [xNew, x];
      [g, gNew] = [gNew, g];
      if (maxAbs(g) <= gtol) {
        reason = "gtol";
        break;
      }
      if (fOld - f <= ftol * Math.max(Math.abs(fOld), Math.abs(f), 1)) {
        reason = "ftol";
        break;
      }
    }
  } else {
    reason = "gtol";
  }
  const out: LbfgsResult = { x, f, grad: g, nIter, nEval, converged: reason === "gtol" || reason === "ftol", reason };
  if (options.snapshots) out.snapshots = snapshots.map((r) => r ?? result());
  return out;
}
