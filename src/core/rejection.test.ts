import { describe, expect, it } from "vitest";
import { KNeighborsClassifier } from "./estimators/knn.js";
import { LandmarkNormalizer } from "./features/seed-normalizer.js";
import { encodeLabels } from "./labels.js";
import { HAND_DIM } from "./landmarks.js";
import { matrix } from "./matrix.js";
import { fromModelFile, toModelFile } from "./model-file.js";
import { synthesizeNegatives } from "./negatives.js";
import { Pipeline } from "./pipeline.js";
import { Random } from "./random.js";
import { GestureRecognizer } from "./recognize.js";
import { decide, Rejector } from "./rejection.js";
import { reportWithRejection } from "./rejection-metrics.js";
import { NO_GESTURE } from "./smoothing.js";

/** Two hand shapes in pixels: an open hand (fingers straight up) and a fist (fingertips back near the palm). */
function hands(n: number, seed = 1, noise = 2) {
  const r = new Random(seed);
  const X = matrix(n, HAND_DIM);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const open = i % 2 === 0;
    const o = i * HAND_DIM;
    X.data[o] = 300;
    X.data[o + 1] = 400;
    for (let f = 0; f < 5; f++) {
      for (let j = 1; j <= 4; j++) {
        const p = 1 + 4 * f + (j - 1);
        const reach = open || j === 1 ? 30 * j : 30 - 6 * j;
        X.data[o + 3 * p] = 300 + (f - 2) * 15 + r.normal() * noise;
        X.data[o + 3 * p + 1] = 400 - 40 - reach + r.normal() * noise;
        X.data[o + 3 * p + 2] = -0.01 * j;
      }
    }
    names.push(open ? "open" : "fist");
  }
  return { X, y: encodeLabels(names) };
}

function fitted() {
  const { X, y } = hands(80);
  const model = new Pipeline([
    ["norm", new LandmarkNormalizer()],
    ["knn", new KNeighborsClassifier({ n_neighbors: 3 })],
  ]).fit(X, y);
  model.rejector = Rejector.fit(X, y, { targetRecall: 0.95, copies: 1 });
  return { model, X, y };
}

/** An open hand whose ring and pinky are curled: a shape neither class has. */
function oddHand(): Float64Array {
  const { X } = hands(2, 9);
  const h = X.data.slice(0, HAND_DIM);
  for (const p of [14, 15, 16, 18, 19, 20]) h[3 * p + 1] = 400 - 40 - 10;
  return h;
}

