import { INDEX_MCP, INDEX_TIP, MIDDLE_MCP, PINKY_MCP, RING_MCP, THUMB_CMC, THUMB_TIP, WRIST } from "../landmarks.js";
import { hypot2 } from "./hand-shape.js";
import type { RowFeatures } from "./pair-distances.js";

/** Reach and straightness of each finger, and the thumb–index gap. */
export const FINGER_STATE_DIM = 11;

/**
 * The landmark pairs whose 2-D distances the features are made of, as (a, b) after each other: the palm's five
 * (wrist to the four knuckles, index knuckle to pinkie knuckle), then per finger f (joints 4f + 1 .. 4f + 4: MCP,
 * or the thumb's CMC, PIP, DIP, tip) tip–wrist, tip–MCP and its three bones, then thumb tip to index tip.
 * Measured in one loop with one call of hypot2: 31 call sites of it are too many for V8 to inline, and each call it
 * does not inline returns its number boxed (16 bytes of garbage), a collection every few thousand hands.
 */
const PAIRS = (() => {
  const p = [WRIST, INDEX_MCP, WRIST, MIDDLE_MCP, WRIST, RING_MCP, WRIST, PINKY_MCP, INDEX_MCP, PINKY_MCP];
  for (let f = 0; f < 5; f++) {
    const m = THUMB_CMC + 4 * f;
    p.push(m + 3, WRIST, m + 3, m, m, m + 1, m + 1, m + 2, m + 2, m + 3);
  }
  p.push(THUMB_TIP, INDEX_TIP);
  return Uint8Array.from(p);
})();
const PALM = 0;
const FINGER = 5;
const PER_FINGER = 5;
const THUMB_INDEX = FINGER + 5 * PER_FINGER;

/**
 * Each finger's state in a few numbers, 2-D, in the hand's own size: how far its tip reaches from the wrist (palm
 * sizes), how straight it is (tip-to-knuckle distance over the length of its bones), and how far the thumb's tip is
 * from the index tip. A hand is a gesture only if every finger is in a state that gesture's hands show: the
 * rejector's finger check (rejection.ts) compares these one by one (the largest difference counts), so a single
 * finger out of place (a pinkie raised where rock raises the index too) is not averaged away among 210 distances.
 */
export class FingerState implements RowFeatures {
  private readonly d = new Float64Array(PAIRS.length / 2);

  outputDim(): number {
    return FINGER_STATE_DIM;
  }

  transformRow(x: Float64Array, out: Float64Array): void {
    const d = this.d;
    for (let i = 0; i < d.length; i++) {
      const a = 3 * PAIRS[2 * i];
      const b = 3 * PAIRS[2 * i + 1];
      d[i] = hypot2(x[a] - x[b], x[a + 1] - x[b + 1]);
    }
    const palm = (d[PALM] + d[PALM + 1] + d[PALM + 2] + d[PALM + 3] + d[PALM + 4]) / 5 || 1;
    for (let f = 0; f < 5; f++) {
      const o = FINGER + PER_FINGER * f;
      out[f] = d[o] / palm;
      out[5 + f] = d[o + 1] / (d[o + 2] + d[o + 3] + d[o + 4] || 1);
    }
    out[10] = d[THUMB_INDEX] / palm;
  }
}
