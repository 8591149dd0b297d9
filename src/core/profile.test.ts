import { describe, expect, it } from "vitest";
import { HandgestureError } from "./errors.js";
import { HAND_DIM } from "./landmarks.js";
import { fromRows } from "./matrix.js";
import { profileLandmarks } from "./profile.js";

/** A hand-like set of 21 points: wrist at (100, 200), knuckles above it, fingers further up; z small. */
function hand(seed: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < 21; p++) {
    const finger = p === 0 ? 0 : Math.floor((p - 1) / 4);
    const joint = p === 0 ? 0 : ((p - 1) % 4) + 1;
    out.push(100 + (finger - 2) * 12 + Math.sin(seed + p) * 2, 200 - joint * 15 - finger, 0.01 * Math.cos(seed * p));
  }
  return out;
}
const mirror = (h: number[]) => h.map((v, k) => (k % 3 === 0 ? 1000 - v : v));

describe("profileLandmarks", () => {
  it("counts classes and gives each a mean raw hand, a normalized mean and a medoid that is one of its rows", () => {
    const rows = [hand(1), hand(2), hand(3), hand(4), hand(5)];
    const labels = ["b", "a", "b", "a", "a"];
    const p = profileLandmarks(fromRows(rows), labels);
    expect(p.rows).toBe(5);
    expect(p.classes.map((c) => [c.label, c.count])).toEqual([
      ["a", 3],
      ["b", 2],
    ]);
    const b = p.classes[1];
    for (let j = 0; j < HAND_DIM; j++) expect(b.mean_raw[j]).toBeCloseTo((rows[0][j] + rows[2][j]) / 2, 10);
    expect([0, 2]).toContain(b.medoid?.row);
    expect(b.medoid?.raw).toEqual(rows[b.medoid?.row as number]);
    // Wrist at the origin in every normalized hand.
    expect(b.mean_normalized.slice(0, 3)).toEqual([0, 0, 0]);
    expect(p.spread.raw.min[0]).toBe(Math.min(...rows.map((r) => r[0])));
    expect(p.spread.raw.max[1]).toBe(Math.max(...rows.map((r) => r[1])));
    const xs = rows.map((r) => r[3]);
    const m = xs.reduce((s, v) => s + v, 0) / 5;
    expect(p.spread.raw.std[3]).toBeCloseTo(Math.sqrt(xs.reduce((s, v) => s + (v - m) ** 2, 0) / 5), 10);
    expect(p.unnormalizable).toBe(0);
  });

  it("normalizes away place, size and side: a moved, enlarged, mirrored hand has the same normalized form", () => {
    const h = hand(7);
    const moved = h.map((v, k) => (k % 3 === 2 ? v : v * 3 + 50));
    const p = profileLandmarks(fromRows([h, moved, mirror(h)]), ["x", "y", "z"]);
    const [x, y, z] = p.classes.map((c) => c.mean_normalized);
    for (let j = 0; j < HAND_DIM; j++) {
      expect(y[j]).toBeCloseTo(x[j], 10);
      expect(z[j]).toBeCloseTo(x[j], 10);
    }
    // x and y over the palm size: the mean wrist-to-knuckle distance and knuckle width is 1.
    const d = (a: number, b: number) => Math.hypot(x[3 * a] - x[3 * b], x[3 * a + 1] - x[3 * b + 1]);
    expect((d(0, 5) + d(0, 9) + d(0, 13) + d(0, 17) + d(5, 17)) / 5).toBeCloseTo(1, 10);
  });

  it("keeps figures finite for coordinates near the largest double, and leaves out hands of no size", () => {
    const big = [hand(1), hand(2)].map((h) => h.map((v) => v * 8e305));
    const flat = new Array(HAND_DIM).fill(5);
    const p = profileLandmarks(fromRows([...big, flat]), ["a", "a", "b"]);
    const a = p.classes[0];
    for (const v of [...a.mean_raw, ...a.mean_normalized, ...p.spread.raw.std, ...p.spread.raw.mean]) {
      expect(Number.isFinite(v)).toBe(true);
    }
    expect(a.mean_raw[1] / 8e305).toBeCloseTo((hand(1)[1] + hand(2)[1]) / 2, 8);
    expect(p.spread.raw.std[3]).toBeGreaterThan(1e300);
    expect(big[0][1] + big[1][1]).toBe(Number.POSITIVE_INFINITY); // a plain sum would overflow
    expect(p.unnormalizable).toBe(1);
    expect(p.classes[1].medoid).toBeNull();
    expect(p.classes[1].mean_normalized).toEqual([]);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p); // no NaN or Infinity turned into null
  });

  it("refuses no rows, a non-finite value and a label count that does not match", () => {
    expect(() => profileLandmarks({ rows: 0, cols: 63, data: new Float64Array(0) }, [])).toThrow(/no data rows/);
    const bad = hand(1);
    bad[4] = Number.NaN;
    expect(() => profileLandmarks(fromRows([bad]), ["a"])).toThrow(/row 0 \(0-based\), column y2: not finite/);
    expect(() => profileLandmarks(fromRows([hand(1)]), [])).toThrow(HandgestureError);
  });
});
