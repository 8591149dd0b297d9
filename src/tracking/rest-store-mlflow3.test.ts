import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTrackingServer, type TestTrackingServer } from "../../test/tracking-server.js";
import { notFound } from "../server/errors.js";
import { listen } from "../server/http.js";
import { FileStore } from "./file-store.js";
import { ENDPOINTS, HISTORY_PAGE_SIZE, isEndpointMissing, RestStore, RestStoreError } from "./rest-store.js";

/**
 * The REST store's MLflow 3 side: what it sends (checked against the real client's requests in
 * docs/mlflow3-compat.md §3–§5), how it reads MLflow 3's answers, how a server without the LoggedModel API is
 * recognised, and the whole round trip through our tracking server.
 */
const BASE = "http://mlflow.test:5000";
const RUN = "b70857a7df34494ebee8cd66b4254bfb";
const MID = "m-ec28133d2abb44ee865650d2458edcd6";

interface Call {
  method: string;
  url: string;
  body: string | Uint8Array | undefined;
}
function fakeFetch(answer: (c: Call) => Response | object = () => ({})) {
  const calls: Call[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const body = init?.body;
    const call: Call = {
      method: init?.method ?? "GET",
      url: String(input),
      body: typeof body === "string" || body instanceof Uint8Array ? body : undefined,
    };
    calls.push(call);
    const a = answer(call);
    return a instanceof Response ? a : new Response(JSON.stringify(a), { status: 200 });
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}
const json = (c: Call) => JSON.parse(c.body as string) as Record<string, unknown>;
const apiPath = (c: Call) => new URL(c.url).pathname.replace("/api/2.0/mlflow/", "");

/** §3.3's GET logged-models/<mid> answer, trimmed as the document trims it. */
const DOC_MODEL = {
  model: {
    info: {
      model_id: MID,
      experiment_id: "1",
      name: "model",
      creation_timestamp_ms: 1796305318862,
      last_updated_timestamp_ms: 1796305324065,
      artifact_uri: `mlflow-artifacts:/1/models/${MID}/artifacts`,
      status: "LOGGED_MODEL_READY",
      model_type: "",
      source_run_id: RUN,
      tags: [{ key: "mlflow.source.name", value: "../client_main.py" }],
    },
    data: {
      params: [{ key: "C", value: "1.0" }],
      metrics: [
        {
          key: "val_acc",
          value: 0.9,
          timestamp: 1796305325879,
          step: 0,
          dataset_name: "iris-head",
          dataset_digest: "4198cf1b",
          model_id: MID,
          run_id: RUN,
        },
      ],
    },
  },
};

describe("RestStore (MLflow 3): requests on the wire", () => {
  it("has MLflow 3's verbs and paths for the LoggedModel API and runs/outputs", () => {
    expect(ENDPOINTS.createLoggedModel).toEqual(["POST", "logged-models"]);
    expect(ENDPOINTS.getLoggedModel).toEqual(["GET", "logged-models/{model_id}"]);
    expect(ENDPOINTS.finalizeLoggedModel).toEqual(["PATCH", "logged-models/{model_id}"]);
    expect(ENDPOINTS.deleteLoggedModel).toEqual(["DELETE", "logged-models/{model_id}"]);
    expect(ENDPOINTS.setLoggedModelTags).toEqual(["PATCH", "logged-models/{model_id}/tags"]);
    expect(ENDPOINTS.deleteLoggedModelTag).toEqual(["DELETE", "logged-models/{model_id}/tags/{tag_key}"]);
    expect(ENDPOINTS.logLoggedModelParams).toEqual(["POST", "logged-models/{model_id}/params"]);
    expect(ENDPOINTS.searchLoggedModels).toEqual(["POST", "logged-models/search"]);
    expect(ENDPOINTS.logOutputs).toEqual(["POST", "runs/outputs"]);
  });

  it("sends the LoggedModel calls as the real client does (§3.3, §4.1)", async () => {
    const f = fakeFetch((c) => (apiPath(c).startsWith("logged-models") && c.method !== "DELETE" ? DOC_MODEL : {}));
    const store = new RestStore(BASE, { fetch: f.fetch });
    await store.createLoggedModel({
      experimentId: "1",
      name: "model",
      sourceRunId: RUN,
      params: [{ key: "C", value: "1.0" }],
      tags: [{ key: "mlflow.user", value: "root" }],
    });
    await store.createLoggedModel({ experimentId: "1" });
    await store.getLoggedModel(MID);
    await store.getLoggedModel(MID, true);
    await store.finalizeLoggedModel(MID, "LOGGED_MODEL_READY");
    await store.deleteLoggedModel(MID);
    await store.setLoggedModelTags(MID, [{ key: "stage", value: "dev" }]);
    await store.deleteLoggedModelTag(MID, "a/b c");
    await store.logLoggedModelParams(MID, [{ key: "alpha", value: "0.1" }]);
    await store.searchLoggedModels({
      experimentIds: ["1"],
      filter: "metrics.acc > 0.1",
      maxResults: 10,
      orderBy: [{ field_name: "creation_time", ascending: false }],
    });
    const sent = f.calls.map((c) => [c.method, c.url.slice(BASE.length), c.body === undefined ? undefined : json(c)]);
    const api = "/api/2.0/mlflow/";
    expect(sent).toEqual([
      [
        "POST",
        `${api}logged-models`,
        {
          experiment_id: "1",
          name: "model",
          source_run_id: RUN,
          params: [{ key: "C", value: "1.0" }],
          tags: [{ key: "mlflow.user", value: "root" }],
        },
      ],
      ["POST", `${api}logged-models`, { experiment_id: "1" }],
      ["GET", `${api}logged-models/${MID}`, undefined],
      ["GET", `${api}logged-models/${MID}?allow_deleted=true`, undefined],
      ["PATCH", `${api}logged-models/${MID}`, { model_id: MID, status: "LOGGED_MODEL_READY" }],
      ["DELETE", `${api}logged-models/${MID}`, { model_id: MID }],
      ["PATCH", `${api}logged-models/${MID}/tags`, { tags: [{ key: "stage", value: "dev" }] }],
      ["DELETE", `${api}logged-models/${MID}/tags/a%2Fb%20c`, {}],
      ["POST", `${api}logged-models/${MID}/params`, { model_id: MID, params: [{ key: "alpha", value: "0.1" }] }],
      [
        "POST",
        `${api}logged-models/search`,
        {
          experiment_ids: ["1"],
          filter: "metrics.acc > 0.1",
          max_results: 10,
          order_by: [{ field_name: "creation_time", ascending: false }],
        },
      ],
    ]);
  });

  it("sends outputs, model inputs, metrics with model_id and dataset, and versions with model_id (§4.1, §4.3, §5)", async () => {
    const f = fakeFetch((c) =>
      apiPath(c) === "model-versions/create"
        ? { model_version: { name: "m", version: "1", source: `models:/${MID}` } }
        : {},
    );
    const store = new RestStore(BASE, { fetch: f.fetch });
    await store.logOutputs(RUN, [{ model_id: MID, step: 0 }]);
    await store.logInputs(RUN, [], [{ model_id: MID }]);
    await store.logInputs(RUN, []);
    await store.logMetric(RUN, {
      key: "val_acc",
      value: 0.9,
      timestamp: 1796305325879,
      step: 0,
      model_id: MID,
      dataset_name: "iris-head",
      dataset_digest: "4198cf1b",
    });
    await store.logBatch(RUN, {
      metrics: [{ key: "acc", value: 0.5, timestamp: 1796305317867, step: 0, model_id: MID }],
    });
    await store.logBatch(RUN, { metrics: [{ key: "plain", value: 1, timestamp: 1, step: 0 }] });
    const v = await store.createModelVersion({ name: "m", source: `models:/${MID}`, modelId: MID });
    expect(v.source).toBe(`models:/${MID}`);
    expect(f.calls.map((c) => [apiPath(c), json(c)])).toEqual([
      ["runs/outputs", { run_id: RUN, models: [{ model_id: MID, step: 0 }] }],
      ["runs/log-inputs", { run_id: RUN, datasets: [], models: [{ model_id: MID }] }],
      ["runs/log-inputs", { run_id: RUN, datasets: [] }],
      [
        "runs/log-metric",
        {
          run_id: RUN,
          run_uuid: RUN,
          key: "val_acc",
          value: 0.9,
          timestamp: 1796305325879,
          step: 0,
          model_id: MID,
          dataset_name: "iris-head",
          dataset_digest: "4198cf1b",
        },
      ],
      [
        "runs/log-batch",
        {
          run_id: RUN,
          metrics: [{ key: "acc", value: 0.5, timestamp: 1796305317867, step: 0, model_id: MID }],
          params: [],
          tags: [],
        },
      ],
      [
        "runs/log-batch",
        { run_id: RUN, metrics: [{ key: "plain", value: 1, timestamp: 1, step: 0 }], params: [], tags: [] },
      ],
      ["model-versions/create", { name: "m", source: `models:/${MID}`, tags: [], model_id: MID }],
    ]);
  });

  it("asks metrics/get-history for max_results=25000 as MLflow 3's client does, and follows the offset token (§4.4)", async () => {
    const pages: Record<string, object> = {
      "": { metrics: [{ key: "acc", value: 0.5, timestamp: 1, step: 0 }], next_page_token: "eyJvZmZzZXQiOiAxfQ==" },
      eyJvZmZzZXQiOiAxfQ: { metrics: [{ key: "acc", value: 0.7, timestamp: 2, step: 1 }] },
    };
    const f = fakeFetch((c) => pages[(new URL(c.url).searchParams.get("page_token") ?? "").replace(/=+$/, "")]);
    const history = await new RestStore(BASE, { fetch: f.fetch }).getMetricHistory(RUN, "acc");
    expect(history.map((m) => m.value)).toEqual([0.5, 0.7]);
    expect(HISTORY_PAGE_SIZE).toBe(25000);
    const q = new URL(f.calls[0].url).searchParams;
    expect(q.get("max_results")).toBe("25000");
    expect(q.get("metric_key")).toBe("acc");
    expect(new URL(f.calls[1].url).searchParams.get("page_token")).toBe("eyJvZmZzZXQiOiAxfQ==");

    // A server answering {"offset": 0} and no points over and over (MLflow 3 without max_results) must not hang us.
    const stuck = fakeFetch(() => ({ next_page_token: "eyJvZmZzZXQiOiAwfQ==" }));
    const e = await new RestStore(BASE, { fetch: stuck.fetch }).getMetricHistory(RUN, "acc").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RestStoreError);
    expect(stuck.calls.length).toBeLessThanOrEqual(2);
  });
});

