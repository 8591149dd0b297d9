/**
 * Collect mode: with a label chosen and "collect" ticked, every frame's hands (dataset format, pixel convention)
 * go to the server's collected_samples.csv, which `handgesture fit` and `train` read as they are.
 */
import { HAGRID_LABELS } from "../../src/core/index.js";
import { handRows } from "../../src/web/classifiers.js";
import type { FrameResult } from "../../src/web/recognizer.js";
import { authHeaders } from "./auth.js";
import { $, setStatus } from "./dom.js";
import { state } from "./page-state.js";

const collect = $<HTMLInputElement>("collect");
const collectLabel = $<HTMLInputElement>("collect-label");
let busy = false;

export function wireCollect(): void {
  $("labels").replaceChildren(
    ...HAGRID_LABELS.map((l) => {
      const o = document.createElement("option");
      o.value = l;
      return o;
    }),
  );
  collect.addEventListener("change", () => {
    if (collect.checked && !collectLabel.value.trim()) {
      collect.checked = false;
      setStatus("collect: choose a label first", true);
    }
  });
  fetch("/api/ui/samples", { headers: authHeaders() })
    .then((r) => (r.ok ? r.json() : undefined))
    .then((b) => b && showCounts(b.counts, b.file))
    .catch(() => {});
}

/** Sends this frame's hands when collecting (one request at a time: frames meanwhile are skipped). */
export function collectFrame(result: FrameResult): void {
  const count = result.hands.length;
  if (!collect.checked || count === 0 || busy) return;
  busy = true;
  sendSamples(handRows(result.rows, count)).finally(() => {
    busy = false;
  });
}

function showCounts(counts: Record<string, number>, file?: string): void {
  state.counts = counts;
  if (file) $("collect-file").textContent = file;
  const body = $("counts").querySelector("tbody") as HTMLElement;
  body.replaceChildren(
    ...Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([label, n]) => {
        const tr = document.createElement("tr");
        const th = document.createElement("th");
        th.textContent = label;
        const td = document.createElement("td");
        td.textContent = String(n);
        tr.append(th, td);
        return tr;
      }),
  );
}

async function sendSamples(data: number[][]): Promise<void> {
  const res = await fetch("/api/ui/samples", {
    method: "POST",
    headers: authHeaders({ "Content-Type": "application/json" }),
    body: JSON.stringify({ label: collectLabel.value.trim(), rows: data }),
  });
  const body = await res.json();
  if (!res.ok) {
    collect.checked = false;
    setStatus(`collect: ${body.message ?? res.status}`, true);
    return;
  }
  showCounts(body.counts, body.file);
}
