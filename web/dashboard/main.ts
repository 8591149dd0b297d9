/**
 * The dashboard (`/dashboard.html` of `handgesture ui`): experiments and runs, a run, comparison, models and the
 * registry, datasets, and the misclassification explorer — read and written only through MLflow's REST API (and
 * `handgesture ui`'s dataset profiles), so it works the same over any store `ui` points at. Preact with htm (no
 * build step of its own beyond Vite), @tanstack/virtual-core for long tables, uPlot for metric histories.
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { hasToken, onTokenNeeded, setToken } from "./api.js";
import { CompareView } from "./compare.js";
import { DatasetsView } from "./datasets.js";
import { ExplorerView } from "./explorer.js";
import { ModelsView } from "./models.js";
import { useRoute } from "./route.js";
import { RunView } from "./run.js";
import { ExperimentsView, RunsView } from "./runs.js";
import { html } from "./ui.js";
import "./style.css";

function TokenBar() {
  const [asked, setAsked] = useState(false);
  const [value, setValue] = useState("");
  useEffect(() => onTokenNeeded(setAsked), []);
  if (!asked) return null;
  return html`<form class="token" onSubmit=${(e: Event) => {
    e.preventDefault();
    setToken(value);
    location.reload();
  }}>
    <label for="token">${hasToken() ? "The token was refused: enter it again" : "This server asks for a token (--auth-token)"}</label>
    <input id="token" type="password" autocomplete="off" value=${value} onInput=${(e: Event) => setValue((e.target as HTMLInputElement).value)} />
    <button type="submit">Use token</button>
  </form>`;
}

function App() {
  const route = useRoute();
  const [top, id] = route.parts;
  let view: unknown;
  switch (top) {
    case undefined:
    case "experiments":
      view = id ? html`<${RunsView} key=${id} experimentId=${id} route=${route} />` : html`<${ExperimentsView} />`;
      break;
    case "runs":
      view = html`<${RunView} key=${id} runId=${id} />`;
      break;
    case "compare":
      view = html`<${CompareView} route=${route} />`;
      break;
    case "models":
      view = html`<${ModelsView} route=${route} />`;
      break;
    case "datasets":
      view = html`<${DatasetsView} route=${route} />`;
      break;
    case "explorer":
      view = html`<${ExplorerView} key=${id} runId=${id} cell=${route.query.get("cell") ?? undefined} />`;
      break;
    default:
      view = html`<p class="error" role="alert">No such page: #/${route.parts.join("/")}. <a href="#/experiments">Experiments</a></p>`;
  }
  const current = (name: string) =>
    top === name ||
    (name === "experiments" && (top === undefined || top === "runs" || top === "compare" || top === "explorer"))
      ? "page"
      : undefined;
  return html`<div class="app">
    <header>
      <a class="brand" href="#/experiments">handgesture</a>
      <nav aria-label="dashboard">
        <a href="#/experiments" aria-current=${current("experiments")}>Experiments</a>
        <a href="#/models" aria-current=${current("models")}>Models</a>
        <a href="#/datasets" aria-current=${current("datasets")}>Datasets</a>
        <a href="/">Live page</a>
      </nav>
    </header>
    <${TokenBar} />
    <main>${view}</main>
  </div>`;
}

const root = document.getElementById("app") as HTMLElement;
root.textContent = ""; // the "Loading…" placeholder, shown until this script runs
render(html`<${App} />`, root);
