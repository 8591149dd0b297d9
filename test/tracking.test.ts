import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeLabels } from "../src/core/labels.js";
import { buildPipeline } from "../src/core/pipelines.js";
import { TrackingClient } from "../src/tracking/client.js";
import { FileStore } from "../src/tracking/file-store.js";
import { RestStore } from "../src/tracking/rest-store.js";
import type { TrackingStore } from "../src/tracking/store.js";
import { cli } from "./cli.js";
import { loadTable } from "./data.js";
import { DEV_CSV, hasShared } from "./shared.js";
import { startTrackingServer, type TestTrackingServer } from "./tracking-server.js";

/**
 * The client end to end, against the file store and against the REST store over loopback: a run with params,
 * metrics and a logged model, a registered version moved to Production, and the model loaded back by every URI
 * form; then the CLI reading the same store.
 */
const ready = hasShared("data", "hagrid_sample_dev.csv");

describe.skipIf(!ready)("tracking client: log, register, load", () => {
  const dir = mkdtempSync(join(tmpdir(), "handgesture-track-"));
  let server: TestTrackingServer;
  const table = ready ? loadTable(DEV_CSV) : null;
  const model = table ? buildPipeline("seed-knn").fit(table.X, encodeLabels(table.labels)) : null;

  let mlflow2: TestTrackingServer;
  beforeAll(async () => {
    server = await startTrackingServer(new FileStore(join(dir, "server-mlruns")));
    mlflow2 = await startTrackingServer(new FileStore(join(dir, "mlflow2-mlruns")), {}, { mlflow2: true });
  });
  afterAll(async () => {
    await server?.close();
    await mlflow2?.close();
  });

  /** A run with params and metrics, and the model logged in it; returns the model URI and the run id. */
  async function logInRun(client: TrackingClient): Promise<{ uri: string; runId: string }> {
    const exp = await client.getOrCreateExperiment("gestures");
    expect(await client.getOrCreateExperiment("gestures")).toBe(exp);
    let runId = "";
    const uri = await client.withRun(exp, { runName: "knn", description: "seed KNN" }, async (run) => {
      runId = run.info.run_id;
      await client.logParams(runId, model!.getParams());
      await client.logMetrics(runId, { macro_f1: 0.937, "cv/f1": Number.NaN });
      return client.logModel(runId, model!, { inputExample: [Array.from(table!.X.data.subarray(0, 63))] });
    });
    const run = await client.store.getRun(runId);
    expect(run.info.status).toBe("FINISHED");
    expect(run.data.params.find((p) => p.key === "knn__n_neighbors")?.value).toBe("3");
    expect(Number.isNaN(run.data.metrics.find((m) => m.key === "cv/f1")?.value)).toBe(true);
    expect(run.data.tags.find((t) => t.key === "mlflow.note.content")?.value).toBe("seed KNN");
    return { uri, runId };
  }

  /** Registers the model, moves it to Production with an alias, and loads it back by every URI form. */
  async function registerAndLoad(client: TrackingClient, uri: string): Promise<void> {
    await client.store.createRegisteredModel("gesture");
    const v1 = await client.createModelVersionFrom(uri, { name: "gesture" });
    await client.store.transitionModelVersionStage("gesture", v1.version, "Production", true);
    await client.store.setRegisteredModelAlias("gesture", "champion", v1.version);
    const want = Array.from(model!.predictProba(table!.X).data.subarray(0, 180));
    for (const u of [uri, "models:/gesture/1", "models:/gesture/Production", "models:/gesture@champion"]) {
      const loaded = await client.loadModel(u);
      expect(Array.from(loaded.model.predictProba(table!.X).data.subarray(0, 180)), u).toEqual(want);
    }
    await expect(client.loadModel("models:/gesture/Staging")).rejects.toThrow(/Staging/);
  }

  const stores: [string, () => TrackingStore][] = [
    ["file store", () => new FileStore(join(dir, "mlruns"))],
    ["REST store", () => new RestStore(server.url)],
  ];

  for (const [label, open] of stores) {
    it(`${label}: a model becomes an MLflow 3 logged model and loads back from models:/<id>, <stage> and @alias`, async () => {
      const client = new TrackingClient(open());
      const { uri, runId } = await logInRun(client);
      expect(uri).toMatch(/^models:\/m-[0-9a-f]{32}$/);
      const modelId = uri.slice("models:/".length);
      const logged = await client.store.getLoggedModel(modelId);
      // As MLflow 3's log_model leaves it (mlflow3-compat.md §4.1): READY, named after the artifact path, from
      // the run, with the run's params, and the run's step-0 metrics linked to it.
      expect(logged.info).toMatchObject({ name: "model", source_run_id: runId, status: "LOGGED_MODEL_READY" });
      expect(logged.info.artifact_uri).toMatch(new RegExp(`/models/${modelId}/artifacts$`));
      expect(logged.data.params.find((p) => p.key === "knn__n_neighbors")?.value).toBe("3");
      expect(logged.data.metrics.find((m) => m.key === "macro_f1")).toMatchObject({ value: 0.937, run_id: runId });
      const run = await client.store.getRun(runId);
      expect(run.outputs?.model_outputs).toEqual([{ model_id: modelId, step: 0 }]);
      // Nothing of the model in the run's own artifacts, and no MLflow 2 history tag.
      expect(await client.store.listArtifacts(runId, "model")).toEqual([]);
      expect(run.data.tags.find((t) => t.key === "mlflow.log-model.history")).toBeUndefined();
      const files = (await client.store.listLoggedModelArtifacts(modelId)).map((f) => f.path).sort();
      expect(files).toEqual(["MLmodel", "input_example.json", "model.json", "serving_input_example.json"]);
      const mlmodel = new TextDecoder().decode(await client.store.readLoggedModelArtifact(modelId, "MLmodel"));
      expect(mlmodel).toMatch(/flavors:\n {2}handgesture:\n {4}classes:/);
      expect(mlmodel).toContain(`model_id: ${modelId}`);
      expect(mlmodel).toContain(`model_uuid: ${modelId}`);
      expect(mlmodel).toContain(`run_id: ${runId}`);
      expect(mlmodel).toContain(`artifact_path: ${logged.info.artifact_uri}`);
      expect(mlmodel).toMatch(/inputs: '\[\{"type": ?"double", ?"name": ?"x1"/);
      const serving = JSON.parse(
        new TextDecoder().decode(await client.store.readLoggedModelArtifact(modelId, "serving_input_example.json")),
      );
      expect(serving.dataframe_split.columns.length).toBe(63);
      await registerAndLoad(client, uri);
      const v1 = await client.store.getModelVersion("gesture", "1");
      expect(v1).toMatchObject({ source: uri, run_id: runId });
    });
  }

  it("against an MLflow 2 server (no logged-model API) the model goes into the run's artifacts, as MLflow 2 logs it", async () => {
    const client = new TrackingClient(new RestStore(mlflow2.url));
    const { uri, runId } = await logInRun(client);
    expect(uri).toBe(`runs:/${runId}/model`);
    const run = await client.store.getRun(runId);
    const history = JSON.parse(run.data.tags.find((t) => t.key === "mlflow.log-model.history")!.value);
    expect(history[0]).toMatchObject({ run_id: runId, artifact_path: "model" });
    const files = (await client.store.listArtifacts(runId, "model")).map((f) => f.path).sort();
    expect(files).toEqual(["model/MLmodel", "model/input_example.json", "model/model.json"]);
    const mlmodel = new TextDecoder().decode(await client.store.readArtifact(runId, "model/MLmodel"));
    expect(mlmodel).toContain("artifact_path: model\n");
    expect(mlmodel).toContain("mlflow_version: 2.12.2");
    expect(mlmodel).not.toContain("model_id:");
    expect(mlflow2.requests.some((r) => r.path.endsWith("/logged-models"))).toBe(true);
    await registerAndLoad(client, uri);
    expect(await client.store.getModelVersion("gesture", "1")).toMatchObject({ source: uri, run_id: runId });
  });

  it("a run that throws inside withRun ends FAILED", async () => {
    const client = new TrackingClient(new FileStore(join(dir, "mlruns")));
    const exp = await client.getOrCreateExperiment("gestures");
    let id = "";
    await expect(
      client.withRun(exp, { runName: "boom" }, async (run) => {
        id = run.info.run_id;
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect((await client.store.getRun(id)).info.status).toBe("FAILED");
  });

  it("the CLI lists experiments, runs and models and moves stages in the same store", () => {
    const uri = join(dir, "mlruns");
    const exps = JSON.parse(cli(["experiments", "list", "--tracking-uri", uri, "--json"]).stdout);
    expect(exps.map((e: { name: string }) => e.name).sort()).toEqual(["Default", "gestures"]);
    const runs = cli([
      "runs",
      "list",
      "--experiment",
      "gestures",
      "--tracking-uri",
      uri,
      "--filter",
      "metrics.macro_f1 > 0.9",
      "--json",
    ]);
    expect(runs.status, runs.stderr).toBe(0);
    expect(JSON.parse(runs.stdout).map((r: { info: { run_name: string } }) => r.info.run_name)).toEqual(["knn"]);
    const table = cli(["runs", "list", "--experiment", "gestures", "--tracking-uri", uri]);
    expect(table.stdout).toMatch(/RUN ID +NAME +STATUS/);
    expect(cli(["models", "transition", "gesture", "1", "archived", "--tracking-uri", uri]).stdout).toMatch(/Archived/);
    const show = JSON.parse(cli(["models", "show", "gesture", "--tracking-uri", uri, "--json"]).stdout);
    expect(show.versions[0].current_stage).toBe("Archived");
    const bad = cli(["models", "show", "nope", "--tracking-uri", uri]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/nope/);
    const env = cli(["models", "list", "--json"], undefined, { MLFLOW_TRACKING_URI: uri });
    expect(JSON.parse(env.stdout)[0].name).toBe("gesture");
    expect(readFileSync(join(uri, "models", "gesture", "version-1", "meta.yaml"), "utf8")).toMatch(
      /current_stage: Archived/,
    );
  });
});

describe.skipIf(!ready)("datasets and local artifacts", () => {
  it("logs the dataset input with digest, schema, profile and context, and a folder of artifacts", async () => {
    const { logLocalArtifacts } = await import("../src/tracking/local-artifacts.js");
    const { mkdirSync, writeFileSync } = await import("node:fs");
    const dir = mkdtempSync(join(tmpdir(), "handgesture-ds-"));
    const client = new TrackingClient(new FileStore(join(dir, "mlruns")));
    const exp = await client.getOrCreateExperiment("data");
    const run = await client.startRun(exp);
    const table = loadTable(DEV_CSV);
    const ds = await client.logDataset(run.info.run_id, table, { name: "hagrid_sample_dev", source: DEV_CSV });
    expect(ds.digest).toMatch(/^[0-9a-f]{8}$/);
    const again = await client.logDataset(run.info.run_id, table, { name: "again", context: "evaluation" });
    expect(again.digest).toBe(ds.digest);
    const got = await client.store.getRun(run.info.run_id);
    const inputs = got.inputs.dataset_inputs;
    expect(inputs.map((i) => i.dataset.name).sort()).toEqual(["again", "hagrid_sample_dev"]);
    const first = inputs.find((i) => i.dataset.name === "hagrid_sample_dev")!;
    const profile = JSON.parse(first.dataset.profile!);
    expect(profile).toMatchObject({ num_rows: 942, num_elements: 942 * 64 });
    // Rows per class, counted apart from the library.
    const counts: Record<string, number> = {};
    for (const l of table.labels) counts[l] = (counts[l] ?? 0) + 1;
    expect(profile.class_counts).toEqual(counts);
    expect(Object.keys(profile.class_counts)).toEqual(Object.keys(counts).sort());
    expect(JSON.parse(first.dataset.schema!).mlflow_colspec[62]).toEqual({
      type: "double",
      name: "z21",
      required: true,
    });
    expect(first.tags).toEqual([{ key: "mlflow.data.context", value: "training" }]);

    const local = join(dir, "plots");
    mkdirSync(join(local, "per-class"), { recursive: true });
    writeFileSync(join(local, "summary.json"), '{"ok": true}');
    writeFileSync(join(local, "per-class", "fist.png"), new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    expect(await logLocalArtifacts(client.store, run.info.run_id, local, "plots")).toBe(2);
    const png = await client.store.readArtifact(run.info.run_id, "plots/per-class/fist.png");
    expect(Array.from(png)).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });
});
