import { describe, expect, it } from "vitest";
import { HandgestureError } from "./errors.js";
import { fromRows } from "./matrix.js";
import { accuracy, classificationReport, confusionMatrix, formatConfusion, formatReport, logLoss } from "./metrics.js";

const codes = (a: number[]) => Int32Array.from(a);

describe("confusionMatrix / accuracy", () => {
  it("puts true classes on rows and predictions on columns", () => {
    const m = confusionMatrix(codes([0, 0, 1, 1, 2]), codes([0, 1, 1, 1, 0]), 3);
    expect(m.map((r) => Array.from(r))).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 0],
    ]);
    expect(accuracy(codes([0, 0, 1, 1, 2]), codes([0, 1, 1, 1, 0]))).toBeCloseTo(0.6, 15);
  });

  it("rejects mismatched lengths, empty input and out-of-range codes", () => {
    expect(() => accuracy(codes([0]), codes([0, 1]))).toThrow(HandgestureError);
    expect(() => accuracy(codes([]), codes([]))).toThrow(/empty/);
    expect(() => confusionMatrix(codes([0, 3]), codes([0, 1]), 3)).toThrow(/class code 3/);
    expect(() => confusionMatrix(codes([0, 1]), codes([0, -1]), 3)).toThrow(/yPred/);
  });
});

describe("classificationReport", () => {
  it("matches hand-computed values, including a class that is never predicted", () => {
    // cm = [[1,1,0],[0,2,0],[1,0,0]]; "c" has one true row and no predictions.
    const r = classificationReport(codes([0, 0, 1, 1, 2]), codes([0, 1, 1, 1, 0]), ["a", "b", "c"]);
    expect(r.per_class.a).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(r.per_class.b.precision).toBeCloseTo(2 / 3, 15);
    expect(r.per_class.b.recall).toBe(1);
    expect(r.per_class.b.f1).toBeCloseTo(0.8, 15);
    expect(r.per_class.c).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(r.accuracy).toBeCloseTo(0.6, 15);
    expect(r.macro_precision).toBeCloseTo(7 / 18, 15);
    expect(r.macro_recall).toBeCloseTo(0.5, 15);
    expect(r.macro_f1).toBeCloseTo(1.3 / 3, 15);
    // Weighted by support 2, 2, 1.
    expect(r.weighted_precision).toBeCloseTo((0.5 * 2 + (2 / 3) * 2) / 5, 15);
    expect(r.weighted_recall).toBeCloseTo(0.6, 15);
    expect(r.weighted_f1).toBeCloseTo(0.52, 15);
    expect(r.confusion).toEqual({
      labels: ["a", "b", "c"],
      matrix: [
        [1, 1, 0],
        [0, 2, 0],
        [1, 0, 0],
      ],
    });
  });

  it("counts a listed class with no true rows in the macro average (recall 0) but not in the weighted one", () => {
    const r = classificationReport(codes([0, 1]), codes([0, 1]), ["a", "b", "z"]);
    expect(r.per_class.z).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(r.macro_recall).toBeCloseTo(2 / 3, 15);
    expect(r.weighted_recall).toBe(1);
    expect(r.accuracy).toBe(1);
  });

  it("agrees with scikit-learn 1.2.1", () => {
    // Reference: /usr/bin/python3, sklearn 1.2.1:
    //   precision_recall_fscore_support(yt, yp, labels=[0,1,2,3], average=None|'macro'|'weighted', zero_division=0)
    //   confusion_matrix(yt, yp, labels=[0,1,2,3]); accuracy_score(yt, yp)
    const yt = codes([0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 0, 1]);
    const yp = codes([0, 1, 0, 1, 2, 2, 2, 0, 2, 0, 0, 0]);
    const r = classificationReport(yt, yp, ["w", "x", "y", "z"]);
    const names = ["w", "x", "y", "z"];
    const ref = {
      precision: [0.5, 0.5, 0.75, 0.0],
      recall: [0.75, 0.3333333333333333, 0.75, 0.0],
      f1: [0.6, 0.4, 0.75, 0.0],
      support: [4, 3, 4, 1],
    };
    names.forEach((n, i) => {
      expect(r.per_class[n].precision).toBeCloseTo(ref.precision[i], 12);
      expect(r.per_class[n].recall).toBeCloseTo(ref.recall[i], 12);
      expect(r.per_class[n].f1).toBeCloseTo(ref.f1[i], 12);
      expect(r.per_class[n].support).toBe(ref.support[i]);
    });
    expect(r.accuracy).toBeCloseTo(0.5833333333333334, 12);
    expect(r.macro_precision).toBeCloseTo(0.4375, 12);
    expect(r.macro_recall).toBeCloseTo(0.4583333333333333, 12);
    expect(r.macro_f1).toBeCloseTo(0.4375, 12);
    expect(r.weighted_precision).toBeCloseTo(0.5416666666666666, 12);
    expect(r.weighted_recall).toBeCloseTo(0.5833333333333334, 12);
    expect(r.weighted_f1).toBeCloseTo(0.5499999999999999, 12);
    expect(r.confusion.matrix).toEqual([
      [3, 1, 0, 0],
      [1, 1, 1, 0],
      [1, 0, 3, 0],
      [1, 0, 0, 0],
    ]);
  });

  it("is JSON-friendly, even for awkward class names", () => {
    const r = classificationReport(codes([0, 1, 1]), codes([0, 1, 0]), ["__proto__", "ok"]);
    const back = JSON.parse(JSON.stringify(r));
    expect(back).toEqual(r);
    expect(Object.keys(back.per_class)).toEqual(["__proto__", "ok"]);
    expect(back.per_class.ok.support).toBe(2);
  });
});

