import { describe, expect, it } from "vitest";
import { lbfgs } from "./lbfgs.js";

/** Extended Rosenbrock: sum over pairs of 100 (x_{2i+1} - x_{2i}^2)^2 + (1 - x_{2i})^2; minimum 0 at all ones. */
function rosenbrock(x: Float64Array, g: Float64Array): number {
  let f = 0;
  g.fill(0);
  for (let i = 0; i < x.length; i += 2) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    f += 100 * a * a + b * b;
    g[i] += -400 * a * x[i] - 2 * b;
    g[i + 1] += 200 * a;
  }
  return f;
}

describe("lbfgs", () => {
  it("minimises the 2-D Rosenbrock function from (-1.2, 1) to 1e-6", () => {
    const r = lbfgs(rosenbrock, [-1.2, 1], { maxIter: 1000, gtol: 1e-10, ftol: 0 });
    expect(r.converged).toBe(true);
    expect(r.reason).toBe("gtol");
    expect(Math.abs(r.x[0] - 1)).toBeLessThan(1e-6);
    expect(Math.abs(r.x[1] - 1)).toBeLessThan(1e-6);
    expect(r.f).toBeLessThan(1e-12);
    expect(r.nIter).toBeLessThan(100);
  });

  it("minimises a 20-D Rosenbrock function", () => {
    const x0 = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
    const r = lbfgs(rosenbrock, x0, { maxIter: 2000, gtol: 1e-9, ftol: 0 });
    expect(r.converged).toBe(true);
    for (const v of r.x) expect(Math.abs(v - 1)).toBeLessThan(1e-6);
  });

  it("solves an ill-conditioned quadratic and counts iterations and evaluations", () => {
    const diag = [1, 10, 100, 1000, 1e4];
    const quad = (x: Float64Array, g: Float64Array): number => {
      let f = 0;
      for (let i = 0; i < x.length; i++) {
        g[i] = diag[i] * (x[i] - i);
        f += 0.5 * diag[i] * (x[i] - i) ** 2;
      }
      return f;
    };
    const r = lbfgs(quad, new Float64Array(5), { gtol: 1e-8, ftol: 0 });
    expect(r.reason).toBe("gtol");
    for (let i = 0; i < 5; i++) expect(r.x[i]).toBeCloseTo(i, 8);
    expect(r.nEval).toBeGreaterThanOrEqual(r.nIter);
  });

  it("reports max_iter without convergence, and gtol at a stationary start", () => {
    const r = lbfgs(rosenbrock, [-1.2, 1], { maxIter: 3 });
    expect(r).toMatchObject({ nIter: 3, converged: false, reason: "max_iter" });
    const s = lbfgs(rosenbrock, [1, 1]);
    expect(s).toMatchObject({ nIter: 0, converged: true, reason: "gtol", f: 0 });
  });

  it("stops on the relative-reduction test and is deterministic", () => {
    const a = lbfgs(rosenbrock, [-1.2, 1], { maxIter: 1000, gtol: 0, ftol: 1e-6 });
    const b = lbfgs(rosenbrock, [-1.2, 1], { maxIter: 1000, gtol: 0, ftol: 1e-6 });
    expect(a.reason).toBe("ftol");
    expect(a.converged).toBe(true);
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
  });

  it("backs off from steps that land where the objective is not finite", () => {
    // f = 100 (x - 1)^2, undefined beyond 1.02: the first trial step (x = 1.95) gives NaN.
    const fn = (x: Float64Array, g: Float64Array): number => {
      g[0] = 200 * (x[0] - 1);
      return x[0] < 1.02 ? 100 * (x[0] - 1) ** 2 : Number.NaN;
    };
    const r = lbfgs(fn, [0.95], { gtol: 1e-9, ftol: 0 });
    expect(r.reason).toBe("gtol");
    expect(Math.abs(r.x[0] - 1)).toBeLessThan(1e-10);
  });

  it("snapshots: the result of a run limited to each requested iteration count, from one run", () => {
    const x0 = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
    const counts = [0, 5, 1, 20, 5, 5000];
    const run = lbfgs(rosenbrock, x0, { maxIter: 2000, gtol: 1e-9, ftol: 0, snapshots: counts });
    expect(run.reason).toBe("gtol");
    expect(run.snapshots).toHaveLength(counts.length);
    counts.forEach((c, i) => {
      const alone = lbfgs(rosenbrock, x0, { maxIter: c, gtol: 1e-9, ftol: 0 });
      const snap = run.snapshots?.[i];
      expect(snap).toEqual(alone);
    });
    expect(run.snapshots?.[3]).toMatchObject({ nIter: 20, converged: false, reason: "max_iter" });
    expect(run.snapshots?.[5]).toMatchObject({ nIter: run.nIter, reason: "gtol" });
    expect(lbfgs(rosenbrock, x0, { maxIter: 3 }).snapshots).toBeUndefined();
  });

  it("does not modify the starting point", () => {
    const x0 = new Float64Array([-1.2, 1]);
    lbfgs(rosenbrock, x0);
    expect(Array.from(x0)).toEqual([-1.2, 1]);
  });
});
