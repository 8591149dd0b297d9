import { describe, expect, it } from "vitest";
import { COLUMNS, HAND_DIM, liveHandToDataset } from "./landmarks.js";

describe("liveHandToDataset", () => {
  const pts = Array.from({ length: 21 }, (_, i) => [i / 40, 1 - i / 40, -i / 1000] as const);

  it("multiplies x by the frame width and y by its height, and leaves z", () => {
    const out = liveHandToDataset({ landmarks: pts, width: 640, height: 480 });
    expect(out.length).toBe(HAND_DIM);
    expect(out[3 * 20]).toBeCloseTo((20 / 40) * 640, 12);
    expect(out[3 * 20 + 1]).toBeCloseTo((1 - 20 / 40) * 480, 12);
    expect(out[3 * 20 + 2]).toBe(-20 / 1000);
  });

  it("accepts MediaPipe's {x, y, z} objects the same way", () => {
    const objs = pts.map(([x, y, z]) => ({ x, y, z }));
    const a = liveHandToDataset({ landmarks: pts, width: 300, height: 200 });
    const b = liveHandToDataset({ landmarks: objs, width: 300, height: 200 });
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it("refuses a hand without 21 finite points or a frame without a size", () => {
    expect(() => liveHandToDataset({ landmarks: pts.slice(1), width: 1, height: 1 })).toThrow(/21 landmarks, got 20/);
    expect(() => liveHandToDataset({ landmarks: pts, width: 0, height: 480 })).toThrow(/positive/);
    const bad = [...pts];
    bad[4] = [0.1, Number.NaN, 0];
    expect(() => liveHandToDataset({ landmarks: bad, width: 10, height: 10 })).toThrow(/landmark 4/);
  });

  it("names the 63 columns in the dataset's interleaved order", () => {
    expect(COLUMNS.slice(0, 4)).toEqual(["x1", "y1", "z1", "x2"]);
    expect(COLUMNS[62]).toBe("z21");
  });
});
