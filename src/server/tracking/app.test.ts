import { describe, expect, it } from "vitest";
import { expectError, type Json, trackingApi, useTrackingServer } from "../../../test/tracking-server.js";
import { MLFLOW_VERSION } from "./app.js";

/** Every tracking and run endpoint of the server over real HTTP on loopback, backed by a file store in a temp folder. */
const srv = useTrackingServer("hg-tracking-app-");
const { api, ok, newRun } = trackingApi(() => srv.url);

describe("tracking server: /health, /version", () => {
  it("answers OK and MLflow's version", async () => {
    const health = await fetch(`${srv.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("OK");
    expect(await (await fetch(`${srv.url}/version`)).text()).toBe(MLFLOW_VERSION);
    expect((await fetch(`${srv.url}/health`, { method: "HEAD" })).status).toBe(200);
  });
});

describe("tracking server: experiments", () => {
  it("creates, gets, finds by name, searches (POST and GET), tags and deletes", async () => {
    const { experiment_id: id } = await ok("POST", "experiments/create", {
      name: "exp-a",
      tags: [{ key: "team", value: "vision" }],
    });
    expect(id).toMatch(/^\d+$/);
    const { experiment } = await ok("GET", "experiments/get", { experiment_id: id });
    expect(experiment).toMatchObject({ experiment_id: id, name: "exp-a", lifecycle_stage: "active" });
    expect(experiment.tags).toEqual([{ key: "team", value: "vision" }]);
    expect(experiment.artifact_location).toMatch(/^file:\/\//);
    expect((await ok("GET", "experiments/get-by-name", { experiment_name: "exp-a" })).experiment).toEqual(experiment);
    expectError(
      await api("GET", "experiments/get-by-name", { experiment_name: "nope" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
      /nope/,
    );
    expectError(await api("POST", "experiments/create", { name: "exp-a" }), 400, "RESOURCE_ALREADY_EXISTS");
    expectError(await api("GET", "experiments/get", { experiment_id: "424242" }), 404, "RESOURCE_DOES_NOT_EXIST");

    await ok("POST", "experiments/set-experiment-tag", { experiment_id: id, key: "stage", value: "dev" });
    const found = await ok("POST", "experiments/search", { max_results: 10, filter: "name = 'exp-a'" });
    expect(found.experiments.map((e: Json) => e.experiment_id)).toEqual([id]);
    expect(found.experiments[0].tags).toContainEqual({ key: "stage", value: "dev" });
    expectError(await api("POST", "experiments/search", {}), 400, "INVALID_PARAMETER_VALUE", /max_results/);
    const viaGet = await ok("GET", "experiments/search", { max_results: 10, order_by: "name ASC" });
    expect(viaGet.experiments.map((e: Json) => e.name)).toContain("Default");
    expectError(
      await api("POST", "experiments/search", { max_results: 5, view_type: "SOME" }),
      400,
      "INVALID_PARAMETER_VALUE",
      /view_type/,
    );

    await ok("POST", "experiments/delete", { experiment_id: id });
    const active = await ok("POST", "experiments/search", { max_results: 100 });
    expect(active.experiments.map((e: Json) => e.name)).not.toContain("exp-a");
    const deleted = await ok("POST", "experiments/search", { max_results: 100, view_type: "DELETED_ONLY" });
    expect(deleted.experiments.map((e: Json) => e.name)).toEqual(["exp-a"]);
  });
});

describe("tracking server: runs", () => {
  it("creates and gets a run in MLflow's JSON (run_id and run_uuid, no null fields)", async () => {
    const info = await newRun("r");
    expect(info).toMatchObject({ run_name: "r", status: "RUNNING", user_id: "me", start_time: 1795504138784 });
    expect(info.run_uuid).toBe(info.run_id);
    expect(info.end_time).toBeUndefined();
    const { run } = await ok("GET", "runs/get", { run_uuid: info.run_id });
    expect(run.info).toEqual(info);
    expect(run.data.tags).toContainEqual({ key: "mlflow.source.type", value: "LOCAL" });
    expectError(await api("GET", "runs/get", {}), 400, "INVALID_PARAMETER_VALUE", /run_id/);
    expectError(
      await api("GET", "runs/get", { run_id: "ffffffffffffffffffffffffffffffff" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it("logs metrics (non-finite as strings), params and tags, one by one and in batches", async () => {
    const info = await newRun("log");
    const run_id = info.run_id;
    await ok("POST", "runs/log-metric", { run_id, run_uuid: run_id, key: "loss", value: "NaN", timestamp: 5, step: 0 });
    await ok("POST", "runs/log-metric", { run_id, key: "loss", value: 0.25, timestamp: 6, step: 1 });
    await ok("POST", "runs/log-parameter", { run_id, key: "model", value: "rf" });
    await ok("POST", "runs/set-tag", { run_id, key: "gone", value: "soon" });
    await ok("POST", "runs/delete-tag", { run_id, key: "gone" });
    await ok("POST", "runs/log-batch", {
      run_id,
      metrics: [
        { key: "up", value: "Infinity", timestamp: 1, step: 0 },
        { key: "cv/f1", value: 0.9, timestamp: 1, step: 0 },
      ],
      params: [{ key: "notes", value: "a\nb" }],
      tags: [{ key: "mlflow.note.content", value: "about" }],
    });
    const { run } = await ok("GET", "runs/get", { run_id });
    expect(run.data.metrics).toContainEqual({ key: "up", value: "Infinity", timestamp: 1, step: 0 });
    expect(run.data.metrics).toContainEqual({ key: "loss", value: 0.25, timestamp: 6, step: 1 });
    expect(run.data.params).toEqual(
      expect.arrayContaining([
        { key: "model", value: "rf" },
        { key: "notes", value: "a\nb" },
      ]),
    );
    expect(run.data.tags.find((t: Json) => t.key === "gone")).toBeUndefined();
    const history = await ok("GET", "metrics/get-history", { run_id, metric_key: "loss" });
    expect(history.metrics).toEqual([
      { key: "loss", value: "NaN", timestamp: 5, step: 0 },
      { key: "loss", value: 0.25, timestamp: 6, step: 1 },
    ]);
    expectError(await api("GET", "metrics/get-history", { run_id }), 400, "INVALID_PARAMETER_VALUE", /metric_key/);
    expectError(
      await api("POST", "runs/log-metric", { run_id, key: "x", value: "high" }),
      400,
      "INVALID_PARAMETER_VALUE",
      /metric value/,
    );
  });

  it("refuses a batch over MLflow's limits, and bad keys as the file store does", async () => {
    const { run_id } = await newRun("limits");
    const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: "1" }));
    expectError(await api("POST", "runs/log-batch", { run_id, params }), 400, "INVALID_PARAMETER_VALUE", /at most 100/);
    const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: "m", value: i, timestamp: 1, step: i }));
    expectError(await api("POST", "runs/log-batch", { run_id, metrics }), 400, "INVALID_PARAMETER_VALUE", /1000/);
    expectError(
      await api("POST", "runs/log-parameter", { run_id, key: "../escape", value: "x" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    expect((await ok("GET", "runs/get", { run_id })).run.data.params).toBeUndefined();
  });

  it("logs dataset inputs and models (the log-model history tag)", async () => {
    const { run_id } = await newRun("inputs");
    const dataset = {
      name: "hagrid_sample_dev",
      digest: "0123abcd",
      source_type: "local",
      source: '{"uri": "data.csv"}',
      schema: '{"mlflow_colspec": []}',
      profile: '{"num_rows": 2}',
    };
    await ok("POST", "runs/log-inputs", {
      run_id,
      datasets: [{ tags: [{ key: "mlflow.data.context", value: "training" }], dataset }],
    });
    const { run } = await ok("GET", "runs/get", { run_id });
    expect(run.inputs.dataset_inputs).toEqual([{ tags: [{ key: "mlflow.data.context", value: "training" }], dataset }]);
    expectError(
      await api("POST", "runs/log-inputs", { run_id, datasets: [{ dataset: { name: "x" } }] }),
      400,
      "INVALID_PARAMETER_VALUE",
      /digest/,
    );
    expectError(
      await api("POST", "runs/log-inputs", { run_id, datasets: [{ tags: [] }] }),
      400,
      "INVALID_PARAMETER_VALUE",
      /dataset/,
    );

    const m1 = { artifact_path: "model", run_id, flavors: { handgesture: {} } };
    const m2 = { artifact_path: "model2", run_id, flavors: {} };
    await ok("POST", "runs/log-model", { run_id, model_json: JSON.stringify(m1) });
    await ok("POST", "runs/log-model", { run_id, model_json: JSON.stringify(m2) });
    const tags = (await ok("GET", "runs/get", { run_id })).run.data.tags as Json[];
    expect(JSON.parse(tags.find((t) => t.key === "mlflow.log-model.history")!.value)).toEqual([m1, m2]);
    expectError(
      await api("POST", "runs/log-model", { run_id, model_json: "{not json" }),
      400,
      "INVALID_PARAMETER_VALUE",
      /model_json/,
    );
    expectError(await api("POST", "runs/log-model", { run_id }), 400, "INVALID_PARAMETER_VALUE", /model_json/);
  });

  it("updates status, end time and name; searches with filter, order and pages; deletes", async () => {
    const a = await newRun("a");
    const { run: b } = await ok("POST", "runs/create", { experiment_id: a.experiment_id, run_name: "b" });
    await ok("POST", "runs/log-batch", { run_id: a.run_id, metrics: [{ key: "f1", value: 0.95, timestamp: 1 }] });
    await ok("POST", "runs/log-batch", { run_id: b.info.run_id, metrics: [{ key: "f1", value: 0.8, timestamp: 1 }] });
    const { run_info } = await ok("POST", "runs/update", {
      run_id: a.run_id,
      status: "FINISHED",
      end_time: 1795504139000,
    });
    expect(run_info).toMatchObject({ status: "FINISHED", end_time: 1795504139000 });
    const renamed = await ok("POST", "runs/update", { run_id: a.run_id, run_name: "a2" });
    expect(renamed.run_info).toMatchObject({ run_name: "a2", status: "FINISHED", end_time: 1795504139000 });
    expectError(
      await api("POST", "runs/update", { run_id: a.run_id, status: "DONE" }),
      400,
      "INVALID_PARAMETER_VALUE",
      /status/,
    );

    const hit = await ok("POST", "runs/search", { experiment_ids: [a.experiment_id], filter: "metrics.f1 > 0.9" });
    expect(hit.runs.map((r: Json) => r.info.run_id)).toEqual([a.run_id]);
    const first = await ok("POST", "runs/search", {
      experiment_ids: [a.experiment_id],
      order_by: ["metrics.f1 ASC"],
      max_results: 1,
    });
    expect(first.runs.map((r: Json) => r.info.run_name)).toEqual(["b"]);
    const second = await ok("POST", "runs/search", {
      experiment_ids: [a.experiment_id],
      order_by: ["metrics.f1 ASC"],
      max_results: 1,
      page_token: first.next_page_token,
    });
    expect(second.runs.map((r: Json) => r.info.run_name)).toEqual(["a2"]);
    expectError(
      await api("POST", "runs/search", { experiment_ids: [a.experiment_id], filter: "metrics.f1 >>> 1" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    expectError(
      await api("POST", "runs/search", { experiment_ids: [a.experiment_id], max_results: 1.5 }),
      400,
      "INVALID_PARAMETER_VALUE",
      /max_results/,
    );

    await ok("POST", "runs/delete", { run_id: b.info.run_id });
    const left = await ok("POST", "runs/search", { experiment_ids: [a.experiment_id] });
    expect(left.runs.map((r: Json) => r.info.run_id)).toEqual([a.run_id]);
    const all = await ok("POST", "runs/search", { experiment_ids: [a.experiment_id], run_view_type: "ALL" });
    expect(all.runs).toHaveLength(2);
  });

  it("lists a run's artifacts relative to its root (artifacts/list)", async () => {
    const info = await newRun("art");
    await srv.store.logArtifact(info.run_id, "model/MLmodel", "artifact_path: model\n");
    await srv.store.logArtifact(info.run_id, "notes.txt", "hi");
    const top = await ok("GET", "artifacts/list", { run_id: info.run_id });
    expect(top).toEqual({
      root_uri: info.artifact_uri,
      files: [
        { path: "model", is_dir: true },
        { path: "notes.txt", is_dir: false, file_size: 2 },
      ],
    });
    const sub = await ok("GET", "artifacts/list", { run_id: info.run_id, path: "model/" });
    expect(sub.files).toEqual([{ path: "model/MLmodel", is_dir: false, file_size: 21 }]);
    const none = await ok("GET", "artifacts/list", { run_id: info.run_id, path: "nothing" });
    expect(none).toEqual({ root_uri: info.artifact_uri });
  });
});
