/**
 * Experiments and their runs: the runs table with chosen params and metrics as columns, sorted by any of them,
 * filtered in MLflow's search syntax (the server parses it: its error is shown under the filter), nested runs
 * folded under their parent (session → family → grid point), virtualized (10,000 runs scroll as 30 would), and
 * driven from the keyboard (arrows move, → and ← unfold and fold, Enter opens, space selects for comparison).
 */

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Experiment, Run } from "../../src/tracking/entities.js";
import { allRuns, explain, metric, param, store, tag } from "./api.js";
import { href, type Route, replaceRoute } from "./route.js";
import { duration, Empty, ErrorBox, html, Loading, num, useLoad, when } from "./ui.js";
import { useVirtualRows } from "./virtual.js";

const ROW_HEIGHT = 34;
const PREFERRED = [
  "metrics.cv_macro_f1_mean",
  "metrics.test_macro_f1",
  "metrics.test_macro_f1_with_rejection",
  "metrics.best_test_macro_f1",
];

export function ExperimentsView() {
  const [exps, retry] = useLoad(async () => {
    const out: Experiment[] = [];
    let pageToken: string | undefined;
    do {
      const page = await store.searchExperiments({ maxResults: 1000, pageToken });
      out.push(...page.items);
      pageToken = page.next_page_token;
    } while (pageToken);
    return out;
  }, []);
  if (exps.state === "loading") return html`<${Loading} what="experiments" />`;
  if (exps.state === "error") return html`<${ErrorBox} message=${exps.message} retry=${retry} />`;
  if (exps.value.length === 0) return html`<${Empty}>No experiments yet: run <code>handgesture train</code>.<//>`;
  return html`<section>
    <h1>Experiments</h1>
    <ul class="cards">
      ${exps.value.map(
        (e) => html`<li key=${e.experiment_id}>
          <a href=${href(["experiments", e.experiment_id])}><strong>${e.name}</strong></a>
          <span class="muted">id ${e.experiment_id} · ${e.lifecycle_stage}</span>
        </li>`,
      )}
    </ul>
  </section>`;
}

interface Node {
  run: Run;
  depth: number;
  children: Node[];
}

type Column = string; // "metrics.<key>" | "params.<key>" | "attributes.<name>"

function cellValue(run: Run, col: Column): number | string | undefined {
  const dot = col.indexOf(".");
  const kind = col.slice(0, dot);
  const key = col.slice(dot + 1);
  if (kind === "metrics") return metric(run, key);
  if (kind === "params") return param(run, key);
  if (kind === "tags") return tag(run, key);
  switch (key) {
    case "run_name":
      return run.info.run_name;
    case "status":
      return run.info.status;
    case "start_time":
      return run.info.start_time;
    case "duration":
      return run.info.end_time ? run.info.end_time - run.info.start_time : undefined;
    default:
      return undefined;
  }
}

