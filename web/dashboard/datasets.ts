/**
 * Datasets: for a dataset input of a run, or a CSV on the server's disk the user names (under its --data-root):
 * class counts, one real hand per class (its medoid) raw beside normalized, and the spread of each landmark.
 */

import { useState } from "preact/hooks";
import type { DatasetProfile } from "../../src/core/profile.js";
import { uiJson } from "./api.js";
import { type Route, replaceRoute } from "./route.js";
import { Skeleton } from "./skeleton.js";
import { ErrorBox, html, Loading, useLoad } from "./ui.js";

/** What MLflow logs with a dataset input (its profile field): counts only. */
interface LoggedProfile {
  num_rows?: number;
  class_counts?: Record<string, number>;
}

interface ProfileAnswer {
  profile: DatasetProfile | null;
  logged?: LoggedProfile | null;
  note?: string | null;
  source?: Record<string, unknown>;
  dataset?: { name: string; digest: string; context: string | null };
}

export function DatasetsView({ route }: { route: Route }) {
  const run = route.query.get("run") ?? undefined;
  const dataset = route.query.get("dataset") ?? undefined;
  const path = route.query.get("path") ?? undefined;
  const [typed, setTyped] = useState(path ?? "");
  const query = path
    ? `path=${encodeURIComponent(path)}`
    : run
      ? `run_id=${encodeURIComponent(run)}${dataset ? `&dataset=${encodeURIComponent(dataset)}` : ""}`
      : "";
  const [answer, retry] = useLoad(
    async () => (query ? (await uiJson<ProfileAnswer>(`/api/ui/datasets/profile?${query}`)).body : null),
    [query],
  );
  return html`<section class="datasets">
    <h1>Datasets</h1>
    <form class="filter" onSubmit=${(e: Event) => {
      e.preventDefault();
      replaceRoute(["datasets"], { path: typed.trim() || undefined });
    }}>
      <label for="csv">A CSV on the server (under its data root)</label>
      <input id="csv" value=${typed} placeholder="data/hagrid_sample_dev.csv" onInput=${(e: Event) => setTyped((e.target as HTMLInputElement).value)} />
      <button type="submit">Profile</button>
    </form>
    ${
      !query
        ? html`<p class="muted">Name a CSV above, or open a run's dataset from its page.</p>`
        : answer.state === "loading"
          ? html`<${Loading} what="the profile" />`
          : answer.state === "error"
            ? html`<${ErrorBox} message=${answer.message} retry=${retry} />`
            : answer.value
              ? html`<${Profile} answer=${answer.value} />`
              : null
    }
  </section>`;
}

function ClassCounts({ counts }: { counts: [string, number][] }) {
  const most = Math.max(1, ...counts.map(([, n]) => n));
  return html`<table class="bars">
    <tbody>${counts.map(
      ([label, n]) =>
        html`<tr data-class=${label}><th>${label}</th><td><span class="bar" style=${{ width: `${(100 * n) / most}%` }}></span></td><td class="num">${n}</td></tr>`,
    )}</tbody>
  </table>`;
}

function Profile({ answer }: { answer: ProfileAnswer }) {
  const profile = answer.profile;
  const header = html`${answer.dataset ? html`<p><strong>${answer.dataset.name}</strong> digest <code>${answer.dataset.digest}</code>${answer.dataset.context ? ` (${answer.dataset.context})` : ""}</p>` : null}
    ${answer.note ? html`<p class="muted">${answer.note}</p>` : null}`;
  if (!profile) {
    const counts = answer.logged?.class_counts;
    if (!counts) return html`${header}<${ErrorBox} message=${answer.note ?? "No profile for this dataset."} />`;
    return html`<div>${header}
      <p>${answer.logged?.num_rows ?? ""} rows (as logged with the run: the hands themselves are not on this server).</p>
      <h2>Rows per class</h2><${ClassCounts} counts=${Object.entries(counts).sort(([a], [b]) => a.localeCompare(b))} />
    </div>`;
  }
  const spread = profile.spread.normalized;
  return html`<div>
    ${header}
    <p>${profile.rows} rows, ${profile.classes.length} classes${profile.unnormalizable ? `, ${profile.unnormalizable} hands of no size` : ""}. ${profile.normalization}</p>
    <h2>Rows per class</h2>
    <${ClassCounts} counts=${profile.classes.map((c) => [c.label, c.count] as [string, number])} />
    <h2>One hand per class (the medoid): raw, and normalized</h2>
    <ul class="hands">
      ${profile.classes.map(
        (c) => html`<li class="hand">
          ${c.medoid ? html`<figure><${Skeleton} values=${c.medoid.raw} size=${96} title=${`${c.label}, row ${c.medoid.row}, raw`} /><${Skeleton} values=${c.medoid.normalized} size=${96} title=${`${c.label}, normalized`} /><figcaption><strong>${c.label}</strong> <small class="muted">row ${c.medoid.row}</small></figcaption></figure>` : html`<p>${c.label}: no hand of any size</p>`}
        </li>`,
      )}
    </ul>
    <h2>Spread of each landmark (normalized)</h2>
    <div class="scroll-x"><table class="spread">
      <thead><tr><th>landmark</th><th>x mean ± sd</th><th>y mean ± sd</th><th>z mean ± sd</th></tr></thead>
      <tbody>${Array.from({ length: 21 }, (_, i) => html`<tr><th>${i + 1}</th>${[0, 1, 2].map((k) => html`<td class="num">${spread.mean[3 * i + k].toFixed(3)} ± ${spread.std[3 * i + k].toFixed(3)}</td>`)}</tr>`)}</tbody>
    </table></div>
  </div>`;
}
