import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileStore } from "../../tracking/file-store.js";
import { listen, type RunningServer } from "../http.js";
import { createTrackingApp, MLFLOW_VERSION } from "./app.js";

/** Every endpoint of the tracking server over real HTTP on loopback, backed by a file store in a temp folder. */
let root: string;
let store: FileStore;
let server: RunningServer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "hg-tracking-app-"));
  store = new FileStore(join(root, "mlruns"));
  server = await listen(createTrackingApp({ store }).fetch, { port: 0 });
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: answers are MLflow JSON, read field by field in assertions
type Json = Record<string, any>;
interface Answer {
  status: number;
  body: Json;
  headers: Headers;
}

/** A call to /api/2.0/mlflow/<path>: GET parameters in the query string, other verbs a JSON body. */
async function api(method: string, path: string, params: Json = {}, headers: Record<string, string> = {}) {
  let url = `${server.url}/api/2.0/mlflow/${path}`;
  const init: RequestInit = { method, headers: { ...headers } };
  if (method === "GET") {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) q.append(k, String(x));
    if (q.size > 0) url += `?${q}`;
  } else {
    init.body = JSON.stringify(params);
    init.headers = { "Content-Type": "application/json", ...headers };
  }
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers } as Answer;
}
async function ok(method: string, path: string, params: Json = {}): Promise<Json> {
  const a = await api(method, path, params);
  expect(a.status, `${method} ${path}: ${JSON.stringify(a.body)}`).toBe(200);
  return a.body;
}
function expectError(a: Answer, status: number, code: string, message?: RegExp) {
  expect(a.status, JSON.stringify(a.body)).toBe(status);
  expect(a.body.error_code).toBe(code);
  expect(typeof a.body.message).toBe("string");
  if (message) expect(a.body.message).toMatch(message);
}

