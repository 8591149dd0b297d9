/**
 * Compares ways of saying "no gesture", on the dev sample (5-fold CV: each fold's model and rejector fitted on the
 * other folds) against synthetic negatives made from the held-out hands (src/core/negatives.ts), and on the real
 * open-set photos (MediaPipe's landmarks of ../shared/media: 7 HaGRID gestures, 7 other hands) with a model fitted
 * on every row. Each method's threshold is chosen on held-out gestures only (the share `--recall` of them kept).
 *
 *   node --import tsx bench/rejection.ts [--pipeline handshape-vote-aug] [--recall 0.99] [--per-kind 100]
 *
 * Methods: "probability" (1 - top probability), "disagreement" (total variation between the vote's members),
 * "knn" (distance to the predicted class's nearest training hands, augmented reference, and the finger check: the
 * shipped one), "knn-distance" (the distance alone, the shipped one before the finger check), "knn-plain" (with the
 * finger check, no augmented copies in the reference), "mahalanobis" (diagonal, shrunk, predicted class), "knn-sure"
 * (the shipped one with its score halved where the top probability is at least 0.75: tried and not shipped, it lets
 * unusual hands of a gesture in and more non-gestures with them).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseLandmarkCsv } from "../src/core/csv.js";
import type { VotingClassifier } from "../src/core/estimators/voting.js";
import { HandShapeFeatures } from "../src/core/features/hand-shape.js";
import { encodeLabels, type Labels, takeLabels } from "../src/core/labels.js";
import { HAND_DIM, liveHandToDataset } from "../src/core/landmarks.js";
import { type Matrix, takeRows } from "../src/core/matrix.js";
import { stratifiedKFold } from "../src/core/model-selection.js";
import { NEGATIVE_KINDS, synthesizeNegatives } from "../src/core/negatives.js";
import type { Pipeline } from "../src/core/pipeline.js";
import { buildPipeline } from "../src/core/pipelines.js";
import { Rejector } from "../src/core/rejection.js";
import { DEV_CSV, sharedPath } from "../test/shared.js";

const { values } = parseArgs({
  options: {
    pipeline: { type: "string", default: "handshape-vote-aug" },
    recall: { type: "string", default: "0.99" },
    "per-kind": { type: "string", default: "100" },
  },
});
const target = Number(values.recall);
const perKind = Number(values["per-kind"]);
const table = parseLandmarkCsv(readFileSync(DEV_CSV, "utf8"), { file: DEV_CSV });
const y = encodeLabels(table.labels);
const K = y.classes.length;

const OTHER = new Set(["gun", "grabbing", "grip", "middle_finger", "pinkie", "point", "three3"]);
const real: { name: string; row: Float64Array }[] = [];
for (const dir of ["tiles", "open-set", "tracking"]) {
  const { results } = JSON.parse(readFileSync(sharedPath("media", dir, "mediapipe-landmarks.json"), "utf8"));
  for (const t of results) {
    const name = t.img.replace(/^.*\//, "").replace(/\.jpg$/, "");
    real.push({ name, row: liveHandToDataset({ landmarks: t.landmarks[0], width: t.width, height: t.height }) });
  }
}

type Scorer = (x: Float64Array, proba: Float64Array) => number;

/** Per predicted class, diagonal Gaussian of standardised features, variances shrunk halfway to the pooled one. */
function mahalanobis(X: Matrix, yl: Labels): Scorer {
  const f = new HandShapeFeatures({ depth: "spread", distances: "tips" });
  const F = f.transform(X);
  const d = F.cols;
  const mu = new Float64Array(K * d);
  const v = new Float64Array(K * d);
  const n = new Float64Array(K);
  const gm = new Float64Array(d);
  const gv = new Float64Array(d);
  for (let i = 0; i < F.rows; i++) {
    const c = yl.codes[i];
    n[c]++;
    for (let j = 0; j < d; j++) {
      mu[c * d + j] += F.data[i * d + j];
      gm[j] += F.data[i * d + j];
    }
  }
  for (let c = 0; c < K; c++) for (let j = 0; j < d; j++) mu[c * d + j] /= Math.max(1, n[c]);
  for (let j = 0; j < d; j++) gm[j] /= F.rows;
  for (let i = 0; i < F.rows; i++) {
    const c = yl.codes[i];
    for (let j = 0; j < d; j++) {
      v[c * d + j] += (F.data[i * d + j] - mu[c * d + j]) ** 2;
      gv[j] += (F.data[i * d + j] - gm[j]) ** 2;
    }
  }
  for (let j = 0; j < d; j++) gv[j] /= F.rows;
  for (let c = 0; c < K; c++)
    for (let j = 0; j < d; j++) v[c * d + j] = 0.5 * (v[c * d + j] / Math.max(1, n[c])) + 0.5 * 0.1 * gv[j] + 1e-12;
  const buf = new Float64Array(d);
  return (x, p) => {
    let b = 0;
    for (let j = 1; j < K; j++) if (p[j] > p[b]) b = j;
    f.transformRow(x, buf);
    let s = 0;
    for (let j = 0; j < d; j++) s += (buf[j] - mu[b * d + j]) ** 2 / v[b * d + j];
    return Math.sqrt(s / d);
  };
}

