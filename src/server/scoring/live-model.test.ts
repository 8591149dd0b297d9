import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadTable } from "../../../test/data.js";
import { DEV_CSV, hasShared } from "../../../test/shared.js";
import { encodeLabels } from "../../core/labels.js";
import { COLUMNS } from "../../core/landmarks.js";
import { fromRows, row } from "../../core/matrix.js";
import type { Pipeline } from "../../core/pipeline.js";
import { buildPipeline } from "../../core/pipelines.js";
import { TrackingClient } from "../../tracking/client.js";
import { FileStore } from "../../tracking/file-store.js";
import { listen } from "../http.js";
import { createScoringApp, MODEL_HEADER } from "./app.js";
import { openLiveModel } from "./live-model.js";

/**
 * Following the registry: a server started on models:/<name>/Production or models:/<name>@<alias> switches to the
 * version moved there, loading it fully before swapping, while a client keeps firing requests: none fails.
 */
const ready = hasShared("data", "hagrid_sample_dev.csv");

describe.skipIf(!ready)("scoring server following the registry", () => {
  const dir = mkdtempSync(join(tmpdir(), "handgesture-follow-"));
  const table = ready ? loadTable(DEV_CSV) : null;
  const y = table ? encodeLabels(table.labels) : null;
  const rows = table ? Array.from({ length: 30 }, (_, k) => Array.from(row(table.X, (k * 31) % table.X.rows))) : [];
  let client: TrackingClient;
  const models: Pipeline[] = [];

  async function register(model: Pipeline): Promise<string> {
    const exp = await client.getOrCreateExperiment("follow");
    const uri = await client.withRun(exp, {}, (run) => client.logModel(run.info.run_id, model));
    const v = await client.store.createModelVersion({ name: "gesture", source: uri, runId: uri.split("/")[1] });
    return v.version;
  }

  beforeAll(async () => {
    client = new TrackingClient(new FileStore(join(dir, "mlruns")));
    await client.store.createRegisteredModel("gesture");
    // Two versions that answer differently: KNN with k=1 and logistic regression on the seed features.
    models.push(buildPipeline("seed-knn", { knn__n_neighbors: 1 }).fit(table!.X, y!));
    models.push(buildPipeline("seed-logreg", { logreg__max_iter: 30 }).fit(table!.X, y!));
    for (const m of models) await register(m);
    await client.store.transitionModelVersionStage("gesture", "1", "Production", true);
    await client.store.setRegisteredModelAlias("gesture", "champion", "1");
  });

  it("moves to the new Production version under load without dropping a request", async () => {
    const live = await openLiveModel("models:/gesture/Production", {
      store: client.store,
      pollSeconds: 0.05,
      log: () => {},
    });
    const server = await listen(createScoringApp(live).fetch, { port: 0 });
    const body = JSON.stringify({ dataframe_split: { columns: COLUMNS, data: rows }, params: { output: "proba" } });
    const want = models.map((m) => {
      const P = m.predictProba(fromRows(rows));
      return rows.map((_, i) => Object.fromEntries(m.classes.map((c, j) => [c, P.data[i * P.cols + j]])));
    });
    expect(want[0]).not.toEqual(want[1]);
    const seen: { status: number; version: string | null; body: unknown }[] = [];
    let stop = false;
    const fire = async () => {
      while (!stop) {
        const r = await fetch(`${server.url}/invocations`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        seen.push({ status: r.status, version: r.headers.get(MODEL_HEADER), body: await r.json() });
      }
    };
    try {
      const clients = [fire(), fire(), fire(), fire()];
      await new Promise((r) => setTimeout(r, 200));
      expect(live.current.tag).toBe("gesture/1");
      await client.store.transitionModelVersionStage("gesture", "2", "Production", true);
      const t0 = Date.now();
      while (live.current.tag !== "gesture/2" && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      stop = true;
      await Promise.all(clients);
    } finally {
      stop = true;
      live.close();
      await server.close();
    }
    expect(live.current.tag).toBe("gesture/2");
    expect(seen.length).toBeGreaterThan(20);
    expect(seen.every((s) => s.status === 200)).toBe(true);
    // Every answer is wholly one version's: first version 1, then version 2, never back.
    const versions = seen.map((s) => s.version);
    const firstNew = versions.indexOf("gesture/2");
    expect(firstNew).toBeGreaterThan(0);
    expect(versions.slice(0, firstNew).every((v) => v === "gesture/1")).toBe(true);
    for (const s of seen) {
      expect(s.body).toEqual({ predictions: want[s.version === "gesture/1" ? 0 : 1] });
    }
  });

  it("follows an alias, and keeps serving when the registry cannot answer", async () => {
    const logs: string[] = [];
    const live = await openLiveModel("models:/gesture@champion", {
      store: client.store,
      pollSeconds: 60,
      log: (m) => logs.push(m),
    });
    try {
      expect(live.follows).toBe(true);
      expect(live.current.tag).toBe("gesture/1");
      expect(await live.refresh()).toBe(false);
      await client.store.setRegisteredModelAlias("gesture", "champion", "2");
      expect(await live.refresh()).toBe(true);
      expect(live.current.tag).toBe("gesture/2");
      expect(live.current.origin).toMatchObject({ name: "gesture", version: "2", uri: "models:/gesture@champion" });
      expect(logs.join("\n")).toMatch(/now names gesture\/2 \(was gesture\/1\)/);
      await client.store.deleteRegisteredModelAlias("gesture", "champion");
      await expect(live.refresh()).rejects.toThrow(/champion/);
      expect(live.current.tag).toBe("gesture/2");
    } finally {
      live.close();
    }
    // Fixed URIs load once and never poll.
    const fixed = await openLiveModel("models:/gesture/1", { store: client.store });
    expect(fixed.follows).toBe(false);
    expect(fixed.current.tag).toBe("gesture/1");
    await expect(openLiveModel("models:/gesture/Staging", { store: client.store })).rejects.toThrow(/Staging/);
    await expect(openLiveModel(join(dir, "nothing.json"))).rejects.toThrow(/no such file/);
  });
});