describe("tracking server: /health, /version", () => {
  it("answers OK and MLflow's version", async () => {
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("OK");
    expect(await (await fetch(`${server.url}/version`)).text()).toBe(MLFLOW_VERSION);
    expect((await fetch(`${server.url}/health`, { method: "HEAD" })).status).toBe(200);
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

async function newRun(name: string): Promise<Json> {
  const { experiment_id } = await ok("POST", "experiments/create", { name: `exp-${name}-${Math.random()}` });
  const { run } = await ok("POST", "runs/create", {
    experiment_id,
    run_name: name,
    start_time: 1795504138784,
    user_id: "me",
    tags: [{ key: "mlflow.source.type", value: "LOCAL" }],
  });
  return run.info;
}

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
    await store.logArtifact(info.run_id, "model/MLmodel", "artifact_path: model\n");
    await store.logArtifact(info.run_id, "notes.txt", "hi");
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

describe("tracking server: model registry", () => {
  it("registered models: create, get, search (GET), rename, update (PATCH), tags, delete", async () => {
    const created = await ok("POST", "registered-models/create", {
      name: "reg-a",
      tags: [{ key: "task", value: "gestures" }],
      description: "forest",
    });
    expect(created.registered_model).toMatchObject({ name: "reg-a", description: "forest" });
    expectError(await api("POST", "registered-models/create", { name: "reg-a" }), 400, "RESOURCE_ALREADY_EXISTS");
    expect((await ok("GET", "registered-models/get", { name: "reg-a" })).registered_model.tags).toEqual([
      { key: "task", value: "gestures" },
    ]);
    expectError(await api("GET", "registered-models/get", { name: "nope" }), 404, "RESOURCE_DOES_NOT_EXIST");
    const found = await ok("GET", "registered-models/search", { filter: "name LIKE 'reg-%'", max_results: 10 });
    expect(found.registered_models.map((m: Json) => m.name)).toEqual(["reg-a"]);
    await ok("POST", "registered-models/set-tag", { name: "reg-a", key: "owner", value: "me" });
    await ok("DELETE", "registered-models/delete-tag", { name: "reg-a", key: "task" });
    const updated = await ok("PATCH", "registered-models/update", { name: "reg-a", description: "a forest" });
    expect(updated.registered_model).toMatchObject({ description: "a forest", tags: [{ key: "owner", value: "me" }] });
    const renamed = await ok("POST", "registered-models/rename", { name: "reg-a", new_name: "reg-b" });
    expect(renamed.registered_model.name).toBe("reg-b");
    await ok("DELETE", "registered-models/delete", { name: "reg-b" });
    expectError(await api("GET", "registered-models/get", { name: "reg-b" }), 404, "RESOURCE_DOES_NOT_EXIST");
  });

  it("model versions: create, get, search, update, stages, latest versions, aliases, tags, download URI, delete", async () => {
    const run = await newRun("reg");
    const source = `${run.artifact_uri}/model`;
    await ok("POST", "registered-models/create", { name: "hand" });
    const v1 = (await ok("POST", "model-versions/create", { name: "hand", source, run_id: run.run_id })).model_version;
    expect(v1).toMatchObject({ name: "hand", version: "1", current_stage: "None", status: "READY", source });
    const v2 = (
      await ok("POST", "model-versions/create", { name: "hand", source, run_id: run.run_id, description: "two" })
    ).model_version;
    expect(v2.version).toBe("2");
    expect((await ok("GET", "model-versions/get", { name: "hand", version: "2" })).model_version.description).toBe(
      "two",
    );
    expectError(await api("GET", "model-versions/get", { name: "hand", version: "9" }), 404, "RESOURCE_DOES_NOT_EXIST");
    const patched = await ok("PATCH", "model-versions/update", { name: "hand", version: "1", description: "one" });
    expect(patched.model_version.description).toBe("one");

    const p1 = await ok("POST", "model-versions/transition-stage", {
      name: "hand",
      version: "1",
      stage: "Production",
      archive_existing_versions: false,
    });
    expect(p1.model_version.current_stage).toBe("Production");
    await ok("POST", "model-versions/transition-stage", {
      name: "hand",
      version: "2",
      stage: "production",
      archive_existing_versions: true,
    });
    expect((await ok("GET", "model-versions/get", { name: "hand", version: "1" })).model_version.current_stage).toBe(
      "Archived",
    );
    expectError(
      await api("POST", "model-versions/transition-stage", { name: "hand", version: "1", stage: "Live" }),
      400,
      "INVALID_PARAMETER_VALUE",
      /stage/,
    );
    const latest = await ok("POST", "registered-models/get-latest-versions", { name: "hand", stages: ["Production"] });
    expect(latest.model_versions.map((v: Json) => v.version)).toEqual(["2"]);
    const latestGet = await ok("GET", "registered-models/get-latest-versions", { name: "hand" });
    expect(latestGet.model_versions.map((v: Json) => v.current_stage).sort()).toEqual(["Archived", "Production"]);

    await ok("POST", "registered-models/alias", { name: "hand", alias: "champion", version: "2" });
    const champion = await ok("GET", "registered-models/alias", { name: "hand", alias: "champion" });
    expect(champion.model_version).toMatchObject({ version: "2", aliases: ["champion"] });
    expect((await ok("GET", "registered-models/get", { name: "hand" })).registered_model.aliases).toEqual([
      { alias: "champion", version: "2" },
    ]);
    await ok("DELETE", "registered-models/alias", { name: "hand", alias: "champion" });
    expectError(
      await api("GET", "registered-models/alias", { name: "hand", alias: "champion" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );

    await ok("POST", "model-versions/set-tag", { name: "hand", version: "1", key: "validated", value: "yes" });
    expect((await ok("GET", "model-versions/get", { name: "hand", version: "1" })).model_version.tags).toEqual([
      { key: "validated", value: "yes" },
    ]);
    await ok("DELETE", "model-versions/delete-tag", { name: "hand", version: "1", key: "validated" });
    expect((await ok("GET", "model-versions/get", { name: "hand", version: "1" })).model_version.tags).toBeUndefined();
    const found = await ok("GET", "model-versions/search", { filter: "name = 'hand'" });
    expect(found.model_versions.map((v: Json) => v.version).sort()).toEqual(["1", "2"]);
    expect(await ok("GET", "model-versions/get-download-uri", { name: "hand", version: "1" })).toEqual({
      artifact_uri: source,
    });
    await ok("DELETE", "model-versions/delete", { name: "hand", version: "1" });
    expectError(await api("GET", "model-versions/get", { name: "hand", version: "1" }), 404, "RESOURCE_DOES_NOT_EXIST");
  });
});

describe("tracking server: malformed requests", () => {
  const raw = (path: string, init: RequestInit) => fetch(`${server.url}/api/2.0/mlflow/${path}`, init);

  it("refuses a POST without JSON's content type, as MLflow does", async () => {
    const missing = await raw("experiments/create", { method: "POST", body: new Uint8Array([123, 125]) });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error_code: "INVALID_PARAMETER_VALUE",
      message: "Bad Request. Content-Type header is missing.",
    });
    const text = await raw("experiments/create", {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: '{"name": "x"}',
    });
    expect(text.status).toBe(400);
    expect(await text.json()).toEqual({
      error_code: "INVALID_PARAMETER_VALUE",
      message: "Bad Request. Content-Type must be one of ['application/json'].",
    });
    const charset = await raw("experiments/create", {
      method: "POST",
      headers: { "Content-Type": "application/json; charset=utf-8" },
      body: '{"name": "with-charset"}',
    });
    expect(charset.status).toBe(200);
  });

  it("answers a body that is not a JSON object with 400, and takes a double-encoded one", async () => {
    for (const body of ["{", '{"name": ', "[1, 2]", "null", "42", "\u0000"]) {
      const r = await raw("experiments/create", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
      });
      expect(r.status, body).toBe(400);
      expect((await r.json()).message, body).toMatch(/^Malformed request/);
    }
    const twice = await raw("experiments/create", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(JSON.stringify({ name: "double-encoded" })),
    });
    expect(twice.status).toBe(200);
    const del = await raw("registered-models/delete", {
      method: "DELETE",
      headers: { "Content-Type": "application/json" },
      body: "{oops",
    });
    expect(del.status).toBe(400);
  });

  it("refuses parameters of the wrong type with a message naming them", async () => {
    expectError(await api("POST", "experiments/create", { name: { a: 1 } }), 400, "INVALID_PARAMETER_VALUE", /'name'/);
    expectError(
      await api("POST", "experiments/create", { name: "t", tags: "x" }),
      400,
      "INVALID_PARAMETER_VALUE",
      /tags/,
    );
    expectError(await api("POST", "experiments/create", { name: "t", tags: [null] }), 400, "INVALID_PARAMETER_VALUE");
    expectError(
      await api("POST", "experiments/create", { name: "t", tags: [{ key: "k", value: [1] }] }),
      400,
      "INVALID_PARAMETER_VALUE",
      /'value'/,
    );
    expectError(
      await api("POST", "runs/search", { experiment_ids: [{}] }),
      400,
      "INVALID_PARAMETER_VALUE",
      /experiment_ids/,
    );
    expectError(
      await api("POST", "model-versions/transition-stage", {
        name: "n",
        version: "1",
        stage: "Staging",
        archive_existing_versions: "maybe",
      }),
      400,
      "INVALID_PARAMETER_VALUE",
      /archive_existing_versions/,
    );
  });

  it("answers an unknown endpoint 404 and a wrong verb 405, in MLflow's error shape", async () => {
    const none = await api("GET", "nothing/here");
    expectError(none, 404, "ENDPOINT_NOT_FOUND");
    expectError(await api("GET", "runs/create"), 405, "BAD_REQUEST", /POST/);
    expectError(await api("PUT", "runs/get"), 405, "BAD_REQUEST", /GET/);
    expectError(await api("POST", "registered-models/update", { name: "x" }), 405, "BAD_REQUEST", /PATCH/);
    expectError(await api("POST", "artifacts/list"), 405, "BAD_REQUEST");
    expect((await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts`, { method: "POST" })).status).toBe(405);
    expect(
      (await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/0/r/artifacts/x`, { method: "DELETE" })).status,
    ).toBe(405);
    expect((await fetch(`${server.url}/`)).status).toBe(404);
  });
});
