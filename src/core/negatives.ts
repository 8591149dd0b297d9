/**
 * Synthetic hands that make no HaGRID gesture, for measuring rejection where no real non-gesture rows exist. Built
 * from real hands (in the dataset's pixel convention) in four ways:
 * - "recombined": one finger of hand A replaced by the same finger of hand B (another class), so the fingers make a
 *   pattern no class makes (e.g. a fist with the pinky out);
 * - "mixture": the average of two aligned hands of classes at least two fingers apart, a shape between gestures;
 * - "swapped": two fingers in different states trade places (a skeleton with its fingers out of order);
 * - "noisy": every landmark moved by noise of a third of the palm size.
 * A finger counts as extended by its tip's reach (index to pinky: tip-to-wrist over knuckle-to-wrist above 1.45;
 * thumb: tip to the pinky knuckle above 1.2 palm sizes); each class's pattern is its most common one, and a
 * recombined or swapped hand whose pattern is some class's is not used.
 */

import type { Labels } from "./labels.js";
import { HAND_DIM, INDEX_MCP, MIDDLE_MCP, NUM_LANDMARKS, PINKY_MCP, RING_MCP, THUMB_CMC, WRIST } from "./landmarks.js";
import { type Matrix, matrix } from "./matrix.js";
import { Random } from "./random.js";

export const NEGATIVE_KINDS = ["recombined", "mixture", "swapped", "noisy"] as const;
export type NegativeKind = (typeof NEGATIVE_KINDS)[number];

/** The four landmarks of each finger after its base: thumb CMC→tip is 1..4, index 5..8, and so on. */
const FINGER_BASE = [THUMB_CMC, INDEX_MCP, MIDDLE_MCP, RING_MCP, PINKY_MCP];

const dist = (r: Float64Array, o: number, a: number, b: number) =>
  Math.hypot(r[o + 3 * a] - r[o + 3 * b], r[o + 3 * a + 1] - r[o + 3 * b + 1]);

function palm(r: Float64Array, o: number): number {
  return (
    (dist(r, o, WRIST, INDEX_MCP) +
      dist(r, o, WRIST, MIDDLE_MCP) +
      dist(r, o, WRIST, RING_MCP) +
      dist(r, o, WRIST, PINKY_MCP) +
      dist(r, o, INDEX_MCP, PINKY_MCP)) /
    5
  );
}

/** Bit f set when finger f (0 thumb .. 4 pinky) is extended. */
export function fingerPattern(r: Float64Array, o = 0): number {
  let p = 0;
  if (dist(r, o, 4, PINKY_MCP) / palm(r, o) > 1.2) p |= 1;
  for (let f = 1; f < 5; f++) {
    const base = FINGER_BASE[f];
    if (dist(r, o, base + 3, WRIST) / dist(r, o, base, WRIST) > 1.45) p |= 1 << f;
  }
  return p;
}

/** Each class's most common finger pattern. */
function classPatterns(X: Matrix, y: Labels): Set<number> {
  const counts = y.classes.map(() => new Map<number, number>());
  for (let i = 0; i < X.rows; i++) {
    const p = fingerPattern(X.data, i * HAND_DIM);
    const m = counts[y.codes[i]];
    m.set(p, (m.get(p) ?? 0) + 1);
  }
  const out = new Set<number>();
  for (const m of counts) {
    let best = -1;
    let n = 0;
    for (const [p, c] of m) if (c > n) [best, n] = [p, c];
    if (best >= 0) out.add(best);
  }
  return out;
}

