import { hypot2 } from "./hand-shape.js";
import type { RowFeatures } from "./pair-distances.js";

/** MCP (thumb: CMC), PIP, DIP and tip of each finger, thumb first, in MediaPipe's order. */
const FINGERS = [
  [1, 2, 3, 4],
  [5, 6, 7, 8],
  [9, 10, 11, 12],
  [13, 14, 15, 16],
  [17, 18, 19, 20],
] as const;

function d(x: Float64Array, a: number, b: number): number {
  return hypot2(x[3 * a] - x[3 * b], x[3 * a + 1] - x[3 * b + 1]);
}

/** Reach and straightness of each finger, and the thumb–index gap. */
export const FINGER_STATE_DIM = 11;

/**
 * Each finger's state in a few numbers, 2-D, in the hand's own size: how far its tip reaches from the wrist (palm
 * sizes), how straight it is (tip-to-knuckle distance over the length of its bones), and how far the thumb's tip is
 * from the index tip. A hand is a gesture only if every finger is in a state that gesture's hands show: the
 * rejector's finger check (rejection.ts) compares these one by one (the largest difference counts), so a single
 * finger out of place (a pinkie raised where rock raises the index too) is not averaged away among 210 distances.
 */
export class FingerState implements RowFeatures {
  outputDim(): number {
    return FINGER_STATE_DIM;
  }

  transformRow(x: Float64Array, out: Float64Array): void {
    const palm = (d(x, 0, 5) + d(x, 0, 9) + d(x, 0, 13) + d(x, 0, 17) + d(x, 5, 17)) / 5 || 1;
    for (let f = 0; f < 5; f++) {
      const [m, p, q, t] = FINGERS[f];
      out[f] = d(x, t, 0) / palm;
      out[5 + f] = d(x, t, m) / (d(x, m, p) + d(x, p, q) + d(x, q, t) || 1);
    }
    out[10] = d(x, 4, 8) / palm;
  }
}
