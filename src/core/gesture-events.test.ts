import { describe, expect, it } from "vitest";
import { type DecidedFrame, GestureDecider, type GestureEvent, measureDecisions } from "./gesture-events.js";
import { Random } from "./random.js";
import { GestureSmoother, NO_GESTURE } from "./smoothing.js";

const FRAME_MS = 33;

/** Feeds one hand's (best, probability) per frame, FRAME_MS apart from t0; returns the events and decisions. */
function feed(decider: GestureDecider, frames: [string, number][], t0 = 0, key = "Right") {
  const events: GestureEvent[] = [];
  const off = decider.on((e) => events.push({ ...e }));
  const labels: string[] = [];
  frames.forEach(([best, p], i) => {
    decider.beginFrame();
    labels.push(decider.update(key, key, best, p, t0 + i * FRAME_MS).label);
    decider.endFrame(t0 + i * FRAME_MS);
  });
  off();
  return { events, labels };
}

const run = (best: string, p: number, n: number) => Array.from({ length: n }, () => [best, p] as [string, number]);

describe("GestureDecider", () => {
  it("names a gesture only once it has led for the minimum duration, and says when it began", () => {
    const { events, labels } = feed(new GestureDecider(), run("palm", 0.9, 8));
    // 150 ms at 33 ms a frame: the frame at 165 ms (the sixth) completes it.
    expect(labels).toEqual([...Array(5).fill(NO_GESTURE), "palm", "palm", "palm"]);
    expect(events).toEqual([
      { type: "start", handId: 1, handedness: "Right", label: "palm", probability: 0.9, startTime: 0, time: 165 },
    ]);
  });

  it("never names a gesture seen for fewer frames than the minimum duration, nor one under `enter`", () => {
    const stray = feed(new GestureDecider(), [...run("palm", 0.9, 3), ...run("fist", 0.9, 3), ...run("like", 0.9, 2)]);
    expect(stray.events).toEqual([]);
    const unsure = feed(new GestureDecider(), run("palm", 0.55, 20));
    expect(unsure.events).toEqual([]);
    expect(new Set(unsure.labels)).toEqual(new Set([NO_GESTURE]));
  });

  it("keeps a held gesture through a dip above `exit` and through short dropouts (hysteresis)", () => {
    const frames = [
      ...run("palm", 0.9, 6),
      ...run("palm", 0.45, 10), // under enter, over exit: kept
      ...run("fist", 0.95, 2), // 66 ms of another gesture: too short to end it
      ...run("palm", 0.3, 3), // 99 ms under exit: still too short
      ...run("palm", 0.8, 5),
    ];
    const { events, labels } = feed(new GestureDecider(), frames);
    expect(events.map((e) => e.type)).toEqual(["start"]);
    expect(labels.slice(5)).toEqual(Array(frames.length - 5).fill("palm"));
  });

  it("ends a gesture that fades, and switches to a new one with an end and a start in the same frame", () => {
    const fade = feed(new GestureDecider(), [...run("palm", 0.9, 6), ...run("palm", 0.2, 8)]);
    expect(fade.events.map((e) => [e.type, e.label, e.reason, e.time])).toEqual([
      ["start", "palm", undefined, 165],
      ["end", "palm", "faded", 198 + 165], // the dip began at 198 ms and lasted 150 ms
    ]);
    const change = feed(new GestureDecider(), [...run("palm", 0.9, 6), ...run("fist", 0.9, 8)]);
    expect(change.events.map((e) => [e.type, e.label, e.reason, e.startTime, e.time])).toEqual([
      ["start", "palm", undefined, 0, 165],
      ["end", "palm", "changed", 0, 363],
      ["start", "fist", undefined, 198, 363],
    ]);
    expect(change.labels.slice(6, 11)).toEqual(Array(5).fill("palm"));
    expect(change.labels.slice(11)).toEqual(Array(3).fill("fist"));
  });

  it("ends a hand's gesture when the hand leaves, and keeps two hands apart", () => {
    const decider = new GestureDecider();
    const events: GestureEvent[] = [];
    decider.on((e) => events.push({ ...e }));
    for (let i = 0; i < 8; i++) {
      decider.beginFrame();
      decider.update("Left", "Left", "peace", 0.8, i * FRAME_MS);
      if (i < 6) decider.update("Right", "Right", "like", 0.9, i * FRAME_MS);
      decider.endFrame(i * FRAME_MS);
    }
    expect(events.map((e) => [e.type, e.handId, e.handedness, e.label, e.reason])).toEqual([
      ["start", 1, "Left", "peace", undefined],
      ["start", 2, "Right", "like", undefined],
      ["end", 2, "Right", "like", "lost"], // the Right hand was missing from the frame at 198 ms
    ]);
    decider.reset(300);
    expect(events.at(-1)).toMatchObject({ type: "end", handId: 1, label: "peace", reason: "lost", time: 300 });
  });

  it("refuses thresholds that make no sense", () => {
    expect(() => new GestureDecider({ enter: 0.5, exit: 0.7 })).toThrow(/exit must be from 0 to enter/);
    expect(() => new GestureDecider({ enter: 1.5 })).toThrow(/enter/);
    expect(() => new GestureDecider({ minDurationMs: -1 })).toThrow(/minDurationMs/);
  });

  /** 3 gestures, 2 s each at 30 frames/s; in `noise` of the frames another class wins with 0.7–0.9. */
  function noisyRun(noise: number) {
    const classes = ["palm", "fist", "like"];
    const rnd = new Random(7);
    const smoother = new GestureSmoother(classes);
    const decider = new GestureDecider();
    const raw: DecidedFrame[] = [];
    const decided: DecidedFrame[] = [];
    for (let f = 0; f < 180; f++) {
      const truth = classes[Math.floor(f / 60)];
      const stray = rnd.next() < noise;
      const winner = stray ? classes[(classes.indexOf(truth) + 1 + Math.floor(rnd.next() * 2)) % 3] : truth;
      const proba = classes.map((c) => (c === winner ? 0.7 + 0.2 * rnd.next() : 0.05 + 0.05 * rnd.next()));
      const time = f * FRAME_MS;
      smoother.beginFrame();
      decider.beginFrame();
      const s = smoother.update("Right", proba);
      raw.push({ time, truth, label: s.label });
      decided.push({ time, truth, label: decider.update("Right", "Right", s.best, s.probability, time).label });
      decider.endFrame(time);
    }
    return { before: measureDecisions(raw), after: measureDecisions(decided) };
  }

  it("on noisy probabilities, flickers far less than the smoothed threshold alone, and names every gesture", () => {
    for (const noise of [0.1, 0.25]) {
      const { before, after } = noisyRun(noise);
      expect(after.missed).toBe(0);
      expect(before.flickerPerSecond).toBeGreaterThan(1);
      expect(after.flickerPerSecond).toBeLessThan(before.flickerPerSecond / 3);
      // Onset: the minimum duration plus the smoothing window's lag; longer when a quarter of the frames disagree.
      for (const ms of after.onsetMs) expect(ms).toBeLessThan(noise < 0.2 ? 400 : 1000);
    }
  });
});

describe("measureDecisions", () => {
  it("counts label changes per second inside held segments and the onset of each gesture", () => {
    const frames: DecidedFrame[] = [
      { time: 0, truth: "palm", label: NO_GESTURE },
      { time: 100, truth: "palm", label: "palm" },
      { time: 200, truth: "palm", label: "fist" },
      { time: 300, truth: "palm", label: "palm" },
      { time: 400, truth: "fist", label: "palm" }, // the cut: not counted as flicker
      { time: 500, truth: "fist", label: "fist" },
      { time: 600, truth: NO_GESTURE, label: NO_GESTURE },
      { time: 700, truth: "like", label: NO_GESTURE },
      { time: 800, truth: "like", label: NO_GESTURE },
    ];
    const m = measureDecisions(frames);
    // From the first frame naming the gesture: palm 2 changes (→fist, →palm) over 200 ms, fist none over 0 ms; the
    // no-gesture frame none; like never named (missed, no flicker counted).
    expect(m.flickerPerSecond).toBeCloseTo((2 * 1000) / 200, 10);
    expect(m.onsetMs).toEqual([100, 100]);
    expect(m.missed).toBe(1);
  });
});
