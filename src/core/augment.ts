import type { Labels } from "./labels.js";
import { HAND_DIM, INDEX_MCP, MIDDLE_MCP, NUM_LANDMARKS, PINKY_MCP, RING_MCP, WRIST } from "./landmarks.js";
import { type Matrix, matrix } from "./matrix.js";
import { Random } from "./random.js";

/**
 * Plausible variations of a hand in the dataset's pixel convention, for training: the camera sees a gesture turned
 * in the image plane, stretched a little by perspective, with landmark noise and with depth at another scale. The
 * dev sample holds few poses per class (the `ok` of the shared photo is turned 17°, leaning further than most of
 * the sample's), so a model that saw only those learns the angle along with the shape.
 */
export interface AugmentOptions {
  /** Augmented copies per row (the original rows are kept too). */
  copies: number;
  /** Largest turn in the image plane, degrees (uniform in ±). Small enough to keep up and down apart. */
  rotateDeg: number;
  /** Largest relative stretch of x against y (uniform in ±), as a hand seen a little from the side. */
  stretch: number;
  /** Standard deviation of the landmark noise, in units of the hand's palm size. */
  jitter: number;
  /** Largest factor depth is scaled by (log-uniform in [1/z, z]). */
  zScale: number;
  seed: number;
}

/** The palm size the features normalise by, in pixels (mean of wrist-to-knuckle distances and knuckle width). */
function palmSize(x: Float64Array, o: number): number {
  const wx = x[o + 3 * WRIST];
  const wy = x[o + 3 * WRIST + 1];
  let s = 0;
  for (const k of [INDEX_MCP, MIDDLE_MCP, RING_MCP, PINKY_MCP]) {
    s += Math.sqrt((x[o + 3 * k] - wx) ** 2 + (x[o + 3 * k + 1] - wy) ** 2);
  }
  s += Math.sqrt(
    (x[o + 3 * INDEX_MCP] - x[o + 3 * PINKY_MCP]) ** 2 + (x[o + 3 * INDEX_MCP + 1] - x[o + 3 * PINKY_MCP + 1]) ** 2,
  );
  return s / 5;
}

/** Writes one augmented copy of row `src` (at offset `so` of `from`) into `to` at offset `o`. */
export function augmentHand(
  from: Float64Array,
  so: number,
  to: Float64Array,
  o: number,
  a: AugmentOptions,
  rng: Random,
) {
  const angle = ((rng.next() * 2 - 1) * a.rotateDeg * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const stretch = 1 + (rng.next() * 2 - 1) * a.stretch;
  const z = Math.exp((rng.next() * 2 - 1) * Math.log(Math.max(1, a.zScale)));
  const noise = a.jitter * palmSize(from, so);
  const wx = from[so];
  const wy = from[so + 1];
  const wz = from[so + 2];
  for (let i = 0; i < NUM_LANDMARKS; i++) {
    const dx = (from[so + 3 * i] - wx) * stretch;
    const dy = from[so + 3 * i + 1] - wy;
    to[o + 3 * i] = wx + cos * dx - sin * dy + noise * rng.normal();
    to[o + 3 * i + 1] = wy + sin * dx + cos * dy + noise * rng.normal();
    to[o + 3 * i + 2] = wz + (from[so + 3 * i + 2] - wz) * z + (noise > 0 ? 0.001 * rng.normal() : 0);
  }
}

/** The rows followed by `copies` augmented copies of each, with their labels; deterministic for a seed. */
export function augmentRows(X: Matrix, y: Labels, a: AugmentOptions): { X: Matrix; y: Labels } {
  const n = X.rows;
  const out = matrix(n * (a.copies + 1), HAND_DIM);
  out.data.set(X.data.subarray(0, n * HAND_DIM));
  const codes = new Int32Array(n * (a.copies + 1));
  codes.set(y.codes.subarray(0, n));
  const rng = new Random(a.seed);
  for (let c = 1; c <= a.copies; c++) {
    for (let i = 0; i < n; i++) {
      const r = c * n + i;
      augmentHand(X.data, i * HAND_DIM, out.data, r * HAND_DIM, a, rng);
      codes[r] = y.codes[i];
    }
  }
  return { X: out, y: { classes: y.classes, codes } };
}
