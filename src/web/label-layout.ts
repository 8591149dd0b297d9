/**
 * Where each hand's label goes on screen so that no two labels overlap and every label stays inside the frame:
 * each label wants its own spot (above its hand); when that spot is taken, it goes to the nearest free spot
 * beside, above or below a label already placed, or failing those on a free row of the frame. Isomorphic (pixels
 * in, pixels out), so it is unit-tested in Node and drawn in the browser.
 */

/** A label's rectangle in pixels: top-left corner and size. */
export interface LabelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Space kept between two labels, pixels. */
export const LABEL_GAP = 4;

function overlaps(a: LabelBox, b: LabelBox, gap: number): boolean {
  return (
    a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap
  );
}

// A box larger than the frame goes to its top or left edge.
const clamp = (v: number, lo: number, hi: number) => (hi < lo ? lo : Math.max(lo, Math.min(v, hi)));

/**
 * Places labels that want the boxes `wanted` (in that order: the first keeps its spot) inside a frame of
 * `width` × `height`, none overlapping another by less than `gap`. Answers one box per label, same order.
 * A label larger than the frame is put at its top-left corner; when the frame has no free spot left for a label,
 * it goes where it overlaps the others least.
 */
export function layoutLabels(wanted: readonly LabelBox[], width: number, height: number, gap = LABEL_GAP): LabelBox[] {
  const placed: LabelBox[] = [];
  for (const want of wanted) {
    const w = want.width;
    const h = want.height;
    const inFrame = (x: number, y: number): LabelBox => ({
      x: clamp(x, 0, width - w),
      y: clamp(y, 0, height - h),
      width: w,
      height: h,
    });
    const candidates: LabelBox[] = [inFrame(want.x, want.y)];
    for (const p of placed) {
      candidates.push(
        inFrame(want.x, p.y - h - gap),
        inFrame(want.x, p.y + p.height + gap),
        inFrame(p.x - w - gap, want.y),
        inFrame(p.x + p.width + gap, want.y),
        inFrame(p.x - w - gap, p.y),
        inFrame(p.x + p.width + gap, p.y),
      );
    }
    // Every row of the frame as a last resort: with room for the labels, one of these is free.
    for (let y = 0; y + h <= height; y += h + gap) candidates.push(inFrame(want.x, y));
    let best = candidates[0];
    let bestCost = Number.POSITIVE_INFINITY;
    for (const c of candidates) {
      let overlap = 0;
      for (const p of placed) if (overlaps(c, p, gap)) overlap += intersection(c, p, gap);
      const dx = c.x - want.x;
      const dy = c.y - want.y;
      // Any overlap costs more than any distance within the frame.
      const cost = overlap * (width * width + height * height + 1) + dx * dx + dy * dy;
      if (cost < bestCost) {
        bestCost = cost;
        best = c;
      }
    }
    placed.push(best);
  }
  return placed;
}

/** Area (pixels, at least 1) two boxes grown by `gap` share. */
function intersection(a: LabelBox, b: LabelBox, gap: number): number {
  const w = Math.min(a.x + a.width, b.x + b.width) + gap - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) + gap - Math.max(a.y, b.y);
  return Math.max(1, w) * Math.max(1, h);
}

/** True when any two of `boxes` overlap (closer than `gap`): for tests and checks. */
export function anyOverlap(boxes: readonly LabelBox[], gap = 0): boolean {
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) if (overlaps(boxes[i], boxes[j], gap)) return true;
  return false;
}
