/**
 * Your own gestures (issue 14): recordings kept as sessions, a quality check per recording, an evaluation that holds
 * out whole recording sessions (random frames of one session flatter: its neighbours are near copies), advice for
 * weak classes, and the training itself — the same estimators and rejector as `handgesture fit`, alone or added to
 * the HaGRID rows. Isomorphic: the page's training worker and Node run this same code.
 */
import { HandgestureError } from "./errors.js";
import { encodeLabels, takeLabels } from "./labels.js";
import { HAND_DIM, INDEX_MCP, MIDDLE_MCP, PINKY_MCP, WRIST } from "./landmarks.js";
import { type Matrix, matrix, takeRows } from "./matrix.js";
import { averagedOver, classificationReport, type Report } from "./metrics.js";
import type { Pipeline } from "./pipeline.js";
import { buildPipeline } from "./pipelines.js";
import { Rejector } from "./rejection.js";

/** One recording: the hands of one gesture, in the dataset's pixel convention, 63 values each. */
export interface RecordingSession {
  id: string;
  label: string;
  rows: Float64Array;
}

/** Labels a user may give: what the sample CSV and the model file accept. */
export const OWN_LABEL = /^[A-Za-z0-9_.-]{1,64}$/;
/** Hands a session needs before it counts. */
export const MIN_SESSION_ROWS = 20;

export interface RecordingQuality {
  rows: number;
  /** Spread of the hand's place (wrist) over the frame's size, of its size (palm, log scale) and of its turn. */
  spread: { position: number; scale: number; turnDeg: number };
  /** What a person should do about it; empty when the recording is fine. */
  warnings: string[];
}

const sessionRows = (s: RecordingSession) => s.rows.length / HAND_DIM;

/**
 * How varied a recording is: the hands' place in the frame, size and turn. Hands all alike (a frozen pose in one
 * spot) train a model that knows that one pose; a warning says so, and what to vary.
 */
export function recordingQuality(rows: Float64Array, frame: { width: number; height: number }): RecordingQuality {
  const n = rows.length / HAND_DIM;
  const warnings: string[] = [];
  if (n < MIN_SESSION_ROWS) warnings.push(`only ${n} hands: hold the gesture longer (at least ${MIN_SESSION_ROWS})`);
  const xs: number[] = [];
  const ys: number[] = [];
  const logScale: number[] = [];
  const turn: number[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * HAND_DIM;
    const wx = rows[o + 3 * WRIST];
    const wy = rows[o + 3 * WRIST + 1];
    const mx = rows[o + 3 * MIDDLE_MCP] - wx;
    const my = rows[o + 3 * MIDDLE_MCP + 1] - wy;
    const kx = rows[o + 3 * INDEX_MCP] - rows[o + 3 * PINKY_MCP];
    const ky = rows[o + 3 * INDEX_MCP + 1] - rows[o + 3 * PINKY_MCP + 1];
    xs.push(wx / frame.width);
    ys.push(wy / frame.height);
    logScale.push(Math.log(Math.max(1e-9, Math.hypot(mx, my) + Math.hypot(kx, ky))));
    turn.push((Math.atan2(mx, -my) * 180) / Math.PI);
  }
  const sd = (v: number[]) => {
    if (v.length < 2) return 0;
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
  };
  const spread = { position: Math.hypot(sd(xs), sd(ys)), scale: sd(logScale), turnDeg: sd(turn) };
  if (n >= MIN_SESSION_ROWS) {
    const alike: string[] = [];
    if (spread.position < 0.02) alike.push("move it around the frame");
    if (spread.scale < 0.05) alike.push("bring it nearer and further");
    if (spread.turnDeg < 3) alike.push("turn it a little");
    if (alike.length === 3) warnings.push(`the hands are all alike: ${alike.join(", ")}`);
  }
  return { rows: n, spread, warnings };
}

