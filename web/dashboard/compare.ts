/**
 * Several runs side by side: params and metrics in one table, the rows whose values differ highlighted (the same
 * everywhere folded away on request), a chosen metric charted across the runs, and for grid points a chosen param
 * against a chosen metric (the grid search's scatter).
 */

import { useMemo, useState } from "preact/hooks";
import type { Run } from "../../src/tracking/entities.js";
import { metric, param, store } from "./api.js";
import { BarChart, Scatter } from "./charts.js";
import { href, type Route, replaceRoute } from "./route.js";
import { ErrorBox, html, Loading, num, useLoad } from "./ui.js";

export function CompareView({ route }: { route: Route }) {
  const ids = (route.query.get("runs") ?? "").split(",").filter(Boolean);
  const [runs, retry] = useLoad(() => Promise.all(ids.map((id) => store.getRun(id))), [ids.join()]);
  if (ids.length < 2)
    return html`<${ErrorBox} message="Choose at least two runs to compare (tick them in a runs table)." />`;
  if (runs.state === "loading") return html`<${Loading} what=${`${ids.length} runs`} />`;
  if (runs.state === "error") return html`<${ErrorBox} message=${runs.message} retry=${retry} />`;
  return html`<${Comparison} runs=${runs.value} route=${route} />`;
}

function Comparison({ runs, route }: { runs: Run[]; route: Route }) {
  const [onlyDiff, setOnlyDiff] = useState(false);
  const paramKeys = useMemo(() => [...new Set(runs.flatMap((r) => r.data.params.map((p) => p.key)))].sort(), [runs]);
  const metricKeys = useMemo(() => [...new Set(runs.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort(), [runs]);
  const chosen =
    route.query.get("metric") ?? (metricKeys.includes("cv_macro_f1_mean") ? "cv_macro_f1_mean" : metricKeys[0]);
  const xParam =
    route.query.get("param") ?? paramKeys.find((k) => new Set(runs.map((r) => param(r, k))).size > 1) ?? paramKeys[0];
  const differs = (vals: (string | undefined)[]) => new Set(vals).size > 1;
  const set = (q: Record<string, string>) =>
    replaceRoute(["compare"], { runs: route.query.get("runs") ?? "", metric: chosen, param: xParam, ...q });
  const rows = paramKeys.map((k) => ({ k, vals: runs.map((r) => param(r, k)) }));
  const mrows = metricKeys.map((k) => ({ k, vals: runs.map((r) => metric(r, k)) }));
  return html`<section class="compare">
    <nav class="crumbs"><a href="#/experiments">Experiments</a> › <span>Compare ${runs.length} runs</span></nav>
    <h1>Compare ${runs.length} runs</h1>
    <label><input type="checkbox" checked=${onlyDiff} onChange=${(e: Event) => setOnlyDiff((e.target as HTMLInputElement).checked)} /> only what differs</label>
    <div class="scroll-x">
      <table class="compare-table">
        <thead><tr><th></th>${runs.map((r) => html`<th><a href=${href(["runs", r.info.run_id])}>${r.info.run_name || r.info.run_id.slice(0, 8)}</a></th>`)}</tr></thead>
        <tbody>
          <tr class="section"><th colspan=${runs.length + 1}>Parameters</th></tr>
          ${rows
            .filter((row) => !onlyDiff || differs(row.vals))
            .map(
              (row) =>
                html`<tr class=${differs(row.vals) ? "diff" : ""} data-param=${row.k}><th>${row.k}</th>${row.vals.map((v) => html`<td>${v ?? "—"}</td>`)}</tr>`,
            )}
          <tr class="section"><th colspan=${runs.length + 1}>Metrics</th></tr>
          ${mrows
            .filter((row) => !onlyDiff || differs(row.vals.map(String)))
            .map((row) => {
              const best = Math.max(...row.vals.filter((v): v is number => v !== undefined));
              return html`<tr data-metric=${row.k}><th>${row.k}</th>${row.vals.map((v) => html`<td class=${`num${v === best && runs.length > 1 ? " best" : ""}`}>${v === undefined ? "—" : num(v)}</td>`)}</tr>`;
            })}
        </tbody>
      </table>
    </div>
    <section>
      <h2>
        <label>Metric <select value=${chosen} onChange=${(e: Event) => set({ metric: (e.target as HTMLSelectElement).value })}>
          ${metricKeys.map((k) => html`<option value=${k}>${k}</option>`)}
        </select></label>
      </h2>
      <${BarChart} name=${chosen} bars=${runs.map((r) => ({ label: r.info.run_name || r.info.run_id.slice(0, 8), value: metric(r, chosen) }))} />
    </section>
    ${
      paramKeys.length
        ? html`<section>
            <h2>
              <label>Grid: param <select value=${xParam} onChange=${(e: Event) => set({ param: (e.target as HTMLSelectElement).value })}>
                ${paramKeys.map((k) => html`<option value=${k}>${k}</option>`)}
              </select></label> against ${chosen}
            </h2>
            <${Scatter}
              xName=${xParam}
              yName=${chosen}
              points=${runs.flatMap((r) => {
                const y = metric(r, chosen);
                const x = param(r, xParam);
                return y === undefined || x === undefined ? [] : [{ x, y, label: r.info.run_name }];
              })}
            />
          </section>`
        : null
    }
  </section>`;
}