function disagreement(model: Pipeline): Scorer {
  const vote = model.classifier as VotingClassifier;
  const members = vote.members.map(([, m]) => m);
  const bufs = members.map(() => new Float64Array(K));
  return (x) => {
    for (let m = 0; m < members.length; m++) members[m].predictProbaRow(x, bufs[m]);
    let tv = 0;
    for (let j = 0; j < K; j++) tv += Math.abs(bufs[0][j] - bufs[1][j]);
    return tv / 2;
  };
}

const METHODS = [
  "probability",
  "disagreement",
  "knn",
  "knn-distance",
  "knn-plain",
  "knn-shape",
  "mahalanobis",
  "knn-sure",
] as const;
type Method = (typeof METHODS)[number];
function scorers(model: Pipeline, X: Matrix, yl: Labels): Record<Method, Scorer> {
  const knn = Rejector.fit(X, yl, { method: "knn" });
  const distance = Rejector.fit(X, yl, { method: "knn", fingers: false });
  const plain = Rejector.fit(X, yl, { method: "knn", copies: 0 });
  const shape = Rejector.fit(X, yl, { method: "knn", space: "shape" });
  return {
    probability: (_x, p) => 1 - Math.max(...p),
    disagreement: disagreement(model),
    knn: (x, p) => knn.scoreRow(x, p),
    "knn-distance": (x, p) => distance.scoreRow(x, p),
    "knn-plain": (x, p) => plain.scoreRow(x, p),
    "knn-shape": (x, p) => shape.scoreRow(x, p),
    mahalanobis: mahalanobis(X, yl),
    "knn-sure": (x, p) => {
      const s = knn.scoreRow(x, p);
      return Math.max(...p) >= 0.75 ? s / 2 : s;
    },
  };
}