describe("logLoss", () => {
  it("agrees with scikit-learn 1.2.1 (eps clipping of a confident mistake)", () => {
    // Reference: log_loss([0,1,2,3], P, labels=[0,1,2,3]) with /usr/bin/python3, sklearn 1.2.1.
    const P = fromRows([
      [0.7, 0.1, 0.1, 0.1],
      [0.2, 0.5, 0.2, 0.1],
      [0.25, 0.25, 0.25, 0.25],
      [0.0, 1.0, 0.0, 0.0],
    ]);
    expect(logLoss(codes([0, 1, 2, 3]), P)).toBeCloseTo(9.61994246868393, 10);
  });

  it("is 0 for perfect one-hot predictions and checks shapes", () => {
    expect(
      logLoss(
        codes([1, 0]),
        fromRows([
          [0, 1],
          [1, 0],
        ]),
      ),
    ).toBeCloseTo(0, 12);
    expect(() =>
      logLoss(
        codes([0]),
        fromRows([
          [0.5, 0.5],
          [0.5, 0.5],
        ]),
      ),
    ).toThrow(HandgestureError);
  });
});

describe("formatReport", () => {
  it("prints an sklearn-like table and a named confusion matrix", () => {
    const r = classificationReport(codes([0, 0, 1, 1, 2]), codes([0, 1, 1, 1, 0]), ["fist", "palm", "peace"]);
    const text = formatReport(r);
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/precision\s+recall\s+f1-score\s+support$/);
    expect(text).toMatch(/^\s+fist\s+0\.50\s+0\.50\s+0\.50\s+2$/m);
    expect(text).toMatch(/^\s+peace\s+0\.00\s+0\.00\s+0\.00\s+1$/m);
    expect(text).toMatch(/^\s+accuracy\s+0\.60\s+5$/m);
    expect(text).toMatch(/^\s+macro avg\s+0\.39\s+0\.50\s+0\.43\s+5$/m);
    expect(text).toMatch(/^weighted avg\s+0\.47\s+0\.60\s+0\.52\s+5$/m);
    expect(text).toMatch(/Confusion matrix \(rows: true, columns: predicted\)/);
    expect(text).toMatch(/^\s+fist\s+palm\s+peace$/m);
    expect(text).toMatch(/^palm\s+0\s+2\s+0$/m);
  });

  it("fits 18 classes in about 120 columns", () => {
    const names = Array.from({ length: 18 }, (_, i) => `gesture_${String.fromCharCode(97 + i)}_long`);
    const yt = codes(Array.from({ length: 900 }, (_, i) => i % 18));
    const yp = codes(Array.from({ length: 900 }, (_, i) => (i % 7 === 0 ? (i + 1) % 18 : i % 18)));
    const text = formatReport(classificationReport(yt, yp, names));
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(120);
    // Truncated names would collide ("gesture"), so columns are numbered and rows carry the numbers.
    expect(text).toMatch(/^\s*17 gesture_r_long/m);
  });

  it("keeps distinct short names as column headers", () => {
    const text = formatConfusion(
      ["one", "two", "three"],
      [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
    );
    expect(text.split("\n")[0]).toMatch(/one\s+two\s+three$/);
  });
});
