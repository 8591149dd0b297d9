import type { EstimatorJSON, Transformer } from "../estimator.js";
import {
  INDEX_MCP,
  INDEX_PIP,
  INDEX_TIP,
  MIDDLE_MCP,
  MIDDLE_PIP,
  MIDDLE_TIP,
  NUM_LANDMARKS,
  PINKY_MCP,
  PINKY_PIP,
  PINKY_TIP,
  RING_MCP,
  RING_PIP,
  RING_TIP,
  THUMB_MCP,
  THUMB_TIP,
  WRIST,
} from "../landmarks.js";
import type { Matrix } from "../matrix.js";
import { type ParamSpecs, type Params, type ParamValue, resolveParams } from "../params.js";
import { checkHandDim, transformRows } from "./seed-normalizer.js";

export interface HandShapeParams extends Params {
  mirror_invariant: boolean;
  distances: "tips" | "all" | "none";
  depth: "none" | "raw" | "spread";
}

const TIPS = [THUMB_TIP, INDEX_TIP, MIDDLE_TIP, RING_TIP, PINKY_TIP];
/** Points whose distance to a fingertip says how the finger is bent or spread. */
const ANCHORS = new Set([
  ...TIPS,
  WRIST,
  THUMB_MCP,
  INDEX_MCP,
  MIDDLE_MCP,
  RING_MCP,
  PINKY_MCP,
  INDEX_PIP,
  MIDDLE_PIP,
  RING_PIP,
  PINKY_PIP,
]);

/**
 * Math.hypot(x, y), bit for bit, without its cost: V8's Math.hypot allocates on every call (some 40 bytes), which
 * on the live path means a garbage collection every few thousand hands, a millisecond inside a frame. Same
 * algorithm as V8's (scale by the larger magnitude, Kahan-summed squares); features.test.ts checks it equals
 * Math.hypot on millions of values, so models fitted with either give identical features.
 */