describe("RestStore (MLflow 3): reading its answers", () => {
  it("reads §3.3's logged model, integer statuses and int64 strings", async () => {
    const f = fakeFetch(() => DOC_MODEL);
    const m = await new RestStore(BASE, { fetch: f.fetch }).getLoggedModel(MID);
    expect(m).toEqual({ info: DOC_MODEL.model.info, data: DOC_MODEL.model.data });
    const g = fakeFetch(() => ({
      model: {
        info: { model_id: MID, experiment_id: "1", creation_timestamp_ms: "5", status: 3 },
        data: {},
      },
    }));
    const bare = await new RestStore(BASE, { fetch: g.fetch }).getLoggedModel(MID);
    expect(bare.info).toMatchObject({
      status: "LOGGED_MODEL_UPLOAD_FAILED",
      creation_timestamp_ms: 5,
      model_type: "",
      tags: [],
    });
    expect(bare.data).toEqual({ params: [], metrics: [] });
    const none = fakeFetch(() => ({}));
    expect(await new RestStore(BASE, { fetch: none.fetch }).searchLoggedModels({ experimentIds: ["9"] })).toEqual({
      items: [],
    });
  });

  it("reads a run's outputs and model inputs (§4.2), {} outputs when there are none", async () => {
    const f = fakeFetch(() => ({
      run: {
        info: { run_id: RUN, experiment_id: "1", status: "FINISHED", start_time: 1 },
        data: {},
        inputs: { model_inputs: [{ model_id: MID }] },
        outputs: { model_outputs: [{ model_id: MID, step: "0" }] },
      },
    }));
    const run = await new RestStore(BASE, { fetch: f.fetch }).getRun(RUN);
    expect(run.inputs).toEqual({ dataset_inputs: [], model_inputs: [{ model_id: MID }] });
    expect(run.outputs).toEqual({ model_outputs: [{ model_id: MID, step: 0 }] });
    const g = fakeFetch(() => ({ run: { info: { run_id: RUN }, data: {}, inputs: {}, outputs: {} } }));
    const plain = await new RestStore(BASE, { fetch: g.fetch }).getRun(RUN);
    expect(plain.inputs).toEqual({ dataset_inputs: [] });
    expect(plain.outputs).toEqual({});
  });

  it("puts a logged model's files at <exp>/models/<id>/artifacts through the proxied API (§4.1 step 7)", async () => {
    const f = fakeFetch((c) =>
      apiPath(c).startsWith("logged-models/")
        ? DOC_MODEL
        : { files: [{ path: "MLmodel", is_dir: false, file_size: 9 }] },
    );
    const store = new RestStore(BASE, { fetch: f.fetch });
    await store.logLoggedModelArtifact(MID, "MLmodel", "flavors: {}");
    await store.readLoggedModelArtifact(MID, "model.pkl");
    const files = await store.listLoggedModelArtifacts(MID);
    expect(files).toEqual([{ path: "MLmodel", is_dir: false, file_size: 9 }]);
    expect(f.calls.map((c) => `${c.method} ${c.url.slice(BASE.length)}`)).toEqual([
      `GET /api/2.0/mlflow/logged-models/${MID}`, // once: the root is kept
      `PUT /api/2.0/mlflow-artifacts/artifacts/1/models/${MID}/artifacts/MLmodel`,
      `GET /api/2.0/mlflow-artifacts/artifacts/1/models/${MID}/artifacts/model.pkl`,
      `GET /api/2.0/mlflow-artifacts/artifacts?path=1%2Fmodels%2F${MID}%2Fartifacts`,
    ]);
    await expect(store.logLoggedModelArtifact(MID, "../x", "x")).rejects.toThrow(/\.\./);
  });
});

