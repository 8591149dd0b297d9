import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HAND_DIM, MIDDLE_TIP, NUM_LANDMARKS, WRIST } from "../landmarks.js";
import { matrix } from "../matrix.js";
import { HandShapeFeatures, hypot2 } from "./hand-shape.js";
import { LandmarkNormalizer } from "./seed-normalizer.js";
import { StandardScaler } from "./standard-scaler.js";

/** A plausible hand: points spread around a wrist, in pixels, with small z. */
const handArb = fc
  .array(fc.double({ min: -150, max: 150, noNaN: true }), {
    minLength: 2 * NUM_LANDMARKS,
    maxLength: 2 * NUM_LANDMARKS,
  })
  .chain((xy) =>
    fc.tuple(
      fc.constant(xy),
      fc.array(fc.double({ min: -0.2, max: 0.05, noNaN: true }), {
        minLength: NUM_LANDMARKS,
        maxLength: NUM_LANDMARKS,
      }),
    ),
  )
  .map(([xy, z]) => {
    const h = new Float64Array(HAND_DIM);
    for (let i = 0; i < NUM_LANDMARKS; i++) {
      h[3 * i] = 300 + xy[2 * i];
      h[3 * i + 1] = 300 + xy[2 * i + 1];
      h[3 * i + 2] = z[i];
    }
    return h;
  })
  // Keep hands that are hands: reference lengths not degenerate and a palm that is not a straight line (its
  // winding decides the mirror flip, so a collinear palm sits exactly on that boundary).
  .filter((h) => {
    const ix = h[15] - h[0];
    const iy = h[16] - h[1];
    const px = h[51] - h[0];
    const py = h[52] - h[1];
    const palmOk = Math.abs(ix * py - iy * px) > 0.05 * Math.hypot(ix, iy) * Math.hypot(px, py);
    return (
      Math.hypot(h[36] - h[0], h[37] - h[1]) > 5 &&
      Math.hypot(ix, iy) > 5 &&
      Math.hypot(px, py) > 5 &&
      Math.hypot(ix - px, iy - py) > 5 &&
      palmOk
    );
  });

function transformOne(
  t: { transformRow(x: Float64Array, o: Float64Array): void; outputDim(d: number): number },
  h: Float64Array,
) {
  const out = new Float64Array(t.outputDim(HAND_DIM));
  t.transformRow(h, out);
  return out;
}

/** The hand moved by (dx, dy) and scaled by s in x, y; z scaled by sz (a hand s times larger has z s times larger). */
function moved(h: Float64Array, dx: number, dy: number, s: number, sz = 1): Float64Array {
  const g = new Float64Array(h);
  for (let i = 0; i < NUM_LANDMARKS; i++) {
    g[3 * i] = h[3 * i] * s + dx;
    g[3 * i + 1] = h[3 * i + 1] * s + dy;
    g[3 * i + 2] = h[3 * i + 2] * sz;
  }
  return g;
}

function expectClose(a: Float64Array, b: Float64Array, tol: number) {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(a[i])));
}

describe("LandmarkNormalizer (the seed's, exactly)", () => {
  it("recentres x, y on the wrist, divides by the wrist-to-middle-tip distance, leaves z", () => {
    const h = new Float64Array(HAND_DIM);
    for (let i = 0; i < HAND_DIM; i++) h[i] = (i * 7) % 13;
    h[3 * WRIST] = 10;
    h[3 * WRIST + 1] = 20;
    h[3 * MIDDLE_TIP] = 13; // 3-4-5 triangle: distance 5
    h[3 * MIDDLE_TIP + 1] = 24;
    const out = transformOne(new LandmarkNormalizer(), h);
    for (let i = 0; i < NUM_LANDMARKS; i++) {
      expect(out[3 * i]).toBeCloseTo((h[3 * i] - 10) / 5, 12);
      expect(out[3 * i + 1]).toBeCloseTo((h[3 * i + 1] - 20) / 5, 12);
      expect(out[3 * i + 2]).toBe(h[3 * i + 2]);
    }
    expect(out[3 * MIDDLE_TIP]).toBeCloseTo(0.6, 12);
    expect(out[3 * MIDDLE_TIP + 1]).toBeCloseTo(0.8, 12);
  });

  it("is invariant to translation and scale of the hand (property)", () => {
    fc.assert(
      fc.property(
        handArb,
        fc.double({ min: -500, max: 500, noNaN: true }),
        fc.double({ min: -500, max: 500, noNaN: true }),
        fc.double({ min: 0.2, max: 5, noNaN: true }),
        (h, dx, dy, s) => {
          expectClose(
            transformOne(new LandmarkNormalizer(), moved(h, dx, dy, s)),
            transformOne(new LandmarkNormalizer(), h),
            1e-7,
          );
        },
      ),
    );
  });

  it("gives finite zeros for a degenerate hand instead of NaN", () => {
    const out = transformOne(new LandmarkNormalizer(), new Float64Array(HAND_DIM).fill(3));
    expect(out.every((v, i) => (i % 3 === 2 ? v === 3 : v === 0))).toBe(true);
  });

  it("refuses input that is not 63 landmark columns", () => {
    expect(() => new LandmarkNormalizer().outputDim(42)).toThrow(/63 landmark columns/);
  });
});

