/**
 * Whether 21 landmarks can be a hand at all: what tracking recovery asks of every tracked frame. MediaPipe's
 * tracker, handed a region that holds another hand after a hard cut, can fit a skeleton whose knuckles are out of
 * order or whose palm outline crosses itself, and keep it. Only the image plane is used (x, y in the dataset's
 * pixel convention): both checks hold whatever the hand's turn, tilt or mirroring, so no real hand fails them
 * (test: every row of both shared data files passes), while a crossed fit does.
 */
import { HAND_DIM } from "./landmarks.js";

/** What makes a skeleton impossible (bits of checkHand's answer). */
export const HAND_OK = 0;
/** The palm (wrist to the four knuckles) has next to no area or length: a collapsed fit. */
export const HAND_DEGENERATE = 1;
/** The knuckles of index, middle, ring and little finger are not in that order across the palm. */
export const HAND_KNUCKLE_ORDER = 2;
/** The palm outline (wrist, index, middle, ring, little knuckle) crosses itself. */
export const HAND_PALM_CROSSED = 4;

/** The palm outline in order: wrist, then the index, middle, ring and little finger knuckles (MCPs). */
const OUTLINE = [0, 5, 9, 13, 17] as const;

/** Orientation of the triangle a, b, c (twice its signed area). */
function cross(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/** Whether segments p1p2 and p3p4 cross properly (touching ends do not count). */
function segmentsCross(row: ArrayLike<number>, p1: number, p2: number, p3: number, p4: number): boolean {
  const x1 = row[3 * p1];
  const y1 = row[3 * p1 + 1];
  const x2 = row[3 * p2];
  const y2 = row[3 * p2 + 1];
  const x3 = row[3 * p3];
  const y3 = row[3 * p3 + 1];
  const x4 = row[3 * p4];
  const y4 = row[3 * p4 + 1];
  const d1 = cross(x3, y3, x4, y4, x1, y1);
  const d2 = cross(x3, y3, x4, y4, x2, y2);
  const d3 = cross(x1, y1, x2, y2, x3, y3);
  const d4 = cross(x1, y1, x2, y2, x4, y4);
  return d1 * d2 < 0 && d3 * d4 < 0;
}

/**
 * Slack for the knuckle order, as a share of the index-to-little knuckle span: a hand seen edge on squeezes the
 * knuckles together and MediaPipe's fit can swap neighbours by a few pixels.
 */
export const KNUCKLE_SLACK = 0.4;

/** Palm width (the widest pair of knuckles) over length (wrist to middle knuckle) above which the palm faces the camera. */
export const SQUARE_ON = 0.75;

/**
 * Checks one hand (HAND_DIM values, the dataset's pixel convention: liveHandToDataset's output) and returns
 * HAND_OK or the bits of what is impossible. Allocation-free.
 */
export function checkHand(row: ArrayLike<number>): number {
  if (row.length < HAND_DIM) throw new RangeError(`a hand is ${HAND_DIM} values, got ${row.length}`);
  let bits = HAND_OK;
  // Size: the longest distance between outline points; a fit collapsed onto a few pixels is no hand.
  let span = 0;
  for (let i = 0; i < OUTLINE.length; i++) {
    for (let j = i + 1; j < OUTLINE.length; j++) {
      const dx = row[3 * OUTLINE[i]] - row[3 * OUTLINE[j]];
      const dy = row[3 * OUTLINE[i] + 1] - row[3 * OUTLINE[j] + 1];
      span = Math.max(span, Math.hypot(dx, dy));
    }
  }
  if (!(span > 1)) return HAND_DEGENERATE;
  // Knuckle order: project the middle and ring knuckles onto the index-to-little axis; they must come in order.
  const ax = row[3 * 5];
  const ay = row[3 * 5 + 1];
  const ux = row[3 * 17] - ax;
  const uy = row[3 * 17 + 1] - ay;
  const len2 = ux * ux + uy * uy;
  if (len2 > (0.15 * span) ** 2) {
    const t9 = ((row[3 * 9] - ax) * ux + (row[3 * 9 + 1] - ay) * uy) / len2;
    const t13 = ((row[3 * 13] - ax) * ux + (row[3 * 13 + 1] - ay) * uy) / len2;
    if (t9 < -KNUCKLE_SLACK || t13 < t9 - KNUCKLE_SLACK || t13 > 1 + KNUCKLE_SLACK) bits |= HAND_KNUCKLE_ORDER;
  }
  // The outline's non-adjacent edges must not cross (wrist-index against middle-ring, …) when the palm is seen
  // square on: seen from the side (mute's index at the lips) a real palm's outline folds over itself in the image
  // (492 of the 25,675 rows, palm width under 0.61 of its length).
  // Width: the widest pair of knuckles (a crossed fit can bring index and little knuckle together).
  let width = 0;
  for (let a = 5; a <= 17; a += 4)
    for (let b = a + 4; b <= 17; b += 4)
      width = Math.max(width, Math.hypot(row[3 * a] - row[3 * b], row[3 * a + 1] - row[3 * b + 1]));
  const length = Math.hypot(row[0] - row[27], row[1] - row[28]);
  if (width < SQUARE_ON * length) return bits;
  const n = OUTLINE.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue; // adjacent through the wrist
      if (segmentsCross(row, OUTLINE[i], OUTLINE[(i + 1) % n], OUTLINE[j], OUTLINE[(j + 1) % n])) {
        bits |= HAND_PALM_CROSSED;
        return bits;
      }
    }
  }
  return bits;
}

/** Mean distance between the same landmarks of two hands (x, y only), over the first hand's size: how far it jumped. */
export function handJump(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  let minX = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < HAND_DIM / 3; i++) {
    const x = a[3 * i];
    const y = a[3 * i + 1];
    sum += Math.hypot(x - b[3 * i], y - b[3 * i + 1]);
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const size = Math.max(maxX - minX, maxY - minY, 1e-9);
  return sum / (HAND_DIM / 3) / size;
}