/** Rows of several sessions as one matrix with their labels and session of each row. */
export function stackSessions(sessions: readonly RecordingSession[]): {
  X: Matrix;
  labels: string[];
  session: string[];
} {
  const total = sessions.reduce((a, s) => a + sessionRows(s), 0);
  const X = matrix(total, HAND_DIM);
  const labels: string[] = [];
  const session: string[] = [];
  let r = 0;
  for (const s of sessions) {
    if (s.rows.length % HAND_DIM !== 0)
      throw new HandgestureError(`session ${s.id}: rows are not ${HAND_DIM} values each`);
    X.data.set(s.rows, r * HAND_DIM);
    for (let i = 0; i < sessionRows(s); i++) {
      labels.push(s.label);
      session.push(s.id);
    }
    r += sessionRows(s);
  }
  return { X, labels, session };
}

/** What is wrong with a set of sessions before any training: each problem in words. */
export function checkSessions(sessions: readonly RecordingSession[]): string[] {
  const problems: string[] = [];
  const byLabel = new Map<string, RecordingSession[]>();
  for (const s of sessions) {
    if (!OWN_LABEL.test(s.label)) {
      problems.push(`"${s.label}" is not a valid gesture name: 1 to 64 letters, digits, "_", "-" or "."`);
      continue;
    }
    if (sessionRows(s) === 0) problems.push(`session ${s.id} (${s.label}) holds no hand`);
    byLabel.set(s.label, [...(byLabel.get(s.label) ?? []), s]);
  }
  for (const [label, of] of byLabel) {
    const rows = of.reduce((a, s) => a + sessionRows(s), 0);
    if (rows < MIN_SESSION_ROWS) problems.push(`${label} has ${rows} hands: record at least ${MIN_SESSION_ROWS}`);
  }
  if (byLabel.size < 1) problems.push("record at least one gesture");
  return problems;
}

export interface ClassAdvice {
  label: string;
  recall: number;
  /** Empty when the class is held-out-recognised well enough. */
  advice: string;
}

export interface SessionEvaluation {
  /**
   * Held-out sessions' report over the user's gestures (averages over those only); with HaGRID's classes added,
   * the confusion matrix has one more column, BASE_CLASS, for own hands named as any of them.
   */
  report: Report;
  /** Folds: fold k held out the k-th session of every class that has more than k. */
  folds: number;
  /** Classes with one session only: no held-out figure (their rows are always in training). */
  notHeldOut: string[];
  advice: ClassAdvice[];
}

export interface TrainOwnOptions {
  /** A pipeline of pipelines.ts (default "handshape-logreg": trains in a second or two, in a page too). */
  pipeline?: string;
  /** HaGRID rows the user's gestures are added to (pixel convention), with their labels. */
  base?: { X: Matrix; labels: readonly string[] };
  /** Said at each step, for a progress display: share done (0 to 1) and what is under way. */
  onProgress?: (done: number, what: string) => void;
}

export interface OwnModel {
  model: Pipeline;
  evaluation: SessionEvaluation;
  rows: { own: number; base: number };
  classes: readonly string[];
}

const WEAK_RECALL = 0.8;

/**
 * Evaluates by held-out sessions, then fits on everything. In fold k, the k-th session of each class with more
 * than k sessions is held out and the model (and nothing else) is fitted on the rest, base rows included; a class
 * with one session is never held out (said in `notHeldOut`). Base rows are never held out: the figure is about
 * the user's gestures.
 */
