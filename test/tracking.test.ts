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

  beforeAll(async () => {
    server = await startTrackingServer(new FileStore(join(dir, "server-mlruns")));
  });
  afterAll(async () => {
    await server?.close();
  });

  const stores: [string, () => TrackingStore][] = [
    ["file store", () => new FileStore(join(dir, "mlruns"))],
    ["REST store", () => new RestStore(server.url)],
  ];

  for (const [label, open] of stores) {
    it(`${label}: a model logged in a run loads back from runs:/, models:/<stage> and models:/@alias`, async () => {
      const client = new TrackingClient(open());
      const exp = await client.getOrCreateExperiment("gestures");
      expect(await client.getOrCreateExperiment("gestures")).toBe(exp);
      const uri = await client.withRun(exp, { runName: "knn", description: "seed KNN" }, async (run) => {
        await client.logParams(run.info.run_id, model!.getParams());
        await client.logMetrics(run.info.run_id, { macro_f1: 0.937, "cv/f1": Number.NaN });
        return client.logModel(run.info.run_id, model!, { inputExample: [Array.from(table!.X.data.subarray(0, 63))] });
      });
      const runId = uri.split("/")[1];
      const run = await client.store.getRun(runId);
      expect(run.info.status).toBe("FINISHED");
      expect(run.data.params.find((p) => p.key === "knn__n_neighbors")?.value).toBe("3");
      expect(Number.isNaN(run.data.metrics.find((m) => m.key === "cv/f1")?.value)).toBe(true);
      expect(run.data.tags.find((t) => t.key === "mlflow.note.content")?.value).toBe("seed KNN");
      const history = JSON.parse(run.data.tags.find((t) => t.key === "mlflow.log-model.history")!.value);
      expect(history[0]).toMatchObject({ run_id: runId, artifact_path: "model" });
      const files = (await client.store.listArtifacts(runId, "model")).map((f) => f.path).sort();
      expect(files).toEqual(["model/MLmodel", "model/input_example.json", "model/model.json"]);
      const mlmodel = new TextDecoder().decode(await client.store.readArtifact(runId, "model/MLmodel"));
      expect(mlmodel).toMatch(/flavors:\n {2}handgesture:\n {4}model_file: model.json/);
      expect(mlmodel).toContain(`run_id: ${runId}`);
      expect(mlmodel).toMatch(/inputs: '\[\{"type": ?"double", ?"name": ?"x1"/);

      await client.store.createRegisteredModel("gesture");
      const v1 = await client.store.createModelVersion({ name: "gesture", source: uri, runId });
      await client.store.transitionModelVersionStage("gesture", v1.version, "Production", true);
      await client.store.setRegisteredModelAlias("gesture", "champion", v1.version);
      const want = Array.from(model!.predictProba(table!.X).data.subarray(0, 180));
      for (const u of [uri, "models:/gesture/1", "models:/gesture/Production", "models:/gesture@champion"]) {
        const loaded = await client.loadModel(u);
        expect(Array.from(loaded.model.predictProba(table!.X).data.subarray(0, 180)), u).toEqual(want);
      }
      await expect(client.loadModel("models:/gesture/Staging")).rejects.toThrow(/Staging/);
    });
  }

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
    expect(JSON.parse(first.dataset.profile!)).toEqual({ num_rows: 942, num_elements: 942 * 64 });
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
