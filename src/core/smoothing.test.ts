import { describe, expect, it } from "vitest";
import { GestureSmoother, NO_GESTURE } from "./smoothing.js";

const classes = ["fist", "like", "palm"];

describe("GestureSmoother", () => {
  it("averages each class's probability over the last `frames` frames", () => {
    const s = new GestureSmoother(classes, { frames: 3, threshold: 0, restart: 1 });
    const frames = [
      [0.9, 0.1, 0],
      [0.2, 0.8, 0],
      [0.2, 0.7, 0.1],
      [0.1, 0.1, 0.8],
    ];
    const out = frames.map((p) => {
      s.beginFrame();
      return s.update("Left", p);
    });
    expect(out[0]).toMatchObject({ label: "fist", best: "fist", frames: 1 });
    expect(out[0].probability).toBeCloseTo(0.9, 12);
    // (0.9 + 0.2) / 2 = 0.55 fist vs 0.45 like: one ambiguous frame does not flip the label
    expect(out[1].label).toBe("fist");
    expect(out[1].probability).toBeCloseTo(0.55, 12);
    // frames 1-3: like (0.1 + 0.8 + 0.7) / 3
    expect(out[2].label).toBe("like");
    expect(out[2].probability).toBeCloseTo(1.6 / 3, 12);
    // frames 2-4 (the first left the window): like (0.8 + 0.7 + 0.1) / 3 = 0.533 vs palm 0.3
    expect(out[3].label).toBe("like");
    expect(out[3].probability).toBeCloseTo(1.6 / 3, 12);
    expect(out[3].frames).toBe(3);
  });

  it("answers NO_GESTURE below the threshold, and still says which class was best", () => {
    const s = new GestureSmoother(classes, { frames: 1, threshold: 0.6 });
    s.beginFrame();
    expect(s.update("Right", [0.5, 0.3, 0.2])).toMatchObject({ label: NO_GESTURE, best: "fist", probability: 0.5 });
    s.beginFrame();
    expect(s.update("Right", [0.1, 0.2, 0.7]).label).toBe("palm");
    s.configure({ threshold: 0.75 });
    s.beginFrame();
    expect(s.update("Right", [0.1, 0.2, 0.7]).label).toBe(NO_GESTURE);
  });

  it("keeps two hands apart and forgets a hand that left the frame", () => {
    const s = new GestureSmoother(classes, { frames: 4, threshold: 0 });
    s.beginFrame();
    s.update("Left", [1, 0, 0]);
    s.update("Right", [0, 0, 1]);
    s.beginFrame();
    expect(s.update("Left", [1, 0, 0]).label).toBe("fist");
    expect(s.update("Right", [0, 0, 1]).label).toBe("palm");
    s.beginFrame(); // Right not seen in this frame
    s.update("Left", [1, 0, 0]);
    s.beginFrame();
    const back = s.update("Right", [0, 1, 0]);
    expect(back).toMatchObject({ label: "like", frames: 1 });
  });

  it("restarts a hand's history at a sure frame of a new class, and only there", () => {
    const run = (seq: number[][], accepted: boolean[] = seq.map(() => true)) => {
      const s = new GestureSmoother(classes, { frames: 3, threshold: 0.5 });
      return seq.map((p, i) => {
        s.beginFrame();
        return s.update("Right", p, accepted[i]);
      });
    };
    const fist = [0.95, 0.05, 0];
    const palm = [0.02, 0.03, 0.95];
    // A hard cut from fist to palm: named palm in its first frame (without the restart: fist, then palm).
    const cut = run([fist, fist, fist, palm, palm]);
    expect(cut.map((o) => o.label)).toEqual(["fist", "fist", "fist", "palm", "palm"]);
    expect(cut[3]).toMatchObject({ frames: 1, best: "palm" });
    expect(cut[3].probability).toBeCloseTo(0.95, 12);
    expect(cut[4].frames).toBe(2);
    // An unsure odd frame (0.7 < 0.8) is smoothed as before: the label stays.
    const odd = run([fist, fist, fist, [0.1, 0.2, 0.7], fist]);
    expect(odd.map((o) => o.label)).toEqual(["fist", "fist", "fist", "fist", "fist"]);
    expect(odd[3].frames).toBe(3);
    // A sure frame the rejector turned down does not restart either.
    const rejected = run([fist, fist, fist, palm], [true, true, true, false]);
    expect(rejected[3]).toMatchObject({ label: "fist", frames: 3 });
    // Nor a sure frame of a class the window already gave 0.2 or more (here 0.25): the window averages it in.
    const mixed = run([[0.3, 0.1, 0.6], [0.9, 0.1, 0], [0.9, 0.05, 0.05], palm]);
    expect(mixed[3]).toMatchObject({ frames: 3, label: "fist" });
    expect(mixed[3].probability).toBeCloseTo((0.9 + 0.9 + 0.02) / 3, 12);
    // A window led by a frame the rejector turned down (fist 0.6 only) still gives way to a sure new class.
    const afterRejected = run([fist, fist, [0.6, 0.4, 0], palm], [true, true, false, true]);
    expect(afterRejected[3]).toMatchObject({ frames: 1, label: "palm" });
    // restart: 1 turns it off; it must lie in (0.5, 1].
    const off = new GestureSmoother(classes, { frames: 3, restart: 1 });
    for (const p of [fist, fist, fist]) {
      off.beginFrame();
      off.update("Right", p);
    }
    off.beginFrame();
    expect(off.update("Right", palm)).toMatchObject({ label: "fist", frames: 3 });
    expect(() => new GestureSmoother(classes, { restart: 0.5 })).toThrow(/restart/);
    expect(() => new GestureSmoother(classes, { restart: 1.2 })).toThrow(/restart/);
  });

  it("refuses bad options and vectors of the wrong length", () => {
    expect(() => new GestureSmoother(classes, { frames: 0 })).toThrow(/frames/);
    expect(() => new GestureSmoother(classes, { threshold: 1.5 })).toThrow(/threshold/);
    const s = new GestureSmoother(classes);
    expect(() => s.update("a", [0.5, 0.5])).toThrow(/expected 3/);
  });

  it("says no gesture while fewer than half of the window's frames were accepted by the rejector", () => {
    const s = new GestureSmoother(classes, { frames: 4, threshold: 0.5 });
    const sure = [0.95, 0.05, 0];
    const seq = [true, false, false, false, true, true, true];
    const out = seq.map((a) => {
      s.beginFrame();
      return s.update("Right", sure, a);
    });
    // accepted shares over the last up-to-4 frames: 1, 1/2, 1/3, 1/4, 1/4, 2/4, 3/4
    expect(out.map((o) => o.label)).toEqual(["fist", "fist", NO_GESTURE, NO_GESTURE, NO_GESTURE, "fist", "fist"]);
    expect(out.map((o) => o.accepted)).toEqual([1, 0.5, 1 / 3, 0.25, 0.25, 0.5, 0.75]);
    expect(out.every((o) => o.best === "fist")).toBe(true);
    // Without an acceptance every frame counts as accepted: the old behaviour.
    s.reset();
    s.beginFrame();
    expect(s.update("Right", sure)).toMatchObject({ label: "fist", accepted: 1 });
  });
});