export function trainOwnGestures(sessions: readonly RecordingSession[], options: TrainOwnOptions = {}): OwnModel {
  const problems = checkSessions(sessions);
  if (problems.length) throw new HandgestureError(problems.join("; "));
  const progress = options.onProgress ?? (() => {});
  const pipeline = options.pipeline ?? "handshape-logreg";
  const own = stackSessions(sessions);
  const base = options.base;
  const baseRows = base?.X.rows ?? 0;
  const X = matrix(own.X.rows + baseRows, HAND_DIM);
  X.data.set(own.X.data, 0);
  if (base) X.data.set(base.X.data.subarray(0, baseRows * HAND_DIM), own.X.rows * HAND_DIM);
  const names = [...own.labels, ...(base?.labels ?? [])];
  const y = encodeLabels(names);

  // Sessions of each class in recording order; fold k holds out the k-th of each.
  const order = new Map<string, string[]>();
  for (const s of sessions) order.set(s.label, [...(order.get(s.label) ?? []), s.id]);
  const folds = Math.max(...[...order.values()].map((ids) => ids.length));
  const notHeldOut = [...order].filter(([, ids]) => ids.length < 2).map(([label]) => label);
  const heldOutOf = (k: number) =>
    new Set([...order.values()].filter((ids) => ids.length >= 2 && k < ids.length).map((ids) => ids[k]));
  const yTrue: number[] = [];
  const yPred: number[] = [];
  const steps = folds + 1;
  const proba = new Float64Array(y.classes.length);
  for (let k = 0; k < folds; k++) {
    const held = heldOutOf(k);
    if (held.size === 0) continue;
    progress(k / steps, `held-out session ${k + 1} of ${folds}`);
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < X.rows; i++) (i < own.X.rows && held.has(own.session[i]) ? test : train).push(i);
    const m = buildPipeline(pipeline).fit(takeRows(X, train), takeLabels(y, train));
    const codeOf = new Map(m.classes.map((c, j) => [j, y.classes.indexOf(c)]));
    for (const i of test) {
      m.predictProbaRow(X.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM), proba);
      let b = 0;
      for (let j = 1; j < m.classes.length; j++) if (proba[j] > proba[b]) b = j;
      yTrue.push(y.codes[i]);
      yPred.push(codeOf.get(b) as number);
    }
  }
  const report = ownReport(yTrue, yPred, y.classes, [...order.keys()], notHeldOut);
  const advice: ClassAdvice[] = [...order.keys()].map((label) => {
    if (notHeldOut.includes(label)) {
      return {
        label,
        recall: Number.NaN,
        advice: "record a second session (at another time, angle or distance) to measure it",
      };
    }
    const recall = report.per_class[label]?.recall ?? 0;
    return {
      label,
      recall,
      advice:
        recall >= WEAK_RECALL
          ? ""
          : `${Math.round(recall * 100)}% of its held-out hands named: record more, or from another angle and distance`,
    };
  });
  progress(folds / steps, "fitting on every hand");
  const model = buildPipeline(pipeline).fit(X, y);
  model.rejector = Rejector.fit(X, y);
  progress(1, "done");
  return {
    model,
    evaluation: { report, folds, notHeldOut, advice },
    rows: { own: own.X.rows, base: baseRows },
    classes: y.classes,
  };
}

/** Label of the confusion matrix's column for own hands taken for one of the base (HaGRID) classes. */
export const BASE_CLASS = "(a HaGRID class)";

/**
 * The held-out report over the user's gestures only, averaged over those with a held-out session: base rows and a
 * gesture of one session are never held out, so they have no support and would drag every average down; an own
 * hand named as a base class is a miss, in one column.
 */
function ownReport(
  yTrue: number[],
  yPred: number[],
  classes: readonly string[],
  own: string[],
  notHeldOut: string[],
): Report {
  const ownSorted = [...own].sort();
  const at = new Map(ownSorted.map((c, i) => [c, i]));
  const k = ownSorted.length;
  const t = yTrue.map((c) => at.get(classes[c]) as number);
  const p = yPred.map((c) => at.get(classes[c]) ?? k);
  const hasBase = p.some((c) => c === k) || classes.length > k;
  const full = classificationReport(t, p, hasBase ? [...ownSorted, BASE_CLASS] : ownSorted);
  const measured = ownSorted.filter((c) => !notHeldOut.includes(c));
  if (!hasBase && measured.length === k) return full;
  const per_class = Object.fromEntries(ownSorted.map((c) => [c, full.per_class[c]]));
  return { ...averagedOver(full, measured, t.length), per_class };
}
