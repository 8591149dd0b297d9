/**
 * Models: the registry (registered models, their versions with stage, aliases and the run each came from; stage
 * changes, archiving the previous Production on request, and aliases set or removed from here), what `serve` and
 * the live page follow right now, and MLflow 3's logged models of every experiment.
 */

import { useState } from "preact/hooks";
import type { ModelVersion, RegisteredModel, Stage } from "../../src/tracking/entities.js";
import { explain, store } from "./api.js";
import { href, type Route } from "./route.js";
import { Empty, ErrorBox, html, Loading, num, useLoad, when } from "./ui.js";

const STAGES: Stage[] = ["None", "Staging", "Production", "Archived"];

export function ModelsView({ route }: { route: Route }) {
  const [models, retry] = useLoad(async () => {
    const out: RegisteredModel[] = [];
    let pageToken: string | undefined;
    do {
      const p = await store.searchRegisteredModels({ maxResults: 1000, pageToken });
      out.push(...p.items);
      pageToken = p.next_page_token;
    } while (pageToken);
    return out;
  }, []);
  return html`<section class="models">
    <h1>Models</h1>
    <${Following} />
    <h2>Registered models</h2>
    ${
      models.state === "loading"
        ? html`<${Loading} what="registered models" />`
        : models.state === "error"
          ? html`<${ErrorBox} message=${models.message} retry=${retry} />`
          : models.value.length === 0
            ? html`<${Empty}>No registered model yet: <code>handgesture train</code> registers its winner.<//>`
            : models.value.map((m) => html`<${RegisteredModelCard} key=${m.name} model=${m} />`)
    }
    <${LoggedModelsList} highlight=${route.query.get("logged") ?? undefined} />
  </section>`;
}

/** The model the page and /invocations answer with now (handgesture ui's X-Model-Version). */
function Following() {
  const [served] = useLoad(async () => {
    const res = await fetch("/api/ui/model", { method: "HEAD" });
    return res.ok ? (res.headers.get("X-Model-Version") ?? "") : "";
  }, []);
  if (served.state !== "ok" || !served.value) return null;
  return html`<p class="following" role="status">Serving now (<code>/invocations</code>, the live page): <strong>${served.value}</strong></p>`;
}

function RegisteredModelCard({ model }: { model: RegisteredModel }) {
  const [versions, reload] = useLoad(async () => {
    const out: ModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const p = await store.searchModelVersions({
        filter: `name = '${model.name.replace(/'/g, "\\'")}'`,
        maxResults: 1000,
        pageToken,
      });
      out.push(...p.items);
      pageToken = p.next_page_token;
    } while (pageToken);
    return out.sort((a, b) => Number(b.version) - Number(a.version));
  }, [model.name]);
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>(undefined);
  const act = async (what: string, f: () => Promise<unknown>) => {
    setMessage(undefined);
    try {
      await f();
      setMessage({ text: what, error: false });
      reload();
    } catch (e) {
      setMessage({ text: explain(e), error: true });
    }
  };
  return html`<article class="registered" data-model=${model.name}>
    <h3>${model.name}</h3>
    ${model.description ? html`<p>${model.description}</p>` : null}
    ${message ? html`<p class=${message.error ? "error-inline" : "ok"} role=${message.error ? "alert" : "status"}>${message.text}</p>` : null}
    ${
      versions.state === "loading"
        ? html`<${Loading} what="versions" />`
        : versions.state === "error"
          ? html`<${ErrorBox} message=${versions.message} retry=${reload} />`
          : html`<div class="scroll-x"><table class="versions">
              <thead><tr><th>Version</th><th>Stage</th><th>Aliases</th><th>Run</th><th>Created</th><th>Change stage</th><th>Add alias</th></tr></thead>
              <tbody>${versions.value.map((v) => html`<${VersionRow} key=${v.version} model=${model.name} v=${v} act=${act} />`)}</tbody>
            </table></div>`
    }
  </article>`;
}

