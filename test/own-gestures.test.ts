import { describe, expect, it } from "vitest";
import { HAND_DIM } from "../src/core/landmarks.js";
import {
  checkSessions,
  MIN_SESSION_ROWS,
  type RecordingSession,
  recordingQuality,
  trainOwnGestures,
} from "../src/core/own-gestures.js";
import { loadTable } from "./data.js";
import { DEV_CSV, hasShared } from "./shared.js";

/**
 * Own gestures from real hands: three classes of the dev sample stand in for a user's recordings. The sample is
 * made of blocks of about 20 consecutive rows from different places of the full file (different photos and
 * people), so the first and second half of a class's rows are a fair stand-in for two recording sessions.
 */
const ready = hasShared("data", "hagrid_sample_dev.csv");

function sessionsOf(labels: string[], perClass = 2): RecordingSession[] {
  const t = loadTable(DEV_CSV);
  const out: RecordingSession[] = [];
  for (const label of labels) {
    const idx = t.labels.flatMap((l, i) => (l === label ? [i] : []));
    // The class's rows in file order, cut into consecutive parts: each part is one or two of the sample's blocks.
    for (let k = 0; k < perClass; k++) {
      const rows = idx.slice(Math.floor((k * idx.length) / perClass), Math.floor(((k + 1) * idx.length) / perClass));
      const data = new Float64Array(rows.length * HAND_DIM);
      for (const [j, r] of rows.entries()) data.set(t.X.data.subarray(r * HAND_DIM, (r + 1) * HAND_DIM), j * HAND_DIM);
      out.push({ id: `${label}-${k + 1}`, label: `my_${label}`, rows: data });
    }
  }
  return out;
}

describe.skipIf(!ready)("own gestures", () => {
  it("holds out whole sessions: every class measured, named well, with a model that rejects what it never saw", () => {
    const sessions = sessionsOf(["call", "rock", "one"]);
    const steps: string[] = [];
    const r = trainOwnGestures(sessions, { onProgress: (_, what) => steps.push(what) });
    expect(r.classes).toEqual(["my_call", "my_one", "my_rock"]);
    expect(r.evaluation.folds).toBe(2);
    expect(r.evaluation.notHeldOut).toEqual([]);
    const support = Object.values(r.evaluation.report.per_class).reduce((a, c) => a + c.support, 0);
    expect(support).toBe(r.rows.own); // each own hand held out exactly once
    expect(r.evaluation.report.macro_f1).toBeGreaterThan(0.85);
    expect(r.evaluation.advice.every((a) => a.advice === "")).toBe(true);
    expect(steps[steps.length - 1]).toBe("done");
    expect(r.model.rejector).not.toBeNull();
    // A palm is none of the three: the rejector (fitted on the user's hands) turns it down.
    const palm = loadTable(DEV_CSV);
    const i = palm.labels.indexOf("palm");
    const x = palm.X.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM);
    const p = new Float64Array(3);
    r.model.predictProbaRow(x, p);
    const rej = r.model.rejector as NonNullable<typeof r.model.rejector>;
    expect(rej.accepts(rej.scoreRow(x, p))).toBe(false);
  }, 60_000);

  it("adds them to HaGRID's classes, and says which class cannot be measured or is weak", () => {
    const t = loadTable(DEV_CSV);
    const own = sessionsOf(["call"], 2);
    const single = sessionsOf(["rock"], 1);
    const r = trainOwnGestures([...own, ...single], { base: { X: t.X, labels: t.labels } });
    expect(r.classes).toContain("my_call");
    expect(r.classes).toContain("palm");
    expect(r.classes.length).toBe(20);
    expect(r.rows.base).toBe(942);
    expect(r.evaluation.notHeldOut).toEqual(["my_rock"]);
    // The figures are the user's gestures': HaGRID's classes (never held out) neither count nor drag the average.
    expect(Object.keys(r.evaluation.report.per_class)).toEqual(["my_call", "my_rock"]);
    expect(r.evaluation.report.confusion.labels).toEqual(["my_call", "my_rock", "(a HaGRID class)"]);
    // Averaged over the one gesture held out (my_rock has a single session): its F1 is the macro-F1.
    expect(r.evaluation.report.macro_f1).toBeCloseTo(r.evaluation.report.per_class.my_call.f1, 12);
    const rock = r.evaluation.advice.find((a) => a.label === "my_rock");
    expect(rock?.advice).toMatch(/second session/);
    // my_call is HaGRID's call under another name: held out, its hands go to either, so it is weak and told so.
    const call = r.evaluation.advice.find((a) => a.label === "my_call");
    expect(call?.recall).toBeLessThan(0.8);
    expect(call?.advice).toMatch(/record more/);
  }, 120_000);

  it("refuses bad input in words: an invalid name, too few hands, an empty recording", () => {
    const ok = sessionsOf(["call"], 1)[0];
    expect(checkSessions([{ ...ok, label: "thumbs up!" }]).join()).toMatch(/not a valid gesture name/);
    expect(checkSessions([{ ...ok, rows: ok.rows.slice(0, 5 * HAND_DIM) }]).join()).toMatch(
      new RegExp(`5 hands: record at least ${MIN_SESSION_ROWS}`),
    );
    expect(checkSessions([{ ...ok, rows: new Float64Array(0) }]).join()).toMatch(/holds no hand/);
    expect(() => trainOwnGestures([{ ...ok, label: "a b" }])).toThrow(/not a valid gesture name/);
  });

  it("warns when a recording's hands are all alike, not when they vary", () => {
    const one = sessionsOf(["call"], 1)[0];
    const frozen = new Float64Array(40 * HAND_DIM);
    for (let i = 0; i < 40; i++) frozen.set(one.rows.subarray(0, HAND_DIM), i * HAND_DIM);
    const frame = { width: 640, height: 480 };
    expect(recordingQuality(frozen, frame).warnings.join()).toMatch(/all alike/);
    const varied = recordingQuality(one.rows, { width: 1000, height: 1000 });
    expect(varied.warnings).toEqual([]);
    expect(varied.spread.turnDeg).toBeGreaterThan(3);
    expect(recordingQuality(one.rows.slice(0, 3 * HAND_DIM), frame).warnings.join()).toMatch(/only 3 hands/);
  });
});