describe("HandShapeFeatures", () => {
  const f = new HandShapeFeatures();

  it("has 42 coordinates + 21 depths + 60 fingertip distances by default; 210 with all pairs; none optional", () => {
    expect(f.outputDim(HAND_DIM)).toBe(123);
    expect(new HandShapeFeatures({ distances: "all" }).outputDim(HAND_DIM)).toBe(273);
    expect(new HandShapeFeatures({ distances: "none", depth: "none" }).outputDim(HAND_DIM)).toBe(42);
  });

  it("is invariant to translation and scale (property)", () => {
    fc.assert(
      fc.property(
        handArb,
        fc.double({ min: -500, max: 500, noNaN: true }),
        fc.double({ min: -500, max: 500, noNaN: true }),
        fc.double({ min: 0.2, max: 5, noNaN: true }),
        (h, dx, dy, s) => {
          expectClose(transformOne(f, moved(h, dx, dy, s, s)), transformOne(f, h), 1e-7);
        },
      ),
    );
  });

  it("gives a hand and its mirror image the same features (property)", () => {
    fc.assert(
      fc.property(handArb, (h) => {
        const m = new Float64Array(h);
        for (let i = 0; i < NUM_LANDMARKS; i++) m[3 * i] = 1000 - h[3 * i];
        const a = transformOne(f, h);
        const b = transformOne(f, m);
        expectClose(a, b, 1e-7);
      }),
    );
  });

  it("keeps orientation: a hand turned upside down gets different features", () => {
    fc.assert(
      fc.property(handArb, (h) => {
        const u = new Float64Array(h);
        for (let i = 0; i < NUM_LANDMARKS; i++) u[3 * i + 1] = 600 - h[3 * i + 1];
        const a = transformOne(f, h);
        const b = transformOne(f, u);
        let diff = 0;
        for (let i = 0; i < 42; i++) diff += Math.abs(a[i] - b[i]);
        return diff > 1e-6;
      }),
    );
  });

  it("rejects unknown parameters, naming the known ones", () => {
    expect(() => new HandShapeFeatures({ bogus: true } as never)).toThrow(
      /unknown parameter "bogus".*mirror_invariant/,
    );
    expect(() => f.setParams({ mirror_invariant: "maybe" })).toThrow(/true or false/);
    expect(() => f.setParams({ distances: "some" })).toThrow(/one of tips, all, none/);
  });
});

describe("StandardScaler", () => {
  it("centres and scales each column with the population std, like scikit-learn", () => {
    const X = matrix(4, 2, Float64Array.from([1, 5, 2, 5, 3, 5, 4, 5]));
    const s = new StandardScaler().fit(X);
    const Z = s.transform(X);
    // column 0: mean 2.5, population std sqrt(1.25); column 1 constant: scale 1
    expect(Z.data[0]).toBeCloseTo(-1.5 / Math.sqrt(1.25), 12);
    expect(Z.data[6]).toBeCloseTo(1.5 / Math.sqrt(1.25), 12);
    expect(Z.data[1]).toBe(0);
    const r = StandardScaler.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(Array.from(r.transform(X).data)).toEqual(Array.from(Z.data));
  });

  it("throws NotFittedError before fit", () => {
    expect(() => new StandardScaler().outputDim(3)).toThrow(/not fitted/);
  });
});

describe("hypot2", () => {
  it("equals Math.hypot bit for bit, edge values included", () => {
    const edges = [0, -0, 1, -1, 5e-324, -5e-324, 1e-300, 1e300, 1.7976931348623157e308, Number.POSITIVE_INFINITY];
    for (const x of [...edges, Number.NEGATIVE_INFINITY, Number.NaN]) {
      for (const y of [...edges, Number.NEGATIVE_INFINITY, Number.NaN])
        expect(Object.is(hypot2(x, y), Math.hypot(x, y))).toBe(true);
    }
    fc.assert(
      fc.property(fc.double(), fc.double(), (x, y) => Object.is(hypot2(x, y), Math.hypot(x, y))),
      { numRuns: 200_000 },
    );
    // Hand-sized values, as the features see them.
    fc.assert(
      fc.property(fc.double({ min: -3, max: 3 }), fc.double({ min: -3, max: 3 }), (x, y) =>
        Object.is(hypot2(x, y), Math.hypot(x, y)),
      ),
      { numRuns: 200_000 },
    );
  });
});
