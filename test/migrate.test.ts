import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FileStore } from "../src/tracking/file-store.js";
import type { Experiment, Run, TrackingStore } from "../src/tracking/index.js";
import { openSqlStore } from "../src/tracking/sql/index.js";
import { cli } from "./cli.js";
import { testPostgresUrl } from "./postgres.js";

/**
 * `handgesture migrate` from an mlruns folder into SQLite and PostgreSQL: everything arrives with its ids and
 * timestamps, the counts match, and a second run adds nothing.
 */
const dir = mkdtempSync(join(tmpdir(), "handgesture-migrate-"));
const mlruns = join(dir, "mlruns");
const T0 = 1_790_000_000_000;

/** A store with what a user of handgesture train has: experiments, nested runs, history, inputs, a logged
 * model, a deleted run, a registry with stages and an alias. */
async function fill(store: FileStore) {
  const exp = await store.createExperiment("gestures", [{ key: "team", value: "hands" }]);
  const parent = await store.createRun({ experimentId: exp, runName: "session", startTime: T0 });
  const runId = parent.info.run_id;
  await store.logBatch(runId, {
    params: [
      { key: "family", value: "knn" },
      { key: "knn__n_neighbors", value: "3" },
    ],
    tags: [{ key: "handgesture.kind", value: "train-session" }],
    metrics: Array.from({ length: 50 }, (_, i) => ({ key: "loss", value: 1 / (i + 1), timestamp: T0 + i, step: i })),
  });
  await store.logMetric(runId, { key: "macro_f1", value: 0.97, timestamp: T0 + 99, step: 0 });
  await store.logMetric(runId, { key: "odd", value: Number.NaN, timestamp: T0 + 100, step: 0 });
  await store.logInputs(runId, [
    {
      tags: [{ key: "mlflow.data.context", value: "training" }],
      dataset: { name: "dev", digest: "abc123", source_type: "local", source: '{"uri": "dev.csv"}' },
    },
  ]);
  const child = await store.createRun({
    experimentId: exp,
    runName: "knn",
    startTime: T0 + 5,
    tags: [{ key: "mlflow.parentRunId", value: runId }],
  });
  await store.updateRunInfo(child.info.run_id, "FINISHED", T0 + 500);
  const gone = await store.createRun({ experimentId: exp, runName: "gone", startTime: T0 + 6 });
  await store.deleteRun(gone.info.run_id);
  const model = await store.createLoggedModel({
    experimentId: exp,
    name: "model",
    sourceRunId: runId,
    params: [{ key: "family", value: "knn" }],
    tags: [{ key: "mlflow.user", value: "me" }],
  });
  await store.logLoggedModelArtifact(model.info.model_id, "model.json", "{}");
  await store.finalizeLoggedModel(model.info.model_id, "LOGGED_MODEL_READY");
  await store.logOutputs(runId, [{ model_id: model.info.model_id, step: 0 }]);
  await store.createRegisteredModel("hand-gesture", [{ key: "owner", value: "me" }], "gestures");
  await store.createModelVersion({ name: "hand-gesture", source: `runs:/${runId}/model`, runId });
  await store.createModelVersion({
    name: "hand-gesture",
    source: `models:/${model.info.model_id}`,
    modelId: model.info.model_id,
  });
  await store.transitionModelVersionStage("hand-gesture", "2", "Production", true);
  await store.setRegisteredModelAlias("hand-gesture", "champion", "1");
  return { exp, runId, modelId: model.info.model_id };
}

async function runsOf(store: TrackingStore, exp: string): Promise<Run[]> {
  const page = await store.searchRuns({ experimentIds: [exp], viewType: "ALL", maxResults: 100 });
  return page.items.sort((a, b) => a.info.start_time - b.info.start_time);
}

let filled: Awaited<ReturnType<typeof fill>>;
const source = new FileStore(mlruns);
beforeAll(async () => {
  filled = await fill(source);
});

