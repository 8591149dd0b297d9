/**
 * A calibrated "no gesture": a score per hand that grows as the hand gets further from anything the model was
 * trained on, and a threshold chosen on held-out rows. The model file carries both (model-file.ts), so the CLI,
 * the servers and the page reject the same hands.
 *
 * Method "knn" (the default; see bench/rejection.ts for the comparison): the hand's hand-shape features, standardised,
 * are compared with the training hands of the class the model names; the score is the mean distance to the `k`
 * nearest of them, divided by that class's typical held-out distance, so one threshold fits tight classes (fist) and
 * loose ones (call). The reference includes augmented copies of the training hands (augment.ts), so a gesture turned
 * a little in the image plane is not far. Method "probability" is the old rule, 1 - the top probability.
 */
import { type AugmentOptions, augmentRows } from "./augment.js";
import { decodeFloat32, decodeInt32, encodeFloat32, encodeInt32 } from "./base64.js";
import { HandgestureError, ModelFormatError } from "./errors.js";
import { FingerState } from "./features/finger-state.js";
import { HandShapeFeatures } from "./features/hand-shape.js";
import { PairDistances, type RowFeatures } from "./features/pair-distances.js";
import type { Labels } from "./labels.js";
import { HAND_DIM } from "./landmarks.js";
import { type Matrix, matrix } from "./matrix.js";
import { stratifiedKFold } from "./model-selection.js";
import { NO_GESTURE } from "./smoothing.js";

export const REJECTION_METHODS = ["knn", "probability"] as const;
export type RejectionMethod = (typeof REJECTION_METHODS)[number];

export interface RejectionOptions {
  method?: RejectionMethod;
  /** Neighbours averaged (knn). */
  k?: number;
  /** Share of held-out gestures the threshold keeps (the rest are rejected). */
  targetRecall?: number;
  /** Folds of the held-out calibration. */
  folds?: number;
  seed?: number;
  /** Augmented copies of each training hand in the reference (knn). */
  copies?: number;
  /** The feature space distances are measured in (knn). */
  space?: RejectionSpace;
  /** How the reference's copies vary (knn; defaults below). */
  augment?: Partial<Omit<AugmentOptions, "copies" | "seed">>;
  /** Pull of each class's own scale towards the median over classes, 0 (own scale) to 1 (one scale for all). */
  scaleShrink?: number;
  /** The finger check beside the distance (knn; default true): every finger in a state the class's hands show. */
  fingers?: boolean;
  /**
   * The held-out quantile that is one unit of each check, distance and fingers (default [0.998, 0.99]): the score
   * is the larger of the two in these units, and a lower quantile weighs that check more.
   */
  gateQuantiles?: readonly [number, number];
}

/** How the threshold was chosen, and what it did on the held-out rows (kept in the model file). */
export interface Calibration {
  folds: number;
  target_recall: number;
  /** Held-out gestures the threshold accepts (≥ target_recall up to ties). */
  heldout_acceptance: number;
  heldout_rows: number;
}

export interface RejectorJSON {
  method: RejectionMethod;
  threshold: number;
  k: number;
  calibration: Calibration;
  /** knn: the training hands (63 values each, float32, base64), their class codes, the augmentation and scales. */
  reference?: {
    space: RejectionSpace;
    rows: string;
    codes: string;
    augment: AugmentOptions;
    class_scales: number[];
    /** Held-out distance (in class scales) that is one unit of the score; 1 in files without the finger check. */
    unit?: number;
    /** The finger check (features/finger-state.ts): its class scales and unit. */
    fingers?: { class_scales: number[]; unit: number };
  };
}

/** How a rejector sees a hand: "distances" (features/pair-distances.ts, the default) or "shape" (below). */
export const REJECTION_SPACES = ["distances", "shape"] as const;
export type RejectionSpace = (typeof REJECTION_SPACES)[number];

/** "shape": the classifier's hand-shape features without depth (normalised x, y and fingertip distances). */
const featuresOf = (space: RejectionSpace | "fingers"): RowFeatures =>
  space === "distances"
    ? new PairDistances()
    : space === "fingers"
      ? new FingerState()
      : new HandShapeFeatures({ depth: "none", distances: "tips" });

