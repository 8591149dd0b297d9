/**
 * Draws a recognizer's frame and, over it, each hand's skeleton and a label (handedness, gesture, probability),
 * the labels placed by label-layout.ts so two hands' labels never cover each other. What is drawn is what a
 * recorder of the canvas records.
 */
import { HAND_BONES, NO_GESTURE } from "../core/index.js";
import { type LabelBox, layoutLabels } from "./label-layout.js";
import type { RecognizedHand } from "./recognizer.js";

const COLOURS: Record<string, string> = { Left: "#35c2ff", Right: "#ffb020" };
const FONT = "bold 22px sans-serif";
const LABEL_HEIGHT = 30;

export interface OverlayOptions {
  /** What a hand's label says; default: "Right: palm 93%", the decided gesture, or "no gesture". */
  text?: (hand: RecognizedHand) => string;
}

export function defaultLabelText(hand: RecognizedHand): string {
  return hand.gesture === NO_GESTURE
    ? `${hand.handedness}: no gesture`
    : `${hand.handedness}: ${hand.gesture} ${(hand.probability * 100).toFixed(0)}%`;
}

/** Draws `image` filling the canvas, then the hands over it. */
export function drawFrame(
  ctx: CanvasRenderingContext2D,
  image: CanvasImageSource,
  hands: readonly RecognizedHand[],
  options: OverlayOptions = {},
): void {
  const { width, height } = ctx.canvas;
  ctx.drawImage(image, 0, 0, width, height);
  drawHands(ctx, hands, options);
}

/** Skeletons and labels of `hands` over what the canvas holds (landmarks normalized to the canvas). */
export function drawHands(
  ctx: CanvasRenderingContext2D,
  hands: readonly RecognizedHand[],
  options: OverlayOptions = {},
): void {
  const { width, height } = ctx.canvas;
  const text = options.text ?? defaultLabelText;
  const wanted: LabelBox[] = [];
  const texts: string[] = [];
  ctx.font = FONT;
  for (const hand of hands) {
    const pts = hand.landmarks;
    const colour = COLOURS[hand.handedness] ?? "#7cfc00";
    ctx.lineWidth = 3;
    ctx.strokeStyle = colour;
    ctx.beginPath();
    for (const [a, b] of HAND_BONES) {
      ctx.moveTo(pts[a].x * width, pts[a].y * height);
      ctx.lineTo(pts[b].x * width, pts[b].y * height);
    }
    ctx.stroke();
    ctx.fillStyle = "#ff3050";
    for (const p of pts) {
      ctx.beginPath();
      ctx.arc(p.x * width, p.y * height, 4, 0, 2 * Math.PI);
      ctx.fill();
    }
    let minX = 1;
    let minY = 1;
    for (const p of pts) {
      if (p.x < minX) minX = p.x;
      if (p.y < minY) minY = p.y;
    }
    const t = text(hand);
    texts.push(t);
    // Wanted: just above the hand, from its left edge.
    wanted.push({
      x: minX * width,
      y: minY * height - LABEL_HEIGHT - 4,
      width: ctx.measureText(t).width + 12,
      height: LABEL_HEIGHT,
    });
  }
  const boxes = layoutLabels(wanted, width, height);
  for (let h = 0; h < hands.length; h++) {
    const b = boxes[h];
    ctx.fillStyle = "rgba(0, 0, 0, 0.65)";
    ctx.fillRect(b.x, b.y, b.width, b.height);
    ctx.fillStyle = hands[h].gesture === NO_GESTURE ? "#cccccc" : (COLOURS[hands[h].handedness] ?? "#7cfc00");
    ctx.fillText(texts[h], b.x + 6, b.y + 23);
  }
}