export function hypot2(x: number, y: number): number {
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  if (ax === Number.POSITIVE_INFINITY || ay === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  if (Number.isNaN(ax) || Number.isNaN(ay)) return Number.NaN;
  const max = Math.max(ax, ay);
  if (max === 0) return 0;
  let sum = 0;
  let comp = 0;
  let n = ax / max;
  let summand = n * n - comp;
  let next = sum + summand;
  comp = next - sum - summand;
  sum = next;
  n = ay / max;
  summand = n * n - comp;
  next = sum + summand;
  sum = next;
  return Math.sqrt(sum) * max;
}

/** Landmark pairs (i < j) whose distance is a feature, for each `distances` setting. */
function distancePairs(which: HandShapeParams["distances"]): Int32Array {
  const pairs: number[] = [];
  for (let i = 0; i < NUM_LANDMARKS; i++) {
    for (let j = i + 1; j < NUM_LANDMARKS; j++) {
      const tipPair = (TIPS.includes(i) && ANCHORS.has(j)) || (TIPS.includes(j) && ANCHORS.has(i));
      if (which === "all" || (which === "tips" && tipPair)) pairs.push(i, j);
    }
  }
  return Int32Array.from(pairs);
}

/**
 * Our feature set. Three choices, each measured on the dev sample (5-fold CV, see README):
 * - Mirror invariance: a left hand is a mirrored right hand, and the data has both with no handedness column.
 *   We flip x so that the palm's 2-D winding (wrist → index knuckle → pinky knuckle) is always the same sign;
 *   a hand and its mirror image then give identical features. Orientation (up/down, left/right tilt) is kept,
 *   so peace and peace_inverted stay apart.
 * - Scale by palm size (mean of the wrist-to-knuckle distances and the knuckle width) rather than by the
 *   wrist-to-middle-tip distance, which shrinks when the finger curls and so mixes pose with scale.
 * - Distances from each fingertip to the other tips, the knuckles and the wrist (60, scale-normalised): finger
 *   spread and curl in a form a small model uses directly. All 210 pairwise distances did no better.
 * - Depth z relative to the wrist, scaled by its own spread (its scale depends on the unknown frame width).
 * Output: 42 normalised x, y (+ 21 z unless depth is "none") + the distances (60 "tips", 210 "all", 0 "none").
 */
export class HandShapeFeatures implements Transformer {
  static readonly specs: ParamSpecs = {
    mirror_invariant: { type: "bool", default: true, help: "flip left hands onto right hands (by palm winding)" },
    distances: {
      type: "enum",
      values: ["tips", "all", "none"],
      default: "tips",
      help: "landmark distances to add: fingertips to tips/knuckles/wrist (60), all pairs (210), none",
    },
    depth: {
      type: "enum",
      values: ["none", "raw", "spread"],
      default: "spread",
      help: "MediaPipe's relative depth z of each landmark (less the wrist's): left out, as is, or divided by its mean spread",
    },
  };
  readonly type = "HandShapeFeatures";
  private params: HandShapeParams;
  private pairs: Int32Array;
  // Scratch for the normalised 2-D points: reused, so the per-hand path does not allocate.
  private readonly px = new Float64Array(NUM_LANDMARKS);
  private readonly py = new Float64Array(NUM_LANDMARKS);

  constructor(params: Partial<HandShapeParams> = {}) {
    this.params = resolveParams("HandShapeFeatures", HandShapeFeatures.specs, params);
    this.pairs = distancePairs(this.params.distances);
  }
  getParams(): Params {
    return { ...this.params };
  }
  setParams(p: Readonly<Record<string, ParamValue | undefined>>): this {
    this.params = resolveParams(this.type, HandShapeFeatures.specs, p, this.params);
    this.pairs = distancePairs(this.params.distances);
    return this;
  }
  fit(): this {
    return this;
  }
  outputDim(inputDim: number): number {
    checkHandDim(this.type, inputDim);
    const n = NUM_LANDMARKS;
    return 2 * n + (this.params.depth === "none" ? 0 : n) + this.pairs.length / 2;
  }

  transformRow(x: Float64Array, out: Float64Array): void {
    const { px, py } = this;
    const n = NUM_LANDMARKS;
    const wx = x[3 * WRIST];
    const wy = x[3 * WRIST + 1];
    for (let i = 0; i < n; i++) {
      px[i] = x[3 * i] - wx;
      py[i] = x[3 * i + 1] - wy;
    }
    // Winding of wrist → index MCP → pinky MCP; negative means the mirrored hand.
    const flip = this.params.mirror_invariant && px[INDEX_MCP] * py[PINKY_MCP] - py[INDEX_MCP] * px[PINKY_MCP] < 0;
    const size =
      (hypot2(px[INDEX_MCP], py[INDEX_MCP]) +
        hypot2(px[MIDDLE_MCP], py[MIDDLE_MCP]) +
        hypot2(px[RING_MCP], py[RING_MCP]) +
        hypot2(px[PINKY_MCP], py[PINKY_MCP]) +
        hypot2(px[INDEX_MCP] - px[PINKY_MCP], py[INDEX_MCP] - py[PINKY_MCP])) /
      5;
    const inv = size > 0 ? 1 / size : 0;
    const sx = flip ? -inv : inv;
    let k = 0;
    for (let i = 0; i < n; i++) {
      px[i] *= sx;
      py[i] *= inv;
      out[k++] = px[i];
      out[k++] = py[i];
    }
    if (this.params.depth !== "none") {
      const wz = x[3 * WRIST + 2];
      let zs = 1;
      if (this.params.depth === "spread") {
        // z is in units of the source frame's width, which the dataset does not record: dividing by its own
        // mean spread makes it independent of how large the hand was in the frame.
        let spread = 0;
        for (let i = 0; i < n; i++) spread += Math.abs(x[3 * i + 2] - wz);
        zs = spread > 0 ? n / spread : 0;
      }
      for (let i = 0; i < n; i++) out[k++] = (x[3 * i + 2] - wz) * zs;
    }
    const pairs = this.pairs;
    for (let p = 0; p < pairs.length; p += 2) {
      const dx = px[pairs[p + 1]] - px[pairs[p]];
      const dy = py[pairs[p + 1]] - py[pairs[p]];
      out[k++] = Math.sqrt(dx * dx + dy * dy);
    }
  }
  transform(X: Matrix): Matrix {
    return transformRows(this, X);
  }
  toJSON(): EstimatorJSON {
    return { type: this.type, params: this.getParams(), state: null };
  }
  static fromJSON(json: EstimatorJSON): HandShapeFeatures {
    return new HandShapeFeatures(json.params as Partial<HandShapeParams>);
  }
}
