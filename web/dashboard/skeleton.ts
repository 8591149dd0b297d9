/** A hand drawn from its 63 values (x, y of 21 landmarks; image coordinates or normalized), as an SVG. */
import { html } from "./ui.js";

const BONES: [number, number][] = [
  [0, 1],
  [1, 2],
  [2, 3],
  [3, 4],
  [0, 5],
  [5, 6],
  [6, 7],
  [7, 8],
  [5, 9],
  [9, 10],
  [10, 11],
  [11, 12],
  [9, 13],
  [13, 14],
  [14, 15],
  [15, 16],
  [13, 17],
  [17, 18],
  [18, 19],
  [19, 20],
  [0, 17],
];
const FINGER_OF = (i: number) => (i === 0 ? 0 : Math.ceil(i / 4));
const COLORS = ["#475569", "#dc2626", "#ea580c", "#16a34a", "#2563eb", "#7c3aed"];

export function Skeleton({ values, size = 120, title }: { values: ArrayLike<number>; size?: number; title?: string }) {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < 21; i++) {
    xs.push(values[3 * i]);
    ys.push(values[3 * i + 1]);
  }
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs);
  const minY = Math.min(...ys);
  const maxY = Math.max(...ys);
  const span = Math.max(maxX - minX, maxY - minY) || 1;
  const pad = 8;
  const s = (size - 2 * pad) / span;
  const ox = pad + (size - 2 * pad - (maxX - minX) * s) / 2;
  const oy = pad + (size - 2 * pad - (maxY - minY) * s) / 2;
  const X = (i: number) => ox + (xs[i] - minX) * s;
  const Y = (i: number) => oy + (ys[i] - minY) * s;
  return html`<svg class="skeleton" width=${size} height=${size} viewBox=${`0 0 ${size} ${size}`} role="img" aria-label=${title ?? "hand"}>
    ${title ? html`<title>${title}</title>` : null}
    ${BONES.map(([a, b]) => html`<line x1=${X(a)} y1=${Y(a)} x2=${X(b)} y2=${Y(b)} stroke=${COLORS[FINGER_OF(b)]} stroke-width="2" />`)}
    ${xs.map((_, i) => html`<circle cx=${X(i)} cy=${Y(i)} r=${i === 0 ? 3.5 : 2.2} fill=${COLORS[FINGER_OF(i)]} />`)}
  </svg>`;
}
