/**
 * One run: its info, params, metrics (a chart over steps where a metric has several points), tags, description,
 * dataset inputs (with a link to their profile), the models it logged, its child runs, and an artifact browser that
 * previews images, text, JSON, YAML and CSV and downloads anything.
 */

import { useEffect, useState } from "preact/hooks";
import type { FileInfo, Run } from "../../src/tracking/entities.js";
import { artifactBlobUrl, artifactText, artifactUrl, explain, store, tag } from "./api.js";
import { LineChart } from "./charts.js";
import { href } from "./route.js";
import { duration, Empty, ErrorBox, html, Loading, num, useLoad, when } from "./ui.js";

export function RunView({ runId }: { runId: string }) {
  const [run, retry] = useLoad(() => store.getRun(runId), [runId]);
  if (run.state === "loading") return html`<${Loading} what="the run" />`;
  if (run.state === "error") return html`<${ErrorBox} message=${run.message} retry=${retry} />`;
  const r = run.value;
  const parent = tag(r, "mlflow.parentRunId");
  const note = tag(r, "mlflow.note.content");
  const userTags = r.data.tags.filter((t) => !t.key.startsWith("mlflow.note"));
  return html`<section class="run">
    <nav class="crumbs">
      <a href="#/experiments">Experiments</a> ›
      <a href=${href(["experiments", r.info.experiment_id])}>experiment ${r.info.experiment_id}</a>
      ${parent ? html` › <a href=${href(["runs", parent])}>parent run</a>` : null} › <span>${r.info.run_name}</span>
    </nav>
    <h1>${r.info.run_name || r.info.run_id}</h1>
    <dl class="info">
      <dt>Run id</dt><dd class="mono">${r.info.run_id}</dd>
      <dt>Status</dt><dd class=${`status ${r.info.status.toLowerCase()}`}>${r.info.status}</dd>
      <dt>Started</dt><dd>${when(r.info.start_time)}</dd>
      <dt>Duration</dt><dd>${duration(r.info.end_time ? r.info.end_time - r.info.start_time : null)}</dd>
      <dt>Artifacts</dt><dd class="mono">${r.info.artifact_uri}</dd>
    </dl>
    ${note ? html`<section><h2>Description</h2><p class="note">${note}</p></section>` : null}
    <${Children} run=${r} />
    <${Datasets} run=${r} />
    <${LoggedModels} run=${r} />
    <div class="columns">
      <section>
        <h2>Parameters (${r.data.params.length})</h2>
        ${r.data.params.length ? html`<table class="kv"><tbody>${[...r.data.params].sort((a, b) => a.key.localeCompare(b.key)).map((p) => html`<tr><th>${p.key}</th><td>${p.value}</td></tr>`)}</tbody></table>` : html`<${Empty}>No parameters.<//>`}
      </section>
      <${Metrics} run=${r} />
    </div>
    <section>
      <h2>Tags (${userTags.length})</h2>
      <table class="kv"><tbody>${userTags.map((t) => html`<tr><th>${t.key}</th><td>${t.value.length > 300 ? `${t.value.slice(0, 300)}…` : t.value}</td></tr>`)}</tbody></table>
    </section>
    <${Artifacts} run=${r} />
  </section>`;
}

function Children({ run }: { run: Run }) {
  const [kids] = useLoad(
    () =>
      store.searchRuns({
        experimentIds: [run.info.experiment_id],
        filter: `tags.mlflow.parentRunId = '${run.info.run_id}'`,
        maxResults: 1000,
      }),
    [run.info.run_id],
  );
  if (kids.state !== "ok" || kids.value.items.length === 0) return null;
  const items = kids.value.items;
  return html`<section>
    <h2>Child runs (${items.length})</h2>
    <p>
      ${items.map((k) => html`<a class="chip" href=${href(["runs", k.info.run_id])}>${k.info.run_name}</a> `)}
    </p>
    <p>
      <a class="button" href=${href(["compare"], { runs: items.map((k) => k.info.run_id).join(",") })}>Compare the ${items.length} child runs</a>
    </p>
  </section>`;
}

function Datasets({ run }: { run: Run }) {
  const inputs = run.inputs?.dataset_inputs ?? [];
  if (inputs.length === 0) return null;
  return html`<section>
    <h2>Datasets</h2>
    <ul>
      ${inputs.map((i) => {
        const context = i.tags.find((t) => t.key === "mlflow.data.context")?.value;
        return html`<li>
          <span class="chip">${i.dataset.name}</span> digest <code>${i.dataset.digest}</code>${context ? ` (${context})` : ""} ·
          <a href=${href(["datasets"], { run: run.info.run_id, dataset: i.dataset.name })}>profile</a>
        </li>`;
      })}
    </ul>
  </section>`;
}

function LoggedModels({ run }: { run: Run }) {
  const outs = run.outputs?.model_outputs ?? [];
  const [models] = useLoad(() => Promise.all(outs.map((o) => store.getLoggedModel(o.model_id))), [run.info.run_id]);
  if (outs.length === 0) return null;
  return html`<section>
    <h2>Logged models</h2>
    ${
      models.state === "ok"
        ? html`<ul>${models.value.map((m) => html`<li><strong>${m.info.name}</strong> <code>${m.info.model_id}</code> ${m.info.status} · <a href=${href(["models"], { logged: m.info.model_id })}>models</a></li>`)}</ul>`
        : models.state === "error"
          ? html`<${ErrorBox} message=${models.message} />`
          : html`<${Loading} what="logged models" />`
    }
    ${tag(run, "handgesture.kind") === "family" || run.data.metrics.some((m) => m.key === "test_macro_f1") ? html`<p><a class="button" href=${href(["explorer", run.info.run_id])}>Misclassification explorer</a></p>` : null}
  </section>`;
}

function Metrics({ run }: { run: Run }) {
  const [shown, setShown] = useState<string | undefined>(undefined);
  const [history, setHistory] = useState<{ key: string; xs: number[]; ys: number[] } | string | undefined>(undefined);
  useEffect(() => {
    if (!shown) return;
    setHistory(undefined);
    store.getMetricHistory(run.info.run_id, shown).then(
      (h) => {
        const pts = [...h].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
        setHistory({ key: shown, xs: pts.map((p) => p.step), ys: pts.map((p) => p.value) });
      },
      (e) => setHistory(explain(e)),
    );
  }, [shown, run.info.run_id]);
  const metrics = [...run.data.metrics].sort((a, b) => a.key.localeCompare(b.key));
  return html`<section>
    <h2>Metrics (${metrics.length})</h2>
    ${
      shown
        ? html`<div class="history">
            <h3>${shown} <button type="button" onClick=${() => setShown(undefined)}>close</button></h3>
            ${
              history === undefined
                ? html`<${Loading} what="history" />`
                : typeof history === "string"
                  ? html`<${ErrorBox} message=${history} />`
                  : history.xs.length > 1
                    ? html`<${LineChart} xs=${history.xs} ys=${history.ys} name=${history.key} />`
                    : html`<p class="muted">One point: ${num(history.ys[0])} at step ${history.xs[0]}.</p>`
            }
          </div>`
        : null
    }
    ${
      metrics.length
        ? html`<table class="kv"><tbody>${metrics.map(
            (m) => html`<tr>
              <th>${m.key}</th><td class="num">${num(m.value)}</td>
              <td><button type="button" class="link" onClick=${() => setShown(m.key)} aria-label=${`history of ${m.key}`}>${m.step > 0 ? "chart" : "history"}</button></td>
            </tr>`,
          )}</tbody></table>`
        : html`<${Empty}>No metrics.<//>`
    }
  </section>`;
}

const IMAGE = /\.(png|jpe?g|gif|svg|webp)$/i;
const TEXT = /(\.(txt|json|ya?ml|csv|md|log|py|toml|cfg|ini)$|(^|\/)(MLmodel|requirements\.txt|conda\.yaml)$)/i;
const MAX_PREVIEW = 2 * 1024 * 1024;

function Artifacts({ run }: { run: Run }) {
  const [path, setPath] = useState("");
  const [chosen, setChosen] = useState<FileInfo | undefined>(undefined);
  const [files, retry] = useLoad(() => store.listArtifacts(run.info.run_id, path), [run.info.run_id, path]);
  const up = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
  return html`<section class="artifacts">
    <h2>Artifacts</h2>
    <div class="split">
      <div class="tree">
        <p class="mono">/${path}</p>
        ${path ? html`<button type="button" class="link" onClick=${() => setPath(up)}>↑ up</button>` : null}
        ${
          files.state === "loading"
            ? html`<${Loading} what="artifacts" />`
            : files.state === "error"
              ? html`<${ErrorBox} message=${files.message} retry=${retry} />`
              : files.value.length === 0
                ? html`<${Empty}>No artifacts here.<//>`
                : html`<ul>${files.value.map(
                    (f) => html`<li>
                      <button type="button" class=${`link${chosen?.path === f.path ? " current" : ""}`} onClick=${() => (f.is_dir ? setPath(f.path) : setChosen(f))}>
                        ${f.is_dir ? "📁 " : ""}${f.path.slice(f.path.lastIndexOf("/") + 1)}
                      </button>
                      ${f.file_size !== undefined ? html` <small class="muted">${f.file_size} B</small>` : null}
                    </li>`,
                  )}</ul>`
        }
      </div>
      <div class="preview">${chosen ? html`<${Preview} run=${run} file=${chosen} />` : html`<${Empty}>Choose a file to preview it.<//>`}</div>
    </div>
  </section>`;
}

function Preview({ run, file }: { run: Run; file: FileInfo }) {
  const name = file.path;
  const [content] = useLoad(async () => {
    if (IMAGE.test(name))
      return { image: await artifactBlobUrl(run, name, name.endsWith(".svg") ? "image/svg+xml" : "image/png") };
    if (!TEXT.test(name)) return { none: true };
    if ((file.file_size ?? 0) > MAX_PREVIEW) return { tooBig: true };
    return { text: await artifactText(run, name) };
  }, [run.info.run_id, name]);
  const download = html`<a class="button" href=${artifactUrl(run, name)} download=${name.slice(name.lastIndexOf("/") + 1)}>Download</a>`;
  if (content.state === "loading") return html`<${Loading} what=${name} />`;
  if (content.state === "error") return html`<${ErrorBox} message=${content.message} />`;
  const v = content.value as { image?: string; text?: string; none?: boolean; tooBig?: boolean };
  return html`<div>
    <h3 class="mono">${name} ${download}</h3>
    ${v.image ? html`<img src=${v.image} alt=${name} class="artifact-image" />` : null}
    ${v.none ? html`<p class="muted">No preview for this kind of file.</p>` : null}
    ${v.tooBig ? html`<p class="muted">Too large to preview (${file.file_size} bytes).</p>` : null}
    ${v.text !== undefined ? renderText(name, v.text) : null}
  </div>`;
}

function renderText(name: string, text: string) {
  if (/\.json$/i.test(name)) {
    try {
      return html`<pre class="code">${JSON.stringify(JSON.parse(text), null, 2).slice(0, 200_000)}</pre>`;
    } catch {
      /* shown as text below */
    }
  }
  if (/\.csv$/i.test(name)) {
    const lines = text.split(/\r?\n/).filter(Boolean);
    const cells = lines.slice(0, 201).map((l) => splitCsv(l));
    return html`<div class="csv"><table>
      <thead><tr>${cells[0]?.map((c) => html`<th>${c}</th>`)}</tr></thead>
      <tbody>${cells.slice(1).map((row) => html`<tr>${row.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody>
    </table>${lines.length > 201 ? html`<p class="muted">First 200 of ${lines.length - 1} rows.</p>` : null}</div>`;
  }
  return html`<pre class="code">${text.slice(0, 200_000)}</pre>`;
}

/** One CSV line's fields (RFC 4180 quotes). */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
