/**
 * checkHand on real hands (every row of both shared data files must pass: a false alarm would make tracking
 * recovery re-detect a good track) and on skeletons no hand can make.
 */
import { describe, expect, it } from "vitest";
import {
  checkHand,
  HAND_DEGENERATE,
  HAND_KNUCKLE_ORDER,
  HAND_OK,
  HAND_PALM_CROSSED,
  handJump,
} from "../src/core/hand-geometry.js";
import { readLandmarkCsv } from "../src/node/data.js";
import { BENCH_CSV, DEV_CSV, hasShared } from "./shared.js";

const ready = hasShared("data", "hagrid_sample_dev.csv") && hasShared("data", "hagrid_bench_25k.csv");

/** A palm facing the camera, fingers up, in pixels: wrist below, knuckles left to right, fingers straight. */
function openHand(): Float64Array {
  const row = new Float64Array(63);
  const set = (i: number, x: number, y: number) => {
    row[3 * i] = x;
    row[3 * i + 1] = y;
  };
  set(0, 300, 400);
  set(1, 260, 380);
  set(2, 230, 350);
  set(3, 210, 320);
  set(4, 195, 295);
  const knuckles = [5, 9, 13, 17];
  knuckles.forEach((k, f) => {
    const x = 250 + f * 35;
    for (let s = 0; s < 4; s++) set(k + s, x, 300 - s * 30);
  });
  return row;
}

describe.skipIf(!ready)("checkHand on the shared data", () => {
  it("passes every real hand of both data files", async () => {
    for (const file of [DEV_CSV, BENCH_CSV]) {
      const t = await readLandmarkCsv(file);
      const failed: number[] = [];
      for (let i = 0; i < t.labels.length; i++)
        if (checkHand(t.X.data.subarray(63 * i, 63 * i + 63)) !== HAND_OK) failed.push(t.lines[i]);
      expect(failed, file).toEqual([]);
    }
  }, 60_000);
});

describe("checkHand on impossible skeletons", () => {
  it("passes a plain open hand, and its mirror image", () => {
    const row = openHand();
    expect(checkHand(row)).toBe(HAND_OK);
    for (let i = 0; i < 21; i++) row[3 * i] = 640 - row[3 * i];
    expect(checkHand(row)).toBe(HAND_OK);
  });

  it("flags knuckles out of order (middle beyond the little finger)", () => {
    const row = openHand();
    row[3 * 9] = 250 + 3 * 35 + 60; // the middle knuckle well past the little finger's
    expect(checkHand(row) & HAND_KNUCKLE_ORDER).toBe(HAND_KNUCKLE_ORDER);
  });

  it("flags a palm outline that crosses itself while the palm faces the camera", () => {
    const row = openHand();
    // The little finger's knuckle folded back across the palm: ring-little crosses wrist-index.
    row[3 * 17] = 240;
    row[3 * 17 + 1] = 360;
    expect(checkHand(row) & HAND_PALM_CROSSED).toBe(HAND_PALM_CROSSED);
  });

  it("flags a skeleton collapsed onto one point", () => {
    const row = new Float64Array(63).fill(100);
    expect(checkHand(row)).toBe(HAND_DEGENERATE);
  });

  it("measures jumps in hand sizes", () => {
    const a = openHand();
    const b = Float64Array.from(a);
    expect(handJump(a, b)).toBe(0);
    for (let i = 0; i < 21; i++) b[3 * i] += 205; // the hand's width (195..355 plus the thumb) again
    // size: the larger extent, 400 - 210 = 190 px high (195..355 wide)
    expect(handJump(a, b)).toBeCloseTo(205 / 190, 6);
  });

  it("refuses a row of the wrong length", () => {
    expect(() => checkHand(new Float64Array(10))).toThrow(/63 values/);
  });
});