// Out-of-fold: gestures (score, correct) and negatives (score, kind) per method.
const gest: Record<Method, { s: number; ok: boolean; t: number; b: number }[]> = Object.fromEntries(
  METHODS.map((m) => [m, []]),
) as never;
const neg: Record<Method, { s: number; kind: string }[]> = Object.fromEntries(METHODS.map((m) => [m, []])) as never;
const p = new Float64Array(K);
for (const [fold, split] of stratifiedKFold(y, { folds: 5, seed: 42 }).entries()) {
  const t0 = performance.now();
  const Xtr = takeRows(table.X, split.train);
  const ytr = takeLabels(y, split.train);
  const model = buildPipeline(values.pipeline).fit(Xtr, ytr);
  const sc = scorers(model, Xtr, ytr);
  const Xte = takeRows(table.X, split.test);
  const negs = synthesizeNegatives(Xte, takeLabels(y, split.test), Math.ceil(perKind / 5), 100 + fold);
  for (let i = 0; i < Xte.rows; i++) {
    const x = Xte.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM);
    model.predictProbaRow(x, p);
    let b = 0;
    for (let j = 1; j < K; j++) if (p[j] > p[b]) b = j;
    for (const m of METHODS) {
      gest[m].push({ s: sc[m](x, p), ok: b === y.codes[split.test[i]], t: y.codes[split.test[i]], b });
    }
  }
  for (let i = 0; i < negs.X.rows; i++) {
    const x = negs.X.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM);
    model.predictProbaRow(x, p);
    for (const m of METHODS) neg[m].push({ s: sc[m](x, p), kind: negs.kinds[i] });
  }
  console.error(`fold ${fold + 1}/5 ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

// The model on every row, on the real photos.
const full = buildPipeline(values.pipeline).fit(table.X, y);
const fullSc = scorers(full, table.X, y);

/** Macro-F1 over the 18 classes with a rejected gesture counted as an error (a miss, not a false alarm). */
function macroF1(rows: { s: number; t: number; b: number }[], thr: number): number {
  const tp = new Float64Array(K);
  const fp = new Float64Array(K);
  const fn = new Float64Array(K);
  for (const r of rows) {
    const pred = r.s <= thr ? r.b : -1;
    if (pred === r.t) tp[r.t]++;
    else {
      fn[r.t]++;
      if (pred >= 0) fp[pred]++;
    }
  }
  let f = 0;
  for (let c = 0; c < K; c++) f += tp[c] === 0 ? 0 : (2 * tp[c]) / (2 * tp[c] + fp[c] + fn[c]);
  return f / K;
}

const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
console.log(`macro-F1 without rejection ${macroF1(gest.knn, Number.POSITIVE_INFINITY).toFixed(4)}`);
console.log(`pipeline ${values.pipeline}; threshold keeps ${target} of held-out gestures; ${neg.knn.length} negatives`);
console.log(
  "method        thr     F1(rej=err) recall(correct&accepted)  neg accepted: all  " +
    NEGATIVE_KINDS.join("  ") +
    "  | real: HaGRID named  others accepted",
);
for (const m of METHODS) {
  const s = gest[m].map((g) => g.s).sort((a, b) => a - b);
  const thr = s[Math.min(s.length - 1, Math.ceil(target * s.length) - 1)];
  const rec = gest[m].filter((g) => g.ok && g.s <= thr).length;
  const byKind = NEGATIVE_KINDS.map((k) => {
    const of = neg[m].filter((n) => n.kind === k);
    return pct(of.filter((n) => n.s <= thr).length, of.length);
  });
  const accepted = neg[m].filter((n) => n.s <= thr).length;
  const named: string[] = [];
  const fooled: string[] = [];
  for (const h of real) {
    full.predictProbaRow(h.row, p);
    let b = 0;
    for (let j = 1; j < K; j++) if (p[j] > p[b]) b = j;
    const s2 = fullSc[m](h.row, p);
    if (OTHER.has(h.name)) {
      if (s2 <= thr) fooled.push(`${h.name}(${s2.toFixed(2)})`);
    } else if (s2 <= thr && y.classes[b] === h.name) named.push(h.name);
    else named.push(`!${h.name}(${y.classes[b]} ${s2.toFixed(2)})`);
  }
  console.log(
    `${m.padEnd(13)} ${thr.toFixed(3)}  ${macroF1(gest[m], thr).toFixed(4)}  ${pct(rec, gest[m].length).padEnd(25)} ${pct(accepted, neg[m].length).padEnd(6)} ${byKind.join("  ")}  | ${named.filter((n) => !n.startsWith("!")).length}/7 ${named.filter((n) => n.startsWith("!")).join(" ")}  ${fooled.length}/7 ${fooled.join(" ")}`,
  );
}