describe("RestStore (MLflow 3): a server without the LoggedModel API", () => {
  it("recognises MLflow 2.12's HTML 404 (§6) and our old server's ENDPOINT_NOT_FOUND, not a missing model", async () => {
    const flask = fakeFetch(
      () =>
        new Response("<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>", {
          status: 404,
          headers: { "Content-Type": "text/html; charset=utf-8" },
        }),
    );
    const e = await new RestStore(BASE, { fetch: flask.fetch })
      .createLoggedModel({ experimentId: "1", name: "model" })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RestStoreError);
    expect(isEndpointMissing(e)).toBe(true);
    expect((e as RestStoreError).serverCode).toBe("ENDPOINT_NOT_FOUND");
    expect((e as RestStoreError).status).toBe(404);

    const gone = fakeFetch(
      () =>
        new Response(
          JSON.stringify({
            error_code: "RESOURCE_DOES_NOT_EXIST",
            message: `Logged model with ID '${MID}' not found.`,
            sqlstate: "KAM00",
            error_class: "RESOURCE_NOT_FOUND",
          }),
          { status: 404 },
        ),
    );
    const missingModel = await new RestStore(BASE, { fetch: gone.fetch }).getLoggedModel(MID).catch((x: unknown) => x);
    expect(isEndpointMissing(missingModel)).toBe(false);
    expect((missingModel as RestStoreError).code).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(isEndpointMissing(new Error("x"))).toBe(false);
  });

  it("over HTTP: a server that only has our old not-found answer", async () => {
    const old = new Hono();
    old.notFound(notFound);
    const running = await listen(old.fetch, { port: 0 });
    try {
      const store = new RestStore(running.url);
      for (const call of [
        () => store.createLoggedModel({ experimentId: "0" }),
        () => store.logOutputs(RUN, [{ model_id: MID, step: 0 }]),
        () => store.searchLoggedModels({ experimentIds: ["0"] }),
      ]) {
        const e = await call().catch((x: unknown) => x);
        expect(isEndpointMissing(e)).toBe(true);
      }
    } finally {
      await running.close();
    }
  });
});