/** The share of held-out gestures a default threshold keeps. */
export const DEFAULT_TARGET_RECALL = 0.99;
const DEFAULTS = {
  method: "knn" as RejectionMethod,
  space: "distances" as RejectionSpace,
  k: 3,
  targetRecall: DEFAULT_TARGET_RECALL,
  folds: 5,
  seed: 0,
  copies: 4,
  fingers: true,
  gateQuantiles: [0.998, 0.99] as readonly [number, number],
};
const augmentFor = (copies: number, seed: number, more: RejectionOptions["augment"] = {}): AugmentOptions => ({
  rotateDeg: 20,
  stretch: 0.1,
  jitter: 0.03,
  zScale: 2,
  ...more,
  copies,
  seed,
});

/** The reference set of a knn rejector in feature space: rows grouped by class, standardised. */
class Reference {
  readonly dim: number;
  readonly feats: Float64Array;
  /** Rows of class c are feats rows start[c] .. start[c + 1] - 1. */
  readonly start: Int32Array;
  readonly mean: Float64Array;
  readonly inv: Float64Array;

  readonly space: RejectionSpace | "fingers";
  readonly features: RowFeatures;

  constructor(X: Matrix, y: Labels, augment: AugmentOptions, space: RejectionSpace | "fingers") {
    const aug = augmentRows(X, y, augment);
    const f = featuresOf(space);
    this.space = space;
    this.features = f;
    const d = f.outputDim(HAND_DIM);
    const n = aug.X.rows;
    const k = y.classes.length;
    const start = new Int32Array(k + 1);
    for (let i = 0; i < n; i++) start[aug.y.codes[i] + 1]++;
    for (let c = 0; c < k; c++) start[c + 1] += start[c];
    const next = start.slice(0, k);
    const feats = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const r = next[aug.y.codes[i]]++;
      f.transformRow(aug.X.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM), feats.subarray(r * d, (r + 1) * d));
    }
    const mean = new Float64Array(d);
    const inv = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += feats[i * d + j];
    for (let j = 0; j < d; j++) mean[j] /= n;
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) inv[j] += (feats[i * d + j] - mean[j]) ** 2;
    for (let j = 0; j < d; j++) {
      const sd = Math.sqrt(inv[j] / n);
      inv[j] = sd > 1e-12 ? 1 / sd : 1;
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) feats[i * d + j] = (feats[i * d + j] - mean[j]) * inv[j];
    this.dim = d;
    this.feats = feats;
    this.start = start;
    this.mean = mean;
    this.inv = inv;
  }
}

/** Scores hands against a fitted model's training data; allocation-free per hand after construction. */
export class Rejector {
  readonly method: RejectionMethod;
  readonly k: number;
  readonly threshold: number;
  readonly calibration: Calibration;
  private readonly ref: Reference | null;
  private readonly scales: Float64Array;
  private readonly source: { rows: Float32Array; codes: Int32Array; augment: AugmentOptions } | null;
  private readonly f: Float64Array;
  private readonly nearest: Float64Array;
  /** One unit of the score in class-scaled distance (1 without the finger check, as older files score). */
  private readonly unit: number;
  private readonly fingers: FingerCheck | null;
  private readonly ff: Float64Array;

  private constructor(
    method: RejectionMethod,
    k: number,
    threshold: number,
    calibration: Calibration,
    ref: Reference | null,
    scales: Float64Array,
    source: Rejector["source"],
    unit = 1,
    fingers: FingerCheck | null = null,
  ) {
    this.method = method;
    this.k = k;
    this.threshold = threshold;
    this.calibration = calibration;
    this.ref = ref;
    this.scales = scales;
    this.source = source;
    this.f = new Float64Array(ref?.dim ?? 0);
    this.nearest = new Float64Array(k);
    this.unit = unit;
    this.fingers = fingers;
    this.ff = new Float64Array(fingers?.ref.dim ?? 0);
  }

  /** Whether this rejector checks every finger too (features/finger-state.ts). */
  get checksFingers(): boolean {
    return this.fingers !== null;
  }

