import { describe, expect, it } from "vitest";
import { anyOverlap, LABEL_GAP, type LabelBox, layoutLabels } from "./label-layout.js";

const box = (x: number, y: number, width = 200, height = 30): LabelBox => ({ x, y, width, height });
const inside = (b: LabelBox, w: number, h: number) => b.x >= 0 && b.y >= 0 && b.x + b.width <= w && b.y + b.height <= h;

describe("layoutLabels", () => {
  it("leaves labels that do not collide where they want to be", () => {
    const wanted = [box(20, 40), box(400, 40)];
    expect(layoutLabels(wanted, 640, 480)).toEqual(wanted);
  });

  it("pushes the second of two hands' labels just clear of the first when the hands are close", () => {
    // Two hands side by side, 10 px apart: their labels would cover each other almost wholly.
    const out = layoutLabels([box(100, 50), box(110, 55)], 640, 480);
    expect(out[0]).toEqual(box(100, 50));
    // Below the first is nearer (29 px down) than above it (39 px up) or beside it (194 px right).
    expect(out[1]).toEqual(box(110, 50 + 30 + LABEL_GAP));
    expect(anyOverlap(out, LABEL_GAP - 1)).toBe(false);
  });

  it("keeps labels inside the frame: hands at the top edge and the right edge", () => {
    // Labels wanted above hands at the top of the frame (negative y) and running off its right side.
    const out = layoutLabels([box(500, -20), box(520, -10)], 640, 480);
    for (const b of out) expect(inside(b, 640, 480)).toBe(true);
    expect(out[0]).toEqual(box(440, 0));
    expect(anyOverlap(out)).toBe(false);
    expect(out[1].y).toBeGreaterThanOrEqual(30 + LABEL_GAP);
  });

  it("never overlaps, whatever two to four hands want, while the frame has room", () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 500; trial++) {
      const n = 2 + Math.floor(rand() * 3);
      // Hands bunched together in a small part of a small frame: the hard case.
      const wanted = Array.from({ length: n }, () => box(rand() * 80 - 20, rand() * 60 - 30, 120 + rand() * 100, 28));
      const out = layoutLabels(wanted, 320, 240);
      expect(out.length).toBe(n);
      for (const b of out) expect(inside(b, 320, 240)).toBe(true);
      expect(anyOverlap(out), JSON.stringify(wanted)).toBe(false);
    }
  });

  it("puts a label larger than the frame at its corner", () => {
    expect(layoutLabels([box(50, 50, 400, 30)], 300, 200)).toEqual([box(0, 50, 400, 30)]);
  });
});
