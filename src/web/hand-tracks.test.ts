import { describe, expect, it } from "vitest";
import { HandTracker } from "./hand-tracks.js";

/** A hand of 21 points all at (x, y), normalized: only the palm's middle matters to the tracker. */
const hand = (x: number, y: number, handedness = "Right") => ({
  landmarks: Array.from({ length: 21 }, () => ({ x, y, z: 0 })),
  handedness,
});

function step(tracker: HandTracker, hands: ReturnType<typeof hand>[]) {
  const ids: number[] = [];
  const keys: string[] = [];
  tracker.assign(hands, 640, 480, ids, keys);
  return { ids: ids.slice(0, hands.length), keys: keys.slice(0, hands.length) };
}

describe("HandTracker", () => {
  it("keeps each hand's id while it moves a little, whatever order MediaPipe lists the hands in", () => {
    const t = new HandTracker();
    const first = step(t, [hand(0.2, 0.5), hand(0.8, 0.5)]);
    expect(first.ids).toEqual([1, 2]);
    expect(first.keys).toEqual(["1", "2"]);
    // Both moved 0.03 and the list came in the other order.
    expect(step(t, [hand(0.77, 0.52), hand(0.23, 0.48)]).ids).toEqual([2, 1]);
    expect(step(t, [hand(0.25, 0.46), hand(0.74, 0.55)]).ids).toEqual([1, 2]);
  });

  it("gives a new id to a hand that jumped further than a hand moves between frames", () => {
    const t = new HandTracker({ maxJump: 0.25 });
    step(t, [hand(0.1, 0.5)]);
    // 0.6 of the width (384 px) away: beyond 0.25 × 640 = 160 px.
    expect(step(t, [hand(0.7, 0.5)]).ids).toEqual([2]);
    // 0.2 of the width (128 px): the same hand.
    expect(step(t, [hand(0.5, 0.5)]).ids).toEqual([2]);
  });

  it("gives a new id to a hand of the other side where a hand was (a cut to another hand), none for an unknown side", () => {
    const t = new HandTracker();
    step(t, [hand(0.5, 0.5, "Left")]);
    expect(step(t, [hand(0.5, 0.5, "Right")]).ids).toEqual([2]);
    expect(step(t, [hand(0.51, 0.5, "?")]).ids).toEqual([2]);
    // Two hands called the same side still get one id each, by position: the nearer to the last hand (0.51)
    // keeps its id.
    expect(step(t, [hand(0.3, 0.5), hand(0.7, 0.5)]).ids).toEqual([3, 2]);
    expect(step(t, [hand(0.69, 0.5), hand(0.31, 0.5)]).ids).toEqual([2, 3]);
  });

  it("ends a hand missing from a frame, and forgets every hand at a reset", () => {
    const t = new HandTracker();
    step(t, [hand(0.3, 0.3), hand(0.7, 0.7)]);
    expect(step(t, [hand(0.7, 0.7)]).ids).toEqual([2]);
    // The first hand comes back where it was, but it left: a new id.
    expect(step(t, [hand(0.3, 0.3), hand(0.7, 0.7)]).ids).toEqual([3, 2]);
    t.reset();
    expect(step(t, [hand(0.3, 0.3), hand(0.7, 0.7)]).ids).toEqual([4, 5]);
    expect(step(t, []).ids).toEqual([]);
    expect(step(t, [hand(0.3, 0.3)]).ids).toEqual([6]);
  });

  it("matches the nearest pair first when a new hand comes in beside a tracked one", () => {
    const t = new HandTracker();
    step(t, [hand(0.5, 0.5)]);
    // Both within reach of the old hand; the closer one keeps its id.
    expect(step(t, [hand(0.62, 0.5), hand(0.52, 0.5)]).ids).toEqual([2, 1]);
  });
});
