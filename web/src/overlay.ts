/** Draws a frame and, over it, each hand's skeleton, handedness and gesture: what is shown is what gets recorded. */
import { HAND_BONES, NO_GESTURE } from "../../src/core/index.js";
import type { DetectedHand } from "../../src/web/landmarkers/types.js";

export interface HandLabel {
  handedness: string;
  label: string;
  probability: number;
}

const COLOURS: Record<string, string> = { Left: "#35c2ff", Right: "#ffb020" };

export function drawFrame(
  ctx: CanvasRenderingContext2D,
  image: CanvasImageSource,
  hands: readonly DetectedHand[],
  labels: readonly HandLabel[],
): void {
  const { width, height } = ctx.canvas;
  ctx.drawImage(image, 0, 0, width, height);
  for (let h = 0; h < hands.length; h++) {
    const pts = hands[h].landmarks;
    const colour = COLOURS[hands[h].handedness] ?? "#7cfc00";
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
    const label = labels[h];
    if (!label) continue;
    let minX = 1;
    let minY = 1;
    for (const p of pts) {
      if (p.x < minX) minX = p.x;
      if (p.y < minY) minY = p.y;
    }
    const text =
      label.label === NO_GESTURE
        ? `${label.handedness}: no gesture`
        : `${label.handedness}: ${label.label} ${(label.probability * 100).toFixed(0)}%`;
    ctx.font = "bold 22px sans-serif";
    const w = ctx.measureText(text).width + 12;
    const x = Math.max(0, Math.min(minX * width, width - w));
    const y = Math.max(28, minY * height - 10);
    ctx.fillStyle = "rgba(0, 0, 0, 0.65)";
    ctx.fillRect(x, y - 24, w, 30);
    ctx.fillStyle = label.label === NO_GESTURE ? "#cccccc" : colour;
    ctx.fillText(text, x + 6, y);
  }
}
