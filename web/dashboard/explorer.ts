/**
 * The misclassification explorer: the confusion matrix of a run's held-out evaluation (evaluation/holdout.csv,
 * logged by `train` per family), live and clickable; a cell opens the hands behind it, each drawn with its true
 * label, the prediction and its probability, and, for a mistake, the nearest training hands of both classes
 * (evaluation/neighbors.json).
 */
import {
  HOLDOUT_CSV,
  holdoutConfusion,
  NEIGHBORS_JSON,
  type NeighborsFile,
  parseHoldoutCsv,
} from "../../src/core/holdout.js";
import { NO_GESTURE } from "../../src/core/smoothing.js";
import { artifactText, store } from "./api.js";
import { href, replaceRoute } from "./route.js";
import { Skeleton } from "./skeleton.js";
import { Empty, ErrorBox, html, Loading, useLoad } from "./ui.js";

const MAX_SHOWN = 60;

export function ExplorerView({ runId, cell }: { runId: string; cell?: string }) {
  const [data, retry] = useLoad(async () => {
    const run = await store.getRun(runId);
    let text: string;
    try {
      text = await artifactText(run, HOLDOUT_CSV);
    } catch {
      throw new Error(`run ${run.info.run_name} has no ${HOLDOUT_CSV}: open a family run of \`handgesture train\``);
    }
    const holdout = parseHoldoutCsv(text, HOLDOUT_CSV);
    let neighbors: NeighborsFile | null = null;
    try {
      neighbors = JSON.parse(await artifactText(run, NEIGHBORS_JSON)) as NeighborsFile;
    } catch {
      neighbors = null;
    }
    return { run, holdout, confusion: holdoutConfusion(holdout), neighbors };
  }, [runId]);
  if (data.state === "loading") return html`<${Loading} what="the held-out evaluation" />`;
  if (data.state === "error") return html`<${ErrorBox} message=${data.message} retry=${retry} />`;
  const { run, holdout, confusion, neighbors } = data.value;
  const classes = holdout.classes;
  const [ti, pi] = (cell ?? "").split(",").map(Number);
  const open = Number.isInteger(ti) && Number.isInteger(pi) && classes[ti] !== undefined && classes[pi] !== undefined;
  const max = Math.max(1, ...confusion.flatMap((row, i) => row.filter((_, j) => j !== i)));
  const total = holdout.rows.length;
  const right = holdout.rows.filter((r) => r.label === r.predicted).length;
  const choose = (t: number, p: number) => replaceRoute(["explorer", runId], { cell: `${t},${p}` });
  return html`<section class="explorer">
    <nav class="crumbs"><a href=${href(["runs", runId])}>${run.info.run_name}</a> › <span>Misclassification explorer</span></nav>
    <h1>Held-out hands of ${run.info.run_name}</h1>
    <p>${total} held-out hands, ${right} right (${((100 * right) / Math.max(1, total)).toFixed(1)}%). Rows: true class; columns: predicted. Click a cell for its hands.</p>
    <div class="scroll-x">
      <table class="confusion" aria-label="confusion matrix">
        <thead><tr><th>true \\ predicted</th>${classes.map((c) => html`<th class="rot"><span>${c}</span></th>`)}</tr></thead>
        <tbody>${confusion.map(
          (row, i) =>
            html`<tr><th>${classes[i]}</th>${row.map((n, j) => {
              const diag = i === j;
              const alpha = diag ? 0 : n / max;
              return html`<td>
              <button
                type="button"
                class=${`cell${diag ? " diag" : ""}${open && i === ti && j === pi ? " current" : ""}`}
                style=${diag || n === 0 ? undefined : { background: `rgba(220, 38, 38, ${0.15 + 0.7 * alpha})` }}
                aria-label=${`${n} ${classes[i]} predicted ${classes[j]}`}
                data-true=${classes[i]}
                data-predicted=${classes[j]}
                disabled=${n === 0}
                onClick=${() => choose(i, j)}
              >${n || ""}</button>
            </td>`;
            })}</tr>`,
        )}</tbody>
      </table>
    </div>
    ${open ? html`<${CellHands} holdout=${holdout} neighbors=${neighbors} t=${classes[ti]} p=${classes[pi]} />` : null}
  </section>`;
}

function CellHands({
  holdout,
  neighbors,
  t,
  p,
}: {
  holdout: ReturnType<typeof parseHoldoutCsv>;
  neighbors: NeighborsFile | null;
  t: string;
  p: string;
}) {
  const hands = holdout.rows.filter((r) => r.label === t && r.predicted === p);
  const near = new Map((neighbors?.hands ?? []).map((h) => [h.row, h]));
  if (hands.length === 0) return html`<${Empty}>No hands here.<//>`;
  return html`<section class="cell-hands" aria-live="polite">
    <h2>${hands.length} ${t} hand${hands.length === 1 ? "" : "s"} predicted ${p}</h2>
    <ul class="hands">
      ${hands.slice(0, MAX_SHOWN).map((h) => {
        const n = near.get(h.row);
        const rejected = h.accepted === false;
        return html`<li class="hand" data-row=${h.row}>
          <figure>
            <${Skeleton} values=${h.landmarks} size=${140} title=${`row ${h.row}: ${t} predicted ${p}`} />
            <figcaption>
              <strong>${t}</strong> → ${p} ${(h.probability * 100).toFixed(0)}%${rejected ? html` <span class="chip">${NO_GESTURE}</span>` : null}<br />
              <small class="muted">row ${h.row}, line ${h.line}</small>
            </figcaption>
          </figure>
          ${
            n && neighbors
              ? html`<div class="neighbors">
                  ${[t, p].map(
                    (cls) => html`<div>
                      <p class="small">nearest training <strong>${cls}</strong></p>
                      <div class="row">${(n.neighbors[cls] ?? []).slice(0, 3).map((nb) => {
                        const lm = neighbors.landmarks[String(nb.row)];
                        return lm
                          ? html`<figure><${Skeleton} values=${lm} size=${72} title=${`training row ${nb.row} (${cls}), distance ${nb.distance.toFixed(2)}`} /><figcaption class="small">d ${nb.distance.toFixed(2)}</figcaption></figure>`
                          : null;
                      })}</div>
                    </div>`,
                  )}
                </div>`
              : null
          }
        </li>`;
      })}
    </ul>
    ${hands.length > MAX_SHOWN ? html`<p class="muted">First ${MAX_SHOWN} of ${hands.length}.</p>` : null}
  </section>`;
}