  /**
   * Fits the reference on every row and chooses the threshold on held-out rows: each fold's rows are scored
   * against a reference built from the other folds, and the threshold keeps `targetRecall` of them.
   */
  static fit(X: Matrix, y: Labels, options: RejectionOptions = {}, heldoutProba?: Matrix): Rejector {
    const o = { ...DEFAULTS, ...options };
    if (!(o.targetRecall > 0 && o.targetRecall <= 1)) {
      throw new HandgestureError(`rejection target recall must be in (0, 1], got ${o.targetRecall}`);
    }
    const kc = y.classes.length;
    const fewest = Math.min(...classCountsOf(y));
    if (fewest < 2) {
      throw new HandgestureError("a rejector needs at least 2 rows of every class, to hold some out for its threshold");
    }
    o.folds = Math.min(o.folds, fewest);
    if (o.method === "probability") {
      if (!heldoutProba) throw new HandgestureError('rejection method "probability" needs held-out probabilities');
      const scores = new Float64Array(X.rows);
      for (let i = 0; i < X.rows; i++) {
        let m = 0;
        for (let j = 0; j < kc; j++) m = Math.max(m, heldoutProba.data[i * kc + j]);
        scores[i] = 1 - m;
      }
      const { threshold, calibration } = chooseThreshold(scores, o.targetRecall, o.folds);
      return new Rejector("probability", o.k, threshold, calibration, null, new Float64Array(0), null);
    }
    const augment = augmentFor(o.copies, o.seed, o.augment);
    // Held-out distances: each row against the other folds' reference, for its own class.
    const raw = new Float64Array(X.rows);
    const rawFingers = new Float64Array(X.rows);
    const ones = new Float64Array(kc).fill(1);
    for (const split of stratifiedKFold(y, { folds: o.folds, shuffle: true, seed: o.seed })) {
      const sub = takeRowsOf(X, split.train);
      const subY = { classes: y.classes, codes: Int32Array.from(split.train, (i) => y.codes[i]) };
      const fingers = o.fingers ? { ref: new Reference(sub, subY, augment, "fingers"), scales: ones, unit: 1 } : null;
      const ref = new Reference(sub, subY, augment, o.space);
      const r = new Rejector("knn", o.k, 0, NO_CALIBRATION, ref, ones, null, 1, fingers);
      for (const i of split.test) {
        const x = X.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM);
        raw[i] = r.distance(x, y.codes[i]);
        if (fingers) rawFingers[i] = r.fingerDistance(x, y.codes[i]);
      }
    }
    // A class's typical held-out distance is its scale: one threshold then fits tight and loose classes alike.
    const scales = classScales(raw, y, o.scaleShrink ?? 0);
    const scaled = raw.map((d, i) => d / scales[y.codes[i]]);
    let scores = scaled;
    let unit = 1;
    let fingerScales: Float64Array | null = null;
    let fingerUnit = 1;
    if (o.fingers) {
      // Both checks in units of their own held-out quantile, the larger counting: a hand must pass both.
      fingerScales = classScales(rawFingers, y, 0);
      const fs = fingerScales;
      const scaledFingers = rawFingers.map((d, i) => d / fs[y.codes[i]]);
      unit = quantile(scaled, o.gateQuantiles[0]);
      fingerUnit = quantile(scaledFingers, o.gateQuantiles[1]);
      scores = scaled.map((d, i) => Math.max(d / unit, scaledFingers[i] / fingerUnit));
    }
    const { threshold, calibration } = chooseThreshold(scores, o.targetRecall, o.folds);
    // The reference the file will hold: float32 rows, so a loaded rejector scores bit for bit as this one.
    const rows = Float32Array.from(X.data.subarray(0, X.rows * HAND_DIM));
    const X32 = matrix(X.rows, HAND_DIM, Float64Array.from(rows));
    const ref = new Reference(X32, y, augment, o.space);
    const fingers = fingerScales
      ? { ref: new Reference(X32, y, augment, "fingers"), scales: fingerScales, unit: fingerUnit }
      : null;
    const source = { rows, codes: Int32Array.from(y.codes), augment };
    return new Rejector("knn", o.k, threshold, calibration, ref, scales, source, unit, fingers);
  }

  /** The same rejector with another threshold (for curves and for tuning the trade-off by hand). */
  withThreshold(threshold: number): Rejector {
    return new Rejector(
      this.method,
      this.k,
      threshold,
      this.calibration,
      this.ref,
      this.scales,
      this.source,
      this.unit,
      this.fingers,
    );
  }

  /** Distance to the nearest reference hand of class `cls` in finger states: its largest finger difference. */
  private fingerDistance(x: Float64Array, cls: number): number {
    const { ref } = this.fingers as FingerCheck;
    const { dim, feats, mean, inv } = ref;
    const f = this.ff;
    ref.features.transformRow(x, f);
    for (let j = 0; j < dim; j++) f[j] = (f[j] - mean[j]) * inv[j];
    let best = Number.POSITIVE_INFINITY;
    for (let r = ref.start[cls], end = ref.start[cls + 1]; r < end; r++) {
      let worst = 0;
      const o = r * dim;
      for (let j = 0; j < dim && worst < best; j++) {
        const t = Math.abs(feats[o + j] - f[j]);
        if (t > worst) worst = t;
      }
      if (worst < best) best = worst;
    }
    return best;
  }

  /** Mean distance to the k nearest reference hands of class `cls`, in standardised feature units. */
  private distance(x: Float64Array, cls: number): number {
    const ref = this.ref as Reference;
    const { dim, feats, mean, inv } = ref;
    const f = this.f;
    ref.features.transformRow(x, f);
    for (let j = 0; j < dim; j++) f[j] = (f[j] - mean[j]) * inv[j];
    const near = this.nearest;
    near.fill(Number.POSITIVE_INFINITY);
    const k = near.length;
    for (let r = ref.start[cls], end = ref.start[cls + 1]; r < end; r++) {
      let s = 0;
      const o = r * dim;
      for (let j = 0; j < dim; j++) {
        const t = feats[o + j] - f[j];
        s += t * t;
      }
      if (s < near[k - 1]) {
        let p = k - 1;
        while (p > 0 && near[p - 1] > s) {
          near[p] = near[p - 1];
          p--;
        }
        near[p] = s;
      }
    }
    let sum = 0;
    let m = 0;
    for (let i = 0; i < k; i++) {
      if (near[i] === Number.POSITIVE_INFINITY) break;
      sum += Math.sqrt(near[i]);
      m++;
    }
    return m ? sum / m : Number.POSITIVE_INFINITY;
  }

  /** One hand's score (higher: less like a trained gesture): its 63 values and the model's probabilities for it. */
  scoreRow(x: Float64Array, proba: ArrayLike<number>): number {
    let best = 0;
    for (let j = 1; j < proba.length; j++) if (proba[j] > proba[best]) best = j;
    if (this.method === "probability") return 1 - proba[best];
    const d = this.distance(x, best) / this.scales[best] / this.unit;
    const fc = this.fingers;
    return fc ? Math.max(d, this.fingerDistance(x, best) / fc.scales[best] / fc.unit) : d;
  }

  /** Scores `count` hands of `rows` (HAND_DIM values each) into `out`, with each hand's probabilities. */
  scoreRows(rows: Float64Array, count: number, proba: ArrayLike<ArrayLike<number>>, out: Float64Array): void {
    for (let h = 0; h < count; h++) out[h] = this.scoreRow(rows.subarray(h * HAND_DIM, (h + 1) * HAND_DIM), proba[h]);
  }

  accepts(score: number): boolean {
    return score <= this.threshold;
  }

  toJSON(): RejectorJSON {
    const json: RejectorJSON = {
      method: this.method,
      threshold: this.threshold,
      k: this.k,
      calibration: this.calibration,
    };
    if (this.source) {
      const reference: NonNullable<RejectorJSON["reference"]> = {
        space: (this.ref as Reference).space as RejectionSpace,
        rows: encodeFloat32(this.source.rows),
        codes: encodeInt32(this.source.codes),
        augment: this.source.augment,
        class_scales: Array.from(this.scales),
      };
      if (this.fingers) {
        reference.unit = this.unit;
        reference.fingers = { class_scales: Array.from(this.fingers.scales), unit: this.fingers.unit };
      }
      json.reference = reference;
    }
    return json;
  }

  static fromJSON(json: RejectorJSON, classes: readonly string[]): Rejector {
    if (!json || typeof json !== "object" || !REJECTION_METHODS.includes(json.method)) {
      throw new ModelFormatError(`model file: rejection method must be one of ${REJECTION_METHODS.join(", ")}`);
    }
    if (typeof json.threshold !== "number" || !Number.isInteger(json.k) || json.k < 1) {
      throw new ModelFormatError("model file: rejection needs a numeric threshold and an integer k ≥ 1");
    }
    if (json.method === "probability") {
      return new Rejector("probability", json.k, json.threshold, json.calibration, null, new Float64Array(0), null);
    }
    const ref = json.reference;
    if (!ref || typeof ref.rows !== "string" || typeof ref.codes !== "string" || !Array.isArray(ref.class_scales)) {
      throw new ModelFormatError("model file: knn rejection has no reference");
    }
    const rows = decodeFloat32(ref.rows);
    const codes = decodeInt32(ref.codes);
    if (rows.length !== codes.length * HAND_DIM || ref.class_scales.length !== classes.length) {
      throw new ModelFormatError("model file: the rejection reference does not match its classes");
    }
    for (const c of codes) {
      if (!(c >= 0 && c < classes.length)) throw new ModelFormatError("model file: rejection class code out of range");
    }
    // Rebuilt exactly as fitted: the same float32 rows and the same seeded augmentation.
    const X = matrix(codes.length, HAND_DIM, Float64Array.from(rows));
    if (!REJECTION_SPACES.includes(ref.space)) {
      throw new ModelFormatError(`model file: rejection space must be one of ${REJECTION_SPACES.join(", ")}`);
    }
    const reference = new Reference(X, { classes, codes }, ref.augment, ref.space);
    let fingers: FingerCheck | null = null;
    if (ref.fingers !== undefined) {
      const fc = ref.fingers;
      if (!fc || !Array.isArray(fc.class_scales) || fc.class_scales.length !== classes.length || !(fc.unit > 0)) {
        throw new ModelFormatError("model file: the rejection's finger check needs a scale per class and a unit > 0");
      }
      const fr = new Reference(X, { classes, codes }, ref.augment, "fingers");
      fingers = { ref: fr, scales: Float64Array.from(fc.class_scales), unit: fc.unit };
    }
    const unit = ref.unit ?? 1;
    if (!(unit > 0)) throw new ModelFormatError("model file: the rejection's unit must be > 0");
    return new Rejector(
      "knn",
      json.k,
      json.threshold,
      json.calibration,
      reference,
      Float64Array.from(ref.class_scales),
      { rows, codes, augment: ref.augment },
      unit,
      fingers,
    );
  }
}

