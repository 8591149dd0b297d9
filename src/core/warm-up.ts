/**
 * Runs a fitted model over a few hundred varied synthetic hands before it meets real ones. The JIT compiles the
 * per-hand code with the type feedback it has seen: warmed on one hand with whole-number coordinates (or on zeros),
 * it specialises for integers and throws the code away at the first real hand ("lost precision"), which then runs
 * interpreted for a millisecond or more, once per path it had not seen. Varied hands — turned, scaled, shifted by
 * fractions, mirrored every other, fingers bent — leave no such path for a live frame to stumble on.
 */
import { HAND_DIM, NUM_LANDMARKS } from "./landmarks.js";

/** Enough for every function on the per-hand path to be optimised with full feedback (measured: none deopts after). */
export const WARM_UP_HANDS = 300;

interface RowModel {
  readonly classes: readonly string[];
  predictProbaRow(x: Float64Array, out: Float64Array): void;
}

/** An open hand in pixels: wrist low, five fingers fanned upwards, thumb lower. */
function openHand(out: Float64Array): void {
  out[0] = 300;
  out[1] = 400;
  out[2] = 0;
  let p = 1;
  for (let f = 0; f < 5; f++) {
    for (let j = 1; j <= 4; j++, p++) {
      out[3 * p] = 300 + (f - 2) * 12 * j;
      out[3 * p + 1] = 400 - 35 * j + (f === 0 ? 60 : 0);
      out[3 * p + 2] = -0.01 * j;
    }
  }
}

/** The i-th warm-up hand (deterministic), in the dataset's convention. */
export function warmUpHand(i: number, out: Float64Array = new Float64Array(HAND_DIM)): Float64Array {
  const base = new Float64Array(HAND_DIM);
  openHand(base);
  const a = ((i * 37) % 360) * (Math.PI / 180);
  const s = 0.5 + ((i * 13) % 100) / 50;
  const mirror = i % 2 === 1 ? -1 : 1;
  for (let p = 0; p < NUM_LANDMARKS; p++) {
    const bend = p % 4 === 0 && p > 0 ? (i % 5) * 7.3 : 0;
    const dx = (base[3 * p] - 300) * mirror;
    const dy = base[3 * p + 1] - 400 + bend;
    out[3 * p] = 320.37 + s * (dx * Math.cos(a) - dy * Math.sin(a));
    out[3 * p + 1] = 240.61 + s * (dx * Math.sin(a) + dy * Math.cos(a));
    out[3 * p + 2] = base[3 * p + 2] * (1 + (i % 3) * 0.37) - 1e-7;
  }
  return out;
}

/** Predicts `hands` varied hands with `model` and throws the answers away. */
export function warmUp(model: RowModel, hands = WARM_UP_HANDS): void {
  const x = new Float64Array(HAND_DIM);
  const out = new Float64Array(model.classes.length);
  for (let i = 0; i < hands; i++) model.predictProbaRow(warmUpHand(i, x), out);
}