function VersionRow({
  model,
  v,
  act,
}: {
  model: string;
  v: ModelVersion;
  act: (what: string, f: () => Promise<unknown>) => void;
}) {
  const [stage, setStage] = useState<Stage>(v.current_stage);
  const [archive, setArchive] = useState(true);
  const [alias, setAlias] = useState("");
  return html`<tr data-version=${v.version}>
    <td>${v.version}</td>
    <td><span class=${`stage ${v.current_stage.toLowerCase()}`}>${v.current_stage}</span></td>
    <td>
      ${v.aliases.map(
        (a) =>
          html`<span class="chip">@${a} <button type="button" class="remove" aria-label=${`remove alias ${a}`} onClick=${() => act(`Alias @${a} removed from version ${v.version}.`, () => store.deleteRegisteredModelAlias(model, a))}>×</button></span> `,
      )}
    </td>
    <td>${v.run_id ? html`<a href=${href(["runs", v.run_id])} class="mono">${v.run_id.slice(0, 8)}</a>` : ""}</td>
    <td>${when(v.creation_timestamp)}</td>
    <td>
      <form class="inline" onSubmit=${(e: Event) => {
        e.preventDefault();
        act(
          `Version ${v.version} moved to ${stage}${stage === "Production" && archive ? " (the previous Production archived)" : ""}.`,
          () => store.transitionModelVersionStage(model, v.version, stage, stage === "Production" && archive),
        );
      }}>
        <select aria-label=${`stage of version ${v.version}`} value=${stage} onChange=${(e: Event) => setStage((e.target as HTMLSelectElement).value as Stage)}>
          ${STAGES.map((s) => html`<option value=${s}>${s}</option>`)}
        </select>
        <label class="small"><input type="checkbox" checked=${archive} onChange=${(e: Event) => setArchive((e.target as HTMLInputElement).checked)} /> archive previous Production</label>
        <button type="submit">Apply</button>
      </form>
    </td>
    <td>
      <form class="inline" onSubmit=${(e: Event) => {
        e.preventDefault();
        const a = alias.trim();
        if (a)
          act(`Alias @${a} now points at version ${v.version}.`, () =>
            store.setRegisteredModelAlias(model, a, v.version),
          );
        setAlias("");
      }}>
        <input aria-label=${`new alias for version ${v.version}`} placeholder="champion" value=${alias} onInput=${(e: Event) => setAlias((e.target as HTMLInputElement).value)} />
        <button type="submit">Set</button>
      </form>
    </td>
  </tr>`;
}

function LoggedModelsList({ highlight }: { highlight?: string }) {
  const [list, retry] = useLoad(async () => {
    const exps = await store.searchExperiments({ maxResults: 1000 });
    const ids = exps.items.map((e) => e.experiment_id);
    if (ids.length === 0) return [];
    try {
      return (await store.searchLoggedModels({ experimentIds: ids, maxResults: 200 })).items;
    } catch (e) {
      // An MLflow 2 server has no logged models.
      if (/ENDPOINT_NOT_FOUND|404/.test(String((e as Error).message))) return [];
      throw e;
    }
  }, []);
  return html`<section>
    <h2>Logged models (MLflow 3)</h2>
    ${
      list.state === "loading"
        ? html`<${Loading} what="logged models" />`
        : list.state === "error"
          ? html`<${ErrorBox} message=${list.message} retry=${retry} />`
          : list.value.length === 0
            ? html`<${Empty}>No logged models.<//>`
            : html`<div class="scroll-x"><table>
                <thead><tr><th>Name</th><th>Model id</th><th>Status</th><th>Run</th><th>Created</th><th>Metrics</th></tr></thead>
                <tbody>${list.value.map(
                  (m) => html`<tr class=${m.info.model_id === highlight ? "selected" : ""}>
                    <td>${m.info.name}</td><td class="mono">${m.info.model_id}</td><td>${m.info.status}</td>
                    <td>${m.info.source_run_id ? html`<a href=${href(["runs", m.info.source_run_id])}>${m.info.source_run_id.slice(0, 8)}</a>` : ""}</td>
                    <td>${when(m.info.creation_timestamp_ms)}</td>
                    <td>${m.data.metrics
                      .slice(0, 3)
                      .map((x) => `${x.key} ${num(x.value)}`)
                      .join(", ")}</td>
                  </tr>`,
                )}</tbody>
              </table></div>`
    }
  </section>`;
}
