/** Charts: uPlot for a metric over steps; small SVG for bars across runs and a grid search's scatter. */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { html } from "./ui.js";

export function LineChart({ xs, ys, name }: { xs: number[]; ys: number[]; name: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const width = Math.max(260, Math.min(720, el.clientWidth || 600));
    const u = new uPlot(
      {
        width,
        height: 220,
        scales: { x: { time: false } },
        axes: [{ label: "step" }, { label: name }],
        series: [{ label: "step" }, { label: name, stroke: "#2563eb", width: 2, points: { show: xs.length < 60 } }],
      },
      [xs, ys],
      el,
    );
    return () => u.destroy();
  }, [xs, ys, name]);
  return html`<div class="chart" ref=${ref} aria-label=${`${name} over steps`}></div>`;
}

const W = 640;
const H = 240;
const PAD = { l: 56, r: 12, t: 12, b: 56 };

function ticks(lo: number, hi: number): number[] {
  if (hi <= lo) return [lo];
  return [0, 0.25, 0.5, 0.75, 1].map((f) => lo + f * (hi - lo));
}

/** One bar per run; the best highlighted. */
export function BarChart({ bars, name }: { bars: { label: string; value: number | undefined }[]; name: string }) {
  const vals = bars.map((b) => b.value).filter((v): v is number => v !== undefined);
  if (vals.length === 0) return html`<p class="empty">No run has ${name}.</p>`;
  const hi = Math.max(...vals);
  const lo = Math.min(0, ...vals);
  const bw = (W - PAD.l - PAD.r) / bars.length;
  const y = (v: number) => PAD.t + (H - PAD.t - PAD.b) * (1 - (v - lo) / (hi - lo || 1));
  return html`<svg class="svgchart" viewBox=${`0 0 ${W} ${H}`} role="img" aria-label=${`${name} per run`}>
    ${ticks(lo, hi).map(
      (t) =>
        html`<g><line x1=${PAD.l} x2=${W - PAD.r} y1=${y(t)} y2=${y(t)} class="grid" /><text x=${PAD.l - 6} y=${y(t) + 4} text-anchor="end">${t.toFixed(3)}</text></g>`,
    )}
    ${bars.map((b, i) =>
      b.value === undefined
        ? null
        : html`<g>
            <rect x=${PAD.l + i * bw + bw * 0.15} width=${bw * 0.7} y=${y(b.value)} height=${y(lo) - y(b.value)} class=${b.value === hi ? "bar best" : "bar"}><title>${b.label}: ${b.value}</title></rect>
            <text x=${PAD.l + i * bw + bw / 2} y=${H - PAD.b + 16} text-anchor="middle">${b.label.slice(0, 14)}</text>
          </g>`,
    )}
  </svg>`;
}

/** A grid search: one point per grid point, a param (numeric or categorical) against a metric. */
export function Scatter({
  points,
  xName,
  yName,
}: {
  points: { x: string; y: number; label: string }[];
  xName: string;
  yName: string;
}) {
  if (points.length === 0) return html`<p class="empty">No grid points with ${yName}.</p>`;
  const numeric = points.every((p) => p.x.trim() !== "" && !Number.isNaN(Number(p.x)));
  const cats = numeric ? [] : [...new Set(points.map((p) => p.x))].sort();
  const xsNum = points.map((p) => (numeric ? Number(p.x) : cats.indexOf(p.x)));
  const xlo = Math.min(...xsNum);
  const xhi = Math.max(...xsNum);
  const ylo = Math.min(...points.map((p) => p.y));
  const yhi = Math.max(...points.map((p) => p.y));
  const log = numeric && xlo > 0 && xhi / xlo > 50;
  const fx = (v: number) => (log ? Math.log10(v) : v);
  const X = (v: number) =>
    PAD.l +
    ((W - PAD.l - PAD.r) * (fx(v) - fx(xlo) + (numeric ? 0 : 0.5))) / (fx(xhi) - fx(xlo) + (numeric ? 0 : 1) || 1);
  const Y = (v: number) => PAD.t + (H - PAD.t - PAD.b) * (1 - (v - ylo) / (yhi - ylo || 1));
  const best = Math.max(...points.map((p) => p.y));
  return html`<svg class="svgchart" viewBox=${`0 0 ${W} ${H}`} role="img" aria-label=${`${yName} against ${xName}`}>
    ${ticks(ylo, yhi).map(
      (t) =>
        html`<g><line x1=${PAD.l} x2=${W - PAD.r} y1=${Y(t)} y2=${Y(t)} class="grid" /><text x=${PAD.l - 6} y=${Y(t) + 4} text-anchor="end">${t.toFixed(3)}</text></g>`,
    )}
    ${(numeric ? [...new Set(xsNum)].sort((a, b) => a - b) : cats.map((_, i) => i)).map(
      (v) =>
        html`<text x=${X(v)} y=${H - PAD.b + 16} text-anchor="middle">${numeric ? String(v) : cats[v].slice(0, 12)}</text>`,
    )}
    <text x=${(W + PAD.l) / 2} y=${H - 8} text-anchor="middle" class="axis">${xName}${log ? " (log)" : ""}</text>
    ${points.map(
      (p, i) =>
        html`<circle cx=${X(xsNum[i])} cy=${Y(p.y)} r="5" class=${p.y === best ? "dot best" : "dot"}><title>${p.label}: ${p.x} → ${p.y.toFixed(4)}</title></circle>`,
    )}
  </svg>`;
}