/** The finger check's reference (the same rows, finger-state features), class scales and unit. */
interface FingerCheck {
  ref: Reference;
  scales: Float64Array;
  unit: number;
}

/** Each class's median held-out distance, pulled towards the median over classes by `shrink` (0 to 1). */
function classScales(raw: Float64Array, y: Labels, shrink: number): Float64Array {
  const kc = y.classes.length;
  const scales = new Float64Array(kc);
  for (let c = 0; c < kc; c++) {
    const d = [...raw.filter((_, i) => y.codes[i] === c)].sort((a, b) => a - b);
    scales[c] = d.length ? Math.max(d[Math.floor(d.length / 2)], 1e-9) : 1;
  }
  if (shrink > 0) {
    const mid = [...scales].sort((a, b) => a - b)[Math.floor(kc / 2)];
    for (let c = 0; c < kc; c++) scales[c] = Math.exp((1 - shrink) * Math.log(scales[c]) + shrink * Math.log(mid));
  }
  return scales;
}

/** The value at quantile q of the scores (at least 1e-9). */
function quantile(scores: Float64Array, q: number): number {
  const s = Float64Array.from(scores).sort();
  return Math.max(s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))], 1e-9);
}

const NO_CALIBRATION: Calibration = { folds: 0, target_recall: 1, heldout_acceptance: 1, heldout_rows: 0 };