async function checkSame(target: TrackingStore) {
  const { runId, modelId } = filled;
  // A file store's 18-digit experiment ids do not fit a database's: the experiment gets a new id and keeps its old
  // one in a tag (everything else keeps its id).
  const e = (await target.getExperimentByName("gestures")) as Experiment;
  expect(e.experiment_id).toMatch(/^\d{1,10}$/);
  expect(e.tags).toContainEqual({ key: "handgesture.migrate.source_experiment_id", value: filled.exp });
  const exp = e.experiment_id;
  expect(e.tags).toContainEqual({ key: "team", value: "hands" });
  const want = await runsOf(source, filled.exp);
  const got = await runsOf(target, exp);
  expect(got.map((r) => r.info.run_id)).toEqual(want.map((r) => r.info.run_id));
  for (const [i, r] of got.entries()) {
    const w = want[i];
    expect(r.info).toMatchObject({
      run_name: w.info.run_name,
      start_time: w.info.start_time,
      end_time: w.info.end_time,
      status: w.info.status,
      lifecycle_stage: w.info.lifecycle_stage,
      artifact_uri: w.info.artifact_uri, // artifact locations are kept, not copied
    });
    const key = (x: { key: string }) => x.key;
    expect([...r.data.params].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      [...w.data.params].sort((a, b) => key(a).localeCompare(key(b))),
    );
    expect(r.data.tags.map(key).sort()).toEqual(w.data.tags.map(key).sort());
  }
  const history = await target.getMetricHistory(runId, "loss");
  expect(history.map((m) => [m.step, m.value, m.timestamp])).toEqual(
    Array.from({ length: 50 }, (_, i) => [i, 1 / (i + 1), T0 + i]),
  );
  const run = await target.getRun(runId);
  expect(Number.isNaN(run.data.metrics.find((m) => m.key === "odd")?.value)).toBe(true);
  expect(run.inputs.dataset_inputs[0].dataset).toMatchObject({ name: "dev", digest: "abc123" });
  expect(run.outputs?.model_outputs).toEqual([{ model_id: modelId, step: 0 }]);
  const model = await target.getLoggedModel(modelId);
  expect(model.info).toMatchObject({ name: "model", source_run_id: runId, status: "LOGGED_MODEL_READY" });
  expect(model.data.params).toEqual([{ key: "family", value: "knn" }]);
  const rm = await target.getRegisteredModel("hand-gesture");
  expect(rm.description).toBe("gestures");
  expect(rm.aliases).toEqual([{ alias: "champion", version: "1" }]);
  expect((await target.getModelVersion("hand-gesture", "2")).current_stage).toBe("Production");
  expect((await target.getModelVersion("hand-gesture", "2")).source).toBe(`models:/${modelId}`);
  expect((await target.getModelVersion("hand-gesture", "1")).run_id).toBe(runId);
}

function migrateCli(to: string) {
  const r = cli(["migrate", mlruns, to, "--json"]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as {
    source: Record<string, number>;
    target: Record<string, number>;
    written: number;
    missing: string[];
  };
}

describe("handgesture migrate", () => {
  it("copies an mlruns folder into SQLite with ids and timestamps kept; a second run adds nothing", async () => {
    const uri = `sqlite:///${join(dir, "mlflow.db")}`;
    const first = migrateCli(uri);
    expect(first.missing).toEqual([]);
    expect(first.target).toEqual(first.source);
    // Default + gestures, 3 runs (one deleted), 1 logged model, 1 registered model, 2 versions, 1 alias.
    expect(first.source).toMatchObject({
      experiments: 2,
      runs: 3,
      loggedModels: 1,
      registeredModels: 1,
      modelVersions: 2,
      aliases: 1,
      metricPoints: 52,
    });
    // Everything but Default, which a new database already has (experiment 0).
    expect(first.written).toBe(8);
    const again = migrateCli(uri);
    expect(again.written).toBe(0);
    expect(again.target).toEqual(first.target);
    const target = await openSqlStore(uri);
    try {
      await checkSame(target);
    } finally {
      await target.close();
    }
  });

  it("copies it into PostgreSQL the same way", async (ctx) => {
    const url = await testPostgresUrl();
    if (!url) return ctx.skip();
    const first = migrateCli(url);
    expect(first.target).toEqual(first.source);
    expect(migrateCli(url).written).toBe(0);
    const target = await openSqlStore(url);
    try {
      await checkSame(target);
    } finally {
      await target.close();
    }
  });

  it("refuses a tracking server as the target, and the same store twice", () => {
    const r = cli(["migrate", mlruns, "http://127.0.0.1:9"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot keep ids/);
    const same = cli(["migrate", mlruns, mlruns]);
    expect(same.status).toBe(2);
    expect(same.stderr).toMatch(/same store/);
  });
});