function compare(a: number | string | undefined, b: number | string | undefined): number {
  // Runs without the value go last whichever the direction.
  if (a === undefined) return b === undefined ? 0 : 1;
  if (b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  const na = Number(a);
  const nb = Number(b);
  if (!Number.isNaN(na) && !Number.isNaN(nb) && String(a).trim() !== "" && String(b).trim() !== "") return na - nb;
  return String(a).localeCompare(String(b));
}

/** Runs as a forest by mlflow.parentRunId (a run whose parent is not in the result is a root). */
function forest(runs: Run[], sort: Column | undefined, desc: boolean): Node[] {
  const byId = new Map<string, Node>();
  for (const run of runs) byId.set(run.info.run_id, { run, depth: 0, children: [] });
  const roots: Node[] = [];
  for (const node of byId.values()) {
    const parent = tag(node.run, "mlflow.parentRunId");
    const p = parent ? byId.get(parent) : undefined;
    if (p) p.children.push(node);
    else roots.push(node);
  }
  const order = (nodes: Node[], depth: number) => {
    if (sort) {
      nodes.sort((x, y) => {
        const a = cellValue(x.run, sort);
        const b = cellValue(y.run, sort);
        if (a === undefined || b === undefined) return compare(a, b);
        return desc ? compare(b, a) : compare(a, b);
      });
    }
    for (const n of nodes) {
      n.depth = depth;
      order(n.children, depth + 1);
    }
  };
  order(roots, 0);
  return roots;
}

function flatten(roots: Node[], open: Set<string>): Node[] {
  const out: Node[] = [];
  const walk = (nodes: Node[]) => {
    for (const n of nodes) {
      out.push(n);
      if (n.children.length && open.has(n.run.info.run_id)) walk(n.children);
    }
  };
  walk(roots);
  return out;
}

function columnsOf(runs: Run[]): { metrics: string[]; params: string[] } {
  const m = new Set<string>();
  const p = new Set<string>();
  for (const r of runs) {
    for (const x of r.data.metrics) m.add(x.key);
    for (const x of r.data.params) p.add(x.key);
  }
  return { metrics: [...m].sort(), params: [...p].sort() };
}

const label = (col: Column) => col.replace(/^metrics\./, "").replace(/^params\./, "param: ");

export function RunsView({ experimentId, route }: { experimentId: string; route: Route }) {
  const filter = route.query.get("filter") ?? "";
  const sort = route.query.get("sort") ?? undefined;
  const desc = route.query.get("order") !== "asc";
  const [typed, setTyped] = useState(filter);
  const [runs, setRuns] = useState<Run[] | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState("");
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [experiment, setExperiment] = useState<Experiment | undefined>(undefined);
  const scroller = useRef<HTMLDivElement>(null);
  const [focusIndex, setFocusIndex] = useState(0);

  useEffect(() => setTyped(filter), [filter]);
  useEffect(() => {
    store.getExperiment(experimentId).then(setExperiment, () => undefined);
  }, [experimentId]);
  useEffect(() => {
    let live = true;
    setLoading(true);
    setError("");
    allRuns([experimentId], filter, (page) => {
      if (!live) return;
      setRuns(page);
      // Sessions start unfolded, so their families show; a family's grid points show when it is unfolded.
      setOpen((o) => {
        const next = new Set(o);
        for (const r of page) if (!tag(r, "mlflow.parentRunId")) next.add(r.info.run_id);
        return next;
      });
    })
      .then((all) => live && setRuns(all))
      .catch((e) => live && setError(explain(e)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [experimentId, filter]);

  const cols: Column[] = useMemo(() => {
    const given = route.query.get("cols");
    if (given !== null) return given.split(",").filter(Boolean);
    const have = runs ? columnsOf(runs) : { metrics: [], params: [] };
    return PREFERRED.filter((c) => have.metrics.includes(c.slice(8)));
  }, [route.query.get("cols"), runs]);
  const roots = useMemo(() => forest(runs ?? [], sort, desc), [runs, sort, desc]);
  const rows = useMemo(() => flatten(roots, open), [roots, open]);
  const v = useVirtualRows(rows.length, scroller, ROW_HEIGHT);
  const available = useMemo(() => columnsOf(runs ?? []), [runs]);

  const go = (q: Record<string, string | undefined>) =>
    replaceRoute(["experiments", experimentId], {
      filter,
      sort,
      order: route.query.get("order") ?? undefined,
      cols: route.query.get("cols") ?? undefined,
      ...q,
    });
  const sortBy = (col: Column) =>
    go({ sort: col, order: sort === col ? (desc ? "asc" : "desc") : col.startsWith("metrics.") ? "desc" : "asc" });
  const toggle = (id: string) =>
    setOpen((o) => {
      const next = new Set(o);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const select = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const focusRow = (i: number) => {
    const j = Math.max(0, Math.min(rows.length - 1, i));
    setFocusIndex(j);
    v.scrollToIndex(j, { align: "auto" });
    requestAnimationFrame(() =>
      (scroller.current?.querySelector(`[data-index="${j}"]`) as HTMLElement | null)?.focus(),
    );
  };
  const onKey = (e: KeyboardEvent, i: number, node: Node) => {
    const id = node.run.info.run_id;
    if (e.key === "ArrowDown") focusRow(i + 1);
    else if (e.key === "ArrowUp") focusRow(i - 1);
    else if (e.key === "Home") focusRow(0);
    else if (e.key === "End") focusRow(rows.length - 1);
    else if (e.key === "PageDown") focusRow(i + 15);
    else if (e.key === "PageUp") focusRow(i - 15);
    else if (e.key === "ArrowRight" && node.children.length && !open.has(id)) toggle(id);
    else if (e.key === "ArrowLeft" && open.has(id)) toggle(id);
    else if (e.key === "Enter") location.hash = href(["runs", id]);
    else if (e.key === " ") select(id);
    else return;
    e.preventDefault();
  };

  const headers: [Column, string][] = [
    ["attributes.run_name", "Run"],
    ["attributes.status", "Status"],
    ["attributes.start_time", "Started"],
    ["attributes.duration", "Duration"],
  ];
  // Fixed widths: the header and every row line up whatever their content.
  const gridTemplate = `2.2rem 20rem 6.5rem 10.5rem 6rem 10rem 7.5rem ${cols.map(() => "9.5rem").join(" ")}`;
  const arrow = (col: Column) => (sort === col ? (desc ? " ▼" : " ▲") : "");
  const ariaSort = (col: Column) => (sort === col ? (desc ? "descending" : "ascending") : "none");

  return html`<section class="runs">
    <nav class="crumbs"><a href="#/experiments">Experiments</a> › <span>${experiment?.name ?? experimentId}</span></nav>
    <form
      class="filter"
      onSubmit=${(e: Event) => {
        e.preventDefault();
        go({ filter: typed.trim() || undefined });
      }}
    >
      <label for="filter">Filter runs</label>
      <input
        id="filter"
        type="search"
        value=${typed}
        placeholder="metrics.cv_macro_f1_mean > 0.9 and params.n_neighbors = '5'"
        aria-invalid=${error ? "true" : "false"}
        aria-describedby="filter-help"
        onInput=${(e: Event) => setTyped((e.target as HTMLInputElement).value)}
      />
      <button type="submit">Search</button>
      ${filter ? html`<button type="button" onClick=${() => go({ filter: undefined })}>Clear</button>` : null}
      <p id="filter-help" class=${error ? "error-inline" : "muted"} role=${error ? "alert" : undefined}>
        ${error || "MLflow's search syntax: metrics.x > 0.9, params.k = '3', tags.t = 'v', attributes.status = 'FINISHED'"}
      </p>
    </form>
    <div class="toolbar">
      <span class="muted" role="status">${runs ? `${runs.length} runs` : ""}${loading ? " (loading…)" : ""}</span>
      <label
        >Add column
        <select
          value=""
          onChange=${(e: Event) => {
            const c = (e.target as HTMLSelectElement).value;
            if (c && !cols.includes(c)) go({ cols: [...cols, c].join(",") });
          }}
        >
          <option value="">—</option>
          <optgroup label="metrics">
            ${available.metrics.map((m) => html`<option value=${`metrics.${m}`}>${m}</option>`)}
          </optgroup>
          <optgroup label="params">
            ${available.params.map((p) => html`<option value=${`params.${p}`}>${p}</option>`)}
          </optgroup>
        </select></label
      >
      <a
        class=${`button${selected.size < 2 ? " disabled" : ""}`}
        aria-disabled=${selected.size < 2 ? "true" : "false"}
        href=${selected.size >= 2 ? href(["compare"], { runs: [...selected].join(",") }) : undefined}
        >Compare ${selected.size} runs</a
      >
    </div>
    ${
      runs && runs.length === 0 && !loading
        ? html`<${Empty}>${filter ? "No run matches this filter." : "No runs in this experiment yet."}<//>`
        : null
    }
    ${!runs && loading ? html`<${Loading} what="runs" />` : null}
    <div class="table" role="table" aria-label="Runs" aria-rowcount=${rows.length + 1}>
      <div class="thead" role="rowgroup">
        <div class="tr" role="row" style=${{ gridTemplateColumns: gridTemplate }}>
          <span role="columnheader" class="th"></span>
          ${headers.map(
            ([col, text]) =>
              html`<button role="columnheader" aria-sort=${ariaSort(col)} class="th" type="button" onClick=${() => sortBy(col)}>
                ${text}${arrow(col)}
              </button>`,
          )}
          <span role="columnheader" class="th">Dataset</span>
          <span role="columnheader" class="th">Model</span>
          ${cols.map(
            (col) => html`<span role="columnheader" class="th col" aria-sort=${ariaSort(col)}>
              <button type="button" class="sort" onClick=${() => sortBy(col)} title=${col}>${label(col)}${arrow(col)}</button>
              <button type="button" class="remove" aria-label=${`remove column ${label(col)}`} onClick=${() => go({ cols: cols.filter((c) => c !== col).join(",") || "," })}>×</button>
            </span>`,
          )}
        </div>
      </div>
      <div class="tbody" role="rowgroup" ref=${scroller}>
        <div style=${{ height: `${v.getTotalSize()}px`, position: "relative" }}>
          ${v.getVirtualItems().map((item) => {
            const node = rows[item.index];
            const r = node.run;
            const id = r.info.run_id;
            const kids = node.children.length;
            const ds = r.inputs?.dataset_inputs?.[0]?.dataset;
            const model = r.outputs?.model_outputs?.[0]?.model_id;
            return html`<div
              key=${id}
              class=${`tr${selected.has(id) ? " selected" : ""}`}
              role="row"
              data-index=${item.index}
              data-run-id=${id}
              data-depth=${node.depth}
              tabindex=${item.index === focusIndex ? 0 : -1}
              aria-level=${node.depth + 1}
              aria-expanded=${kids ? String(open.has(id)) : undefined}
              style=${{ gridTemplateColumns: gridTemplate, transform: `translateY(${item.start}px)`, height: `${ROW_HEIGHT}px` }}
              onKeyDown=${(e: KeyboardEvent) => onKey(e, item.index, node)}
              onFocus=${() => setFocusIndex(item.index)}
            >
              <span role="cell" class="td"
                ><input
                  type="checkbox"
                  tabindex="-1"
                  aria-label=${`select ${r.info.run_name}`}
                  checked=${selected.has(id)}
                  onChange=${() => select(id)}
              /></span>
              <span role="cell" class="td name" style=${{ paddingLeft: `${0.3 + node.depth * 1.2}rem` }}>
                ${
                  kids
                    ? html`<button type="button" tabindex="-1" class="fold" aria-label=${`${open.has(id) ? "fold" : "unfold"} ${kids} runs`} onClick=${() => toggle(id)}>
                        ${open.has(id) ? "▾" : "▸"} <small>${kids}</small>
                      </button>`
                    : html`<span class="fold-space"></span>`
                }
                <a href=${href(["runs", id])} tabindex="-1">${r.info.run_name || id.slice(0, 8)}</a>
              </span>
              <span role="cell" class=${`td status ${r.info.status.toLowerCase()}`}>${r.info.status}</span>
              <span role="cell" class="td">${when(r.info.start_time)}</span>
              <span role="cell" class="td">${duration(r.info.end_time ? r.info.end_time - r.info.start_time : null)}</span>
              <span role="cell" class="td" title=${ds ? `${ds.name} (${ds.digest})` : ""}>${ds ? ds.name : ""}</span>
              <span role="cell" class="td mono" title=${model ?? ""}>${model ? model.slice(0, 10) : ""}</span>
              ${cols.map((col) => {
                const val = cellValue(r, col);
                return html`<span role="cell" class="td num" data-col=${col}>${typeof val === "number" ? num(val) : (val ?? "")}</span>`;
              })}
            </div>`;
          })}
        </div>
      </div>
    </div>
  </section>`;
}