/** The smallest threshold accepting at least `target` of the held-out scores. */
function chooseThreshold(scores: Float64Array, target: number, folds: number) {
  const s = Float64Array.from(scores).sort();
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil(target * s.length) - 1));
  const threshold = s[idx];
  let accepted = 0;
  for (const v of scores) if (v <= threshold) accepted++;
  return {
    threshold,
    calibration: {
      folds,
      target_recall: target,
      heldout_acceptance: accepted / scores.length,
      heldout_rows: scores.length,
    },
  };
}

function classCountsOf(y: Labels): number[] {
  const n = new Array<number>(y.classes.length).fill(0);
  for (const c of y.codes) n[c]++;
  return n;
}

function takeRowsOf(X: Matrix, idx: ArrayLike<number>): Matrix {
  const out = matrix(idx.length, X.cols);
  for (let k = 0; k < idx.length; k++)
    out.data.set(X.data.subarray(idx[k] * X.cols, (idx[k] + 1) * X.cols), k * X.cols);
  return out;
}

/** A hand's answer once rejection has had its say. */
export interface GestureDecision {
  /** The gesture, or NO_GESTURE when the rejector (or the probability floor) turns the hand down. */
  label: string;
  /** The most probable class, accepted or not. */
  best: string;
  probability: number;
  /** The rejection score (null without a rejector). */
  score: number | null;
  accepted: boolean;
}

/** The decision for one hand from its probabilities and score; `minProbability` is an optional extra floor. */
export function decide(
  classes: readonly string[],
  proba: ArrayLike<number>,
  score: number | null,
  threshold: number | null,
  minProbability = 0,
): GestureDecision {
  let best = 0;
  for (let j = 1; j < proba.length; j++) if (proba[j] > proba[best]) best = j;
  const accepted = (score === null || threshold === null || score <= threshold) && proba[best] >= minProbability;
  return {
    label: accepted ? classes[best] : NO_GESTURE,
    best: classes[best],
    probability: proba[best],
    score,
    accepted,
  };
}