describe("Rejector", () => {
  it("keeps about its target share of held-out hands and turns down a shape it never saw", () => {
    const { model, X } = fitted();
    const r = model.rejector as Rejector;
    expect(r.calibration.heldout_rows).toBe(80);
    expect(r.calibration.heldout_acceptance).toBeGreaterThanOrEqual(0.95);
    const p = new Float64Array(2);
    let accepted = 0;
    for (let i = 0; i < X.rows; i++) {
      const x = X.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM);
      model.predictProbaRow(x, p);
      if (r.accepts(r.scoreRow(x, p))) accepted++;
    }
    expect(accepted).toBeGreaterThanOrEqual(76); // its own training hands are nearer than held-out ones
    const odd = oddHand();
    model.predictProbaRow(odd, p);
    expect(r.scoreRow(odd, p)).toBeGreaterThan(2 * r.threshold);
  });

  it("goes through the model file (format 2) and scores bit for bit the same after", () => {
    const { model, X } = fitted();
    const file = toModelFile(model);
    expect(file.version).toBe(2);
    expect(file.rejection?.method).toBe("knn");
    const loaded = fromModelFile(JSON.stringify(file)).model;
    const a = new GestureRecognizer(model);
    const b = new GestureRecognizer(loaded);
    for (const x of [oddHand(), X.data.slice(0, HAND_DIM), X.data.slice(HAND_DIM, 2 * HAND_DIM)]) {
      expect(b.recognizeRow(x)).toEqual(a.recognizeRow(x));
    }
    const odd = b.recognizeRow(oddHand());
    expect(odd.label).toBe(NO_GESTURE);
    expect(["open", "fist"]).toContain(odd.best);
    expect(odd.score).toBeGreaterThan((loaded.rejector as Rejector).threshold);
    expect(b.recognizeRow(X.data.slice(0, HAND_DIM)).label).toBe("open");
  });

  it("leaves a model without a rejector as it was: format 1, never 'no gesture', score null", () => {
    const { model } = fitted();
    model.rejector = null;
    const file = toModelFile(model);
    expect(file.version).toBe(1);
    expect(file.rejection).toBeUndefined();
    const r = new GestureRecognizer(fromModelFile(file).model).recognizeRow(oddHand());
    expect(r.label).not.toBe(NO_GESTURE);
    expect(r.label).toBe(r.best);
    expect(r.score).toBeNull();
    const withBlock = toModelFile(fitted().model);
    expect(() => fromModelFile({ ...withBlock, version: 1 })).toThrow(/version 2/);
    expect(() => fromModelFile({ ...withBlock, rejection: { ...withBlock.rejection, method: "magic" } })).toThrow(
      /rejection method/,
    );
  });

  it("turns down a hand with one finger out of place, which the distance alone lets through", () => {
    // Loosely drawn hands (10 px noise); an open hand with its index tip pulled in to half its reach: 20 of the
    // 210 pair distances change, within the open hands' spread on average, but no open hand has that index.
    const { X, y } = hands(80, 1, 10);
    const h = hands(2, 9, 10).X.data.slice(0, HAND_DIM);
    h[3 * 7 + 1] = 400 - 40 - 70;
    h[3 * 8 + 1] = 400 - 40 - 60;
    const proba = [0, 1]; // "open" (classes sort: fist is 0), as a classifier would say
    const withFingers = Rejector.fit(X, y, { targetRecall: 0.95, copies: 1 });
    const distanceOnly = Rejector.fit(X, y, { targetRecall: 0.95, copies: 1, fingers: false });
    expect(withFingers.checksFingers).toBe(true);
    expect(distanceOnly.checksFingers).toBe(false);
    expect(distanceOnly.accepts(distanceOnly.scoreRow(h, proba))).toBe(true);
    expect(withFingers.scoreRow(h, proba)).toBeGreaterThan(1.5 * withFingers.threshold);
    // The open hands themselves still pass both checks.
    expect(withFingers.accepts(withFingers.scoreRow(X.data.slice(0, HAND_DIM), proba))).toBe(true);
  });

  it("reads a file without the finger check (before it existed) and scores as the distance did", () => {
    const { X, y } = hands(80);
    const old = Rejector.fit(X, y, { targetRecall: 0.95, copies: 1, fingers: false });
    const json = old.toJSON();
    expect(json.reference?.fingers).toBeUndefined();
    expect(json.reference?.unit).toBeUndefined();
    const loaded = Rejector.fromJSON(JSON.parse(JSON.stringify(json)), y.classes);
    expect(loaded.checksFingers).toBe(false);
    const x = oddHand();
    expect(loaded.scoreRow(x, [0, 1])).toBe(old.scoreRow(x, [0, 1]));
    const bad = { ...json, reference: { ...(json.reference as object), fingers: { class_scales: [1], unit: 1 } } };
    expect(() => Rejector.fromJSON(bad as never, y.classes)).toThrow(/finger check/);
  });

  it("refitting the pipeline drops a rejector calibrated on another fit", () => {
    const { model, X, y } = fitted();
    model.fit(X, y);
    expect(model.rejector).toBeNull();
  });
});

describe("decide and reportWithRejection", () => {
  it("names the best class when accepted, 'no gesture' beside it when not", () => {
    const classes = ["a", "b", "c"];
    expect(decide(classes, [0.1, 0.7, 0.2], 1, 2)).toEqual({
      label: "b",
      best: "b",
      probability: 0.7,
      score: 1,
      accepted: true,
    });
    expect(decide(classes, [0.1, 0.7, 0.2], 3, 2).label).toBe(NO_GESTURE);
    expect(decide(classes, [0.1, 0.7, 0.2], 3, 2).best).toBe("b");
    expect(decide(classes, [0.1, 0.7, 0.2], null, null).label).toBe("b");
    expect(decide(classes, [0.1, 0.7, 0.2], null, null, 0.8).label).toBe(NO_GESTURE);
  });

  it("counts a rejected gesture as a miss of its class and a false alarm of none", () => {
    // true a a b b; predicted a b b b; the second row (a wrongly called b) and the third (right) rejected.
    const rep = reportWithRejection([0, 0, 1, 1], [0, 1, 1, 1], [false, true, true, false], ["a", "b"]);
    expect(rep.accuracy).toBe(0.5);
    expect(rep.per_class.a).toMatchObject({ precision: 1, recall: 0.5, support: 2 });
    expect(rep.per_class.b).toMatchObject({ precision: 1, recall: 0.5, support: 2 });
    expect(rep.macro_f1).toBeCloseTo(2 / 3, 12);
  });
});

describe("synthetic negatives", () => {
  it("makes the four kinds from real-looking hands, deterministically", () => {
    const { X, y } = hands(40);
    const a = synthesizeNegatives(X, y, 10, 3);
    const b = synthesizeNegatives(X, y, 10, 3);
    expect(Array.from(a.X.data)).toEqual(Array.from(b.X.data));
    // Both toy classes hold all fingers alike, so no two fingers in different states can swap: three kinds here.
    expect(new Set(a.kinds)).toEqual(new Set(["recombined", "mixture", "noisy"]));
    expect(a.X.data.every(Number.isFinite)).toBe(true);
  });
});