/** Writes hand B (offset bo) moved onto hand A's wrist, size, turn and side into `out` (offset 0). */
function alignOnto(X: Float64Array, ao: number, bo: number, out: Float64Array): void {
  const winding = (o: number) => {
    const ix = X[o + 3 * INDEX_MCP] - X[o];
    const iy = X[o + 3 * INDEX_MCP + 1] - X[o + 1];
    const px = X[o + 3 * PINKY_MCP] - X[o];
    const py = X[o + 3 * PINKY_MCP + 1] - X[o + 1];
    return ix * py - iy * px < 0 ? -1 : 1;
  };
  const mirror = winding(ao) !== winding(bo) ? -1 : 1;
  const angle = (o: number, m: number) =>
    Math.atan2(X[o + 3 * MIDDLE_MCP + 1] - X[o + 1], m * (X[o + 3 * MIDDLE_MCP] - X[o]));
  const turn = angle(ao, 1) - angle(bo, mirror);
  const s = palm(X, ao) / palm(X, bo);
  const c = Math.cos(turn) * s;
  const sn = Math.sin(turn) * s;
  for (let i = 0; i < NUM_LANDMARKS; i++) {
    const dx = mirror * (X[bo + 3 * i] - X[bo]);
    const dy = X[bo + 3 * i + 1] - X[bo + 1];
    out[3 * i] = X[ao] + c * dx - sn * dy;
    out[3 * i + 1] = X[ao + 1] + sn * dx + c * dy;
    out[3 * i + 2] = X[ao + 2] + (X[bo + 3 * i + 2] - X[bo + 2]);
  }
}

export interface Negatives {
  X: Matrix;
  kinds: NegativeKind[];
}

/** `perKind` hands of each kind, from the rows of X; deterministic for a seed. */
export function synthesizeNegatives(X: Matrix, y: Labels, perKind = 200, seed = 1): Negatives {
  const rng = new Random(seed);
  const known = classPatterns(X, y);
  const patterns = Int32Array.from({ length: X.rows }, (_, i) => fingerPattern(X.data, i * HAND_DIM));
  const out = matrix(perKind * NEGATIVE_KINDS.length, HAND_DIM);
  const kinds: NegativeKind[] = [];
  const b = new Float64Array(HAND_DIM);
  const h = new Float64Array(HAND_DIM);
  const bits = (p: number) => {
    let n = 0;
    for (let f = 0; f < 5; f++) n += (p >> f) & 1;
    return n;
  };
  let row = 0;
  for (const kind of NEGATIVE_KINDS) {
    let made = 0;
    for (let tries = 0; made < perKind && tries < perKind * 200; tries++) {
      const i = rng.int(X.rows);
      const j = rng.int(X.rows);
      const ao = i * HAND_DIM;
      h.set(X.data.subarray(ao, ao + HAND_DIM));
      if (kind === "recombined") {
        if (y.codes[i] === y.codes[j]) continue;
        alignOnto(X.data, ao, j * HAND_DIM, b);
        const f = rng.int(5);
        const base = FINGER_BASE[f];
        // B's finger moved so that its base sits on A's.
        for (let p = base + 1; p <= base + 3; p++) {
          for (let d = 0; d < 3; d++) h[3 * p + d] = h[3 * base + d] + (b[3 * p + d] - b[3 * base + d]);
        }
        if (known.has(fingerPattern(h))) continue;
      } else if (kind === "mixture") {
        if (bits(patterns[i] ^ patterns[j]) < 2) continue;
        alignOnto(X.data, ao, j * HAND_DIM, b);
        for (let k = 0; k < HAND_DIM; k++) h[k] = 0.5 * (h[k] + b[k]);
      } else if (kind === "swapped") {
        const f = 1 + rng.int(4);
        const g = 1 + rng.int(4);
        if (f === g || ((patterns[i] >> f) & 1) === ((patterns[i] >> g) & 1)) continue;
        // Each finger's chain moves onto the other's base.
        const fb = FINGER_BASE[f];
        const gb = FINGER_BASE[g];
        for (let p = 1; p <= 3; p++) {
          for (let d = 0; d < 3; d++) {
            h[3 * (fb + p) + d] = X.data[ao + 3 * fb + d] + X.data[ao + 3 * (gb + p) + d] - X.data[ao + 3 * gb + d];
            h[3 * (gb + p) + d] = X.data[ao + 3 * gb + d] + X.data[ao + 3 * (fb + p) + d] - X.data[ao + 3 * fb + d];
          }
        }
        if (known.has(fingerPattern(h))) continue;
      } else {
        const s = palm(X.data, ao) / 3;
        for (let p = 1; p < NUM_LANDMARKS; p++) {
          h[3 * p] += s * rng.normal();
          h[3 * p + 1] += s * rng.normal();
        }
      }
      out.data.set(h, row * HAND_DIM);
      kinds.push(kind);
      row++;
      made++;
    }
  }
  return { X: { rows: row, cols: HAND_DIM, data: out.data.subarray(0, row * HAND_DIM) }, kinds };
}