describe("RestStore (MLflow 3) → tracking server → store with logged models, over loopback HTTP", () => {
  let root: string;
  let server: TestTrackingServer;
  let store: RestStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "hg-rest3-"));
    server = await startTrackingServer(new FileStore(join(root, "mlruns")));
    store = new RestStore(server.url);
  });
  afterEach(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it("logs a model as MLflow 3's log_model does: create, outputs, files, finalize, register, load back", async () => {
    const exp = await store.createExperiment("m3");
    const run = (await store.createRun({ experimentId: exp, runName: "r" })).info;
    await store.logBatch(run.run_id, { params: [{ key: "C", value: "1.0" }] });
    const created = await store.createLoggedModel({
      experimentId: exp,
      name: "model",
      sourceRunId: run.run_id,
      params: [{ key: "C", value: "1.0" }],
    });
    expect(created.info).toMatchObject({ status: "LOGGED_MODEL_PENDING", source_run_id: run.run_id, model_type: "" });
    const id = created.info.model_id;
    await store.logOutputs(run.run_id, [{ model_id: id, step: 0 }]);
    await store.logMetric(run.run_id, { key: "acc", value: 0.5, timestamp: 10, step: 0, model_id: id });
    await store.logLoggedModelArtifact(id, "MLmodel", "artifact_path: x\n");
    await store.logLoggedModelArtifact(id, "sub/model.pkl", new Uint8Array([0, 1, 2]));
    const ready = await store.finalizeLoggedModel(id, "LOGGED_MODEL_READY");
    expect(ready.info.status).toBe("LOGGED_MODEL_READY");
    expect(ready.data.metrics).toEqual([
      { key: "acc", value: 0.5, timestamp: 10, step: 0, model_id: id, run_id: run.run_id },
    ]);
    expect(ready.data.params).toEqual([{ key: "C", value: "1.0" }]);

    expect((await store.getRun(run.run_id)).outputs).toEqual({ model_outputs: [{ model_id: id, step: 0 }] });
    expect(await store.listLoggedModelArtifacts(id)).toEqual([
      { path: "MLmodel", is_dir: false, file_size: 17 },
      { path: "sub", is_dir: true },
    ]);
    expect(await store.listLoggedModelArtifacts(id, "sub")).toEqual([
      { path: "sub/model.pkl", is_dir: false, file_size: 3 },
    ]);
    expect([...(await store.readLoggedModelArtifact(id, "sub/model.pkl"))]).toEqual([0, 1, 2]);
    expect(new TextDecoder().decode(await store.readLoggedModelArtifact(id, "MLmodel"))).toBe("artifact_path: x\n");

    await store.createRegisteredModel("m");
    const v = await store.createModelVersion({ name: "m", source: `models:/${id}`, modelId: id });
    expect(v.run_id).toBe(run.run_id);
    expect(await store.getModelVersionDownloadUri("m", v.version)).toBe(ready.info.artifact_uri);

    await store.setLoggedModelTags(id, [{ key: "mlflow.modelVersions", value: '[{"name": "m", "version": 1}]' }]);
    await store.logLoggedModelParams(id, [{ key: "alpha", value: "0.1" }]);
    const found = await store.searchLoggedModels({ experimentIds: [exp], filter: "name = 'model'" });
    expect(found.items.map((m) => m.info.model_id)).toEqual([id]);
    expect(found.items[0].info.tags).toEqual([{ key: "mlflow.modelVersions", value: '[{"name": "m", "version": 1}]' }]);
    expect(found.items[0].data.params.map((p) => p.key)).toEqual(["C", "alpha"]);

    await store.deleteLoggedModelTag(id, "mlflow.modelVersions");
    await store.deleteLoggedModel(id);
    const e = await store.getLoggedModel(id).catch((x: unknown) => x);
    expect((e as RestStoreError).code).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(isEndpointMissing(e)).toBe(false);
    expect((await store.getLoggedModel(id, true)).info.model_id).toBe(id);
  });

  it("pages a search with the server's token, and reads every history point with one request", async () => {
    const exp = await store.createExperiment("paging");
    for (const name of ["a", "b", "c"]) await store.createLoggedModel({ experimentId: exp, name });
    const first = await store.searchLoggedModels({ experimentIds: [exp], maxResults: 2 });
    expect(first.items.map((m) => m.info.name)).toEqual(["c", "b"]);
    const second = await store.searchLoggedModels({
      experimentIds: [exp],
      maxResults: 2,
      pageToken: first.next_page_token,
    });
    expect(second.items.map((m) => m.info.name)).toEqual(["a"]);
    expect(second.next_page_token).toBeUndefined();

    const run = (await store.createRun({ experimentId: exp })).info;
    const metrics = Array.from({ length: 1500 }, (_, i) => ({ key: "m", value: i, timestamp: i, step: i }));
    await store.logBatch(run.run_id, { metrics });
    const before = server.requests.length;
    expect((await store.getMetricHistory(run.run_id, "m")).map((m) => m.step)).toEqual(metrics.map((m) => m.step));
    expect(server.requests.length - before).toBe(1);
  });
});
