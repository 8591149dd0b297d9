import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runInNewContext } from "node:vm";
import { build } from "esbuild";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTrackingServer, type TestTrackingServer } from "../../test/tracking-server.js";
import { HandgestureError } from "../core/errors.js";
import { MLFLOW_VERSION } from "../server/tracking/app.js";
import type { Metric, Param, Tag } from "./entities.js";
import { FileStore } from "./file-store.js";
import { BATCH_LIMITS, ENDPOINTS, RestStore, RestStoreError } from "./rest-store.js";
import type { TrackingStore } from "./store.js";

const BASE = "http://mlflow.test:5000";
const RUN = "0123456789abcdef0123456789abcdef";

interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

/** A fetch that records each request and answers with `answer(call)` (a Response, or an object sent as JSON). */
function fakeFetch(answer: (c: Call) => Response | object = () => ({})) {
  const calls: Call[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const body = init?.body;
    const call: Call = {
      method: init?.method ?? "GET",
      url: String(input),
      headers: { ...(init?.headers as Record<string, string>) },
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

async function rejection(p: Promise<unknown>): Promise<RestStoreError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, "expected a rejection").toBeInstanceOf(RestStoreError);
  expect(e).toBeInstanceOf(HandgestureError);
  return e as RestStoreError;
}

const wireRun = (info: Record<string, unknown> = {}) => ({
  run: {
    info: { run_id: RUN, run_uuid: RUN, experiment_id: "7", status: "RUNNING", start_time: 1, ...info },
    data: {},
  },
});

describe("RestStore: requests on the wire", () => {
  it("has one verb and path per method, and a frozen table", () => {
    expect(Object.isFrozen(ENDPOINTS)).toBe(true);
    expect(ENDPOINTS.logBatch).toEqual(["POST", "runs/log-batch"]);
    expect(ENDPOINTS.updateRegisteredModel).toEqual(["PATCH", "registered-models/update"]);
    expect(ENDPOINTS.deleteModelVersion).toEqual(["DELETE", "model-versions/delete"]);
    expect(ENDPOINTS.deleteTag).toEqual(["POST", "runs/delete-tag"]);
  });

  it("puts GET parameters in the query string (run_id and run_uuid) and sends no body", async () => {
    const f = fakeFetch(() => wireRun());
    await new RestStore(`${BASE}/`, { fetch: f.fetch }).getRun(RUN);
    expect(f.calls).toHaveLength(1);
    expect(f.calls[0].method).toBe("GET");
    expect(f.calls[0].url).toBe(`${BASE}/api/2.0/mlflow/runs/get?run_id=${RUN}&run_uuid=${RUN}`);
    expect(f.calls[0].body).toBeUndefined();
  });

  it("repeats list parameters in a GET query and leaves unset ones out", async () => {
    const f = fakeFetch(() => ({}));
    await new RestStore(BASE, { fetch: f.fetch }).searchRegisteredModels({
      filter: "name LIKE 'hand%'",
      orderBy: ["name ASC", "last_updated_timestamp DESC"],
    });
    const u = new URL(f.calls[0].url);
    expect(u.pathname).toBe("/api/2.0/mlflow/registered-models/search");
    expect(u.searchParams.getAll("order_by")).toEqual(["name ASC", "last_updated_timestamp DESC"]);
    expect(u.searchParams.get("filter")).toBe("name LIKE 'hand%'");
    expect(u.searchParams.has("max_results")).toBe(false);
    expect(u.searchParams.has("page_token")).toBe(false);
  });

  it("sends JSON bodies with Content-Type application/json and non-finite metrics as strings", async () => {
    const f = fakeFetch();
    const store = new RestStore(BASE, { fetch: f.fetch });
    await store.logMetric(RUN, { key: "loss", value: Number.NaN, timestamp: 5, step: 2 });
    await store.logBatch(RUN, {
      metrics: [
        { key: "a", value: Number.POSITIVE_INFINITY, timestamp: 1, step: 0 },
        { key: "b", value: Number.NEGATIVE_INFINITY, timestamp: 1, step: 0 },
        { key: "c", value: 0.5, timestamp: 1, step: 0 },
      ],
    });
    expect(f.calls[0].method).toBe("POST");
    expect(f.calls[0].headers["Content-Type"]).toBe("application/json");
    expect(json(f.calls[0])).toEqual({ run_id: RUN, run_uuid: RUN, key: "loss", value: "NaN", timestamp: 5, step: 2 });
    expect((json(f.calls[1]).metrics as Metric[]).map((m) => m.value)).toEqual(["Infinity", "-Infinity", 0.5]);
  });

  it("uses MLflow's verbs and bodies for the registry", async () => {
    const f = fakeFetch((c) =>
      apiPath(c).startsWith("registered-models/") ? { registered_model: { name: "m" } } : {},
    );
    const store = new RestStore(BASE, { fetch: f.fetch });
    await store.renameRegisteredModel("m", "n");
    await store.updateRegisteredModel("n", "about");
    await store.deleteRegisteredModel("n");
    await store.deleteRegisteredModelTag("n", "k");
    await store.deleteModelVersion("n", "3");
    await store.deleteModelVersionTag("n", "3", "k");
    await store.deleteRegisteredModelAlias("n", "champion");
    await store.deleteTag(RUN, "k");
    expect(f.calls.map((c) => [c.method, apiPath(c), json(c)])).toEqual([
      ["POST", "registered-models/rename", { name: "m", new_name: "n" }],
      ["PATCH", "registered-models/update", { name: "n", description: "about" }],
      ["DELETE", "registered-models/delete", { name: "n" }],
      ["DELETE", "registered-models/delete-tag", { name: "n", key: "k" }],
      ["DELETE", "model-versions/delete", { name: "n", version: "3" }],
      ["DELETE", "model-versions/delete-tag", { name: "n", version: "3", key: "k" }],
      ["DELETE", "registered-models/alias", { name: "n", alias: "champion" }],
      ["POST", "runs/delete-tag", { run_id: RUN, key: "k" }],
    ]);
  });

  it("maps search options to max_results, page_token, order_by, filter and run_view_type", async () => {
    const f = fakeFetch(() => ({ runs: [wireRun().run], next_page_token: "tok2" }));
    const page = await new RestStore(BASE, { fetch: f.fetch }).searchRuns({
      experimentIds: ["1", "2"],
      filter: "metrics.f1 > 0.9",
      viewType: "ALL",
      maxResults: 5,
      orderBy: ["metrics.f1 DESC"],
      pageToken: "tok1",
    });
    expect(json(f.calls[0])).toEqual({
      experiment_ids: ["1", "2"],
      filter: "metrics.f1 > 0.9",
      run_view_type: "ALL",
      max_results: 5,
      order_by: ["metrics.f1 DESC"],
      page_token: "tok1",
    });
    expect(page.items).toHaveLength(1);
    expect(page.next_page_token).toBe("tok2");
  });

  it("calls a token function on every request and sends it as a bearer token", async () => {
    const f = fakeFetch(() => wireRun());
    let n = 0;
    const store = new RestStore(BASE, { fetch: f.fetch, token: () => `t${++n}` });
    await store.getRun(RUN);
    await store.setTag(RUN, { key: "k", value: "v" });
    expect(f.calls.map((c) => c.headers.Authorization)).toEqual(["Bearer t1", "Bearer t2"]);
    const none = fakeFetch(() => wireRun());
    await new RestStore(BASE, { fetch: none.fetch, token: () => undefined }).getRun(RUN);
    expect(none.calls[0].headers.Authorization).toBeUndefined();
  });
});

describe("RestStore: log-batch limits", () => {
  it("splits a large batch into requests within MLflow's limits, in order, losing nothing", async () => {
    const f = fakeFetch();
    const metrics: Metric[] = Array.from({ length: 2500 }, (_, i) => ({ key: "m", value: i, timestamp: 1, step: i }));
    const params: Param[] = Array.from({ length: 1000 }, (_, i) => ({ key: `p${i}`, value: String(i) }));
    const tags: Tag[] = Array.from({ length: 150 }, (_, i) => ({ key: `t${i}`, value: "x" }));
    await new RestStore(BASE, { fetch: f.fetch }).logBatch(RUN, { metrics, params, tags });
    const bodies = f.calls.map(json) as unknown as {
      run_id: string;
      metrics: Metric[];
      params: Param[];
      tags: Tag[];
    }[];
    for (const b of bodies) {
      expect(b.run_id).toBe(RUN);
      expect(b.metrics.length).toBeLessThanOrEqual(BATCH_LIMITS.metrics);
      expect(b.params.length).toBeLessThanOrEqual(BATCH_LIMITS.params);
      expect(b.tags.length).toBeLessThanOrEqual(BATCH_LIMITS.tags);
      expect(b.metrics.length + b.params.length + b.tags.length).toBeLessThanOrEqual(BATCH_LIMITS.total);
    }
    expect(bodies.length).toBe(10);
    expect(bodies.flatMap((b) => b.metrics)).toEqual(metrics);
    expect(bodies.flatMap((b) => b.params)).toEqual(params);
    expect(bodies.flatMap((b) => b.tags)).toEqual(tags);
  });

  it("sends nothing for an empty batch", async () => {
    const f = fakeFetch();
    await new RestStore(BASE, { fetch: f.fetch }).logBatch(RUN, {});
    expect(f.calls).toHaveLength(0);
  });
});

describe("RestStore: reading MLflow's JSON", () => {
  it("parses NaN/Infinity strings, int64 as strings, and fields protobuf leaves out", async () => {
    const f = fakeFetch(() => ({
      run: {
        info: {
          run_uuid: RUN,
          experiment_id: "7",
          status: "FINISHED",
          start_time: "1795504138784",
          end_time: "1795504139000",
        },
        data: {
          metrics: [
            { key: "a", value: "NaN", timestamp: "3", step: "1" },
            { key: "b", value: "Infinity", timestamp: 3 },
            { key: "c", value: "-Infinity", timestamp: 3, step: 0 },
          ],
        },
      },
    }));
    const run = await new RestStore(BASE, { fetch: f.fetch }).getRun(RUN);
    expect(run.info.run_id).toBe(RUN);
    expect(run.info.start_time).toBe(1795504138784);
    expect(run.info.end_time).toBe(1795504139000);
    expect(run.info.lifecycle_stage).toBe("active");
    expect(run.data.metrics).toEqual([
      { key: "a", value: Number.NaN, timestamp: 3, step: 1 },
      { key: "b", value: Number.POSITIVE_INFINITY, timestamp: 3, step: 0 },
      { key: "c", value: Number.NEGATIVE_INFINITY, timestamp: 3, step: 0 },
    ]);
    expect(run.data.params).toEqual([]);
    expect(run.data.tags).toEqual([]);
    expect(run.inputs.dataset_inputs).toEqual([]);
  });

  it("reads model versions with string versions and an empty search as no items", async () => {
    const f = fakeFetch((c) =>
      apiPath(c) === "model-versions/get" ? { model_version: { name: "m", version: 3, current_stage: "Staging" } } : {},
    );
    const store = new RestStore(BASE, { fetch: f.fetch });
    const v = await store.getModelVersion("m", "3");
    expect(v.version).toBe("3");
    expect(v.current_stage).toBe("Staging");
    expect(v.tags).toEqual([]);
    expect(await store.searchModelVersions()).toEqual({ items: [] });
  });
});

describe("RestStore: errors", () => {
  it("turns {error_code, message} into a HandgestureError with that code", async () => {
    const f = fakeFetch(
      () =>
        new Response(JSON.stringify({ error_code: "RESOURCE_DOES_NOT_EXIST", message: `Run '${RUN}' not found` }), {
          status: 404,
        }),
    );
    const e = await rejection(new RestStore(BASE, { fetch: f.fetch }).getRun(RUN));
    expect(e.code).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(e.message).toBe(`Run '${RUN}' not found`);
    expect(e.status).toBe(404);
  });

  it("maps codes it has no equivalent for by status, keeping the server's code", async () => {
    const f = fakeFetch(
      () => new Response(JSON.stringify({ error_code: "PERMISSION_DENIED", message: "no" }), { status: 403 }),
    );
    const e = await rejection(new RestStore(BASE, { fetch: f.fetch }).getRun(RUN));
    expect(e.code).toBe("INVALID_PARAMETER_VALUE");
    expect(e.serverCode).toBe("PERMISSION_DENIED");
    const g = fakeFetch(() => new Response("<html>Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" }));
    const e2 = await rejection(new RestStore(BASE, { fetch: g.fetch }).getRun(RUN));
    expect(e2.code).toBe("INTERNAL_ERROR");
    expect(e2.message).toContain("HTTP 502");
    expect(e2.message).toContain(`${BASE}/api/2.0/mlflow/runs/get`);
  });

  it("names the URL when the network fails", async () => {
    const fetch = (async () => {
      throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
    }) as typeof globalThis.fetch;
    const e = await rejection(new RestStore(BASE, { fetch }).createExperiment("x"));
    expect(e.message).toContain(`${BASE}/api/2.0/mlflow/experiments/create`);
    expect(e.message).toContain("ECONNREFUSED");
    expect(e.status).toBeUndefined();
  });

  it("rejects a URL that is not http(s) and artifact paths leaving the run's root", async () => {
    expect(() => new RestStore("file:///tmp/mlruns")).toThrow(/http/);
    const f = fakeFetch(() => wireRun());
    const store = new RestStore(BASE, { fetch: f.fetch });
    for (const bad of ["../x", "a/../../x", "/etc/passwd", "a\\b"]) {
      await expect(store.logArtifact(RUN, bad, "x")).rejects.toThrow(HandgestureError);
    }
    expect(f.calls).toHaveLength(0);
  });
});

describe("RestStore: artifact locations", () => {
  it("follows an mlflow-artifacts: URI and encodes path segments", async () => {
    const f = fakeFetch((c) =>
      apiPath(c) === "runs/get" ? wireRun({ artifact_uri: "mlflow-artifacts:/7/custom/artifacts" }) : {},
    );
    const store = new RestStore(BASE, { fetch: f.fetch });
    await store.logArtifact(RUN, "a b/c#1.txt", "hi");
    await store.logArtifact(RUN, "d.txt", new Uint8Array([1, 2]));
    expect(f.calls.map((c) => c.method)).toEqual(["GET", "PUT", "PUT"]);
    expect(f.calls[1].url).toBe(`${BASE}/api/2.0/mlflow-artifacts/artifacts/7/custom/artifacts/a%20b/c%231.txt`);
    expect(f.calls[1].headers["Content-Type"]).toBe("application/octet-stream");
    expect([...(f.calls[1].body as Uint8Array)]).toEqual([104, 105]);
  });

  it("uses <experiment>/<run>/artifacts otherwise, and a host in the URI is skipped", async () => {
    const f = fakeFetch((c) =>
      apiPath(c) === "runs/get"
        ? wireRun({ artifact_uri: "mlflow-artifacts://other:5000/x/y/artifacts" })
        : {
            files: [
              { path: "f.txt", is_dir: false, file_size: "12" },
              { path: "d", is_dir: true },
            ],
          },
    );
    const files = await new RestStore(BASE, { fetch: f.fetch }).listArtifacts(RUN, "sub");
    expect(new URL(f.calls[1].url).searchParams.get("path")).toBe("x/y/artifacts/sub");
    expect(files).toEqual([
      { path: "sub/d", is_dir: true },
      { path: "sub/f.txt", is_dir: false, file_size: 12 },
    ]);
    const g = fakeFetch((c) => (apiPath(c) === "runs/get" ? wireRun({ artifact_uri: "file:///tmp/x" }) : {}));
    await new RestStore(BASE, { fetch: g.fetch }).listArtifacts(RUN);
    expect(new URL(g.calls[1].url).searchParams.get("path")).toBe(`7/${RUN}/artifacts`);
  });
});

describe("RestStore: isomorphic", () => {
  it("bundles for the browser and runs where only web APIs exist", async () => {
    const out = await build({
      entryPoints: [join(dirname(fileURLToPath(import.meta.url)), "rest-store.ts")],
      bundle: true,
      platform: "browser",
      format: "iife",
      globalName: "rest",
      write: false,
      logLevel: "silent",
    });
    expect(out.errors).toHaveLength(0);
    const f = fakeFetch(() => wireRun());
    const sandbox = { fetch: f.fetch, URLSearchParams, TextEncoder, AbortSignal, Response, RUN };
    const run = await runInNewContext(
      `${out.outputFiles[0].text}
      ;(() => {
        if (typeof process !== "undefined" || typeof require !== "undefined") throw new Error("Node leaked in");
        return new rest.RestStore("http://mlflow.test", { token: "t" }).getRun(RUN);
      })()`,
      sandbox,
    );
    expect(run.info.run_id).toBe(RUN);
    expect(f.calls[0].headers.Authorization).toBe("Bearer t");
  });
});

// ---- the contract over real HTTP: RestStore → the tracking server → file store ----
describe("RestStore → tracking server → FileStore, over loopback HTTP", () => {
  let root: string;
  let backing: TrackingStore;
  let server: TestTrackingServer;
  let store: RestStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "hg-rest-"));
    backing = new FileStore(join(root, "mlruns"));
    server = await startTrackingServer(backing);
    store = new RestStore(server.url);
  });
  afterEach(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  const calls = (path: string) => server.requests.filter((r) => r.path === `/api/2.0/mlflow/${path}`).length;

  async function newRun(name = "r1") {
    const exp = await store.createExperiment(`exp-${name}`);
    return (await store.createRun({ experimentId: exp, runName: name, startTime: 1795504138784 })).info;
  }

  describe("RestStore over HTTP: experiments", () => {
    it("creates, gets, finds by name, tags and searches experiments", async () => {
      const id = await store.createExperiment("hand", [{ key: "team", value: "vision" }]);
      const exp = await store.getExperiment(id);
      expect(exp).toMatchObject({ experiment_id: id, name: "hand", lifecycle_stage: "active" });
      expect(exp.tags).toEqual([{ key: "team", value: "vision" }]);
      expect(exp.artifact_location).toMatch(/^file:\/\//);
      expect(await store.getExperimentByName("hand")).toEqual(exp);
      expect(await store.getExperimentByName("nope")).toBeNull();
      await store.setExperimentTag(id, "stage", "dev");
      expect((await store.getExperiment(id)).tags).toContainEqual({ key: "stage", value: "dev" });
      await store.createExperiment("other");
      const page = await store.searchExperiments({ filter: "name = 'hand'" });
      expect(page.items.map((e) => e.experiment_id)).toEqual([id]);
      const all = await store.searchExperiments({ orderBy: ["name ASC"] });
      expect(all.items.map((e) => e.name)).toEqual(["Default", "hand", "other"]);
    });

    it("reports a duplicate name as RESOURCE_ALREADY_EXISTS and a missing id as RESOURCE_DOES_NOT_EXIST", async () => {
      await store.createExperiment("dup");
      const e = await rejection(store.createExperiment("dup"));
      expect(e.code).toBe("RESOURCE_ALREADY_EXISTS");
      expect(e.status).toBe(400);
      const m = await rejection(store.getExperiment("123456789"));
      expect(m.code).toBe("RESOURCE_DOES_NOT_EXIST");
      expect(m.status).toBe(404);
    });
  });

  describe("RestStore over HTTP: runs", () => {
    it("logs a batch with NaN, ±Infinity, a multi-line param and a nested key, and reads it back", async () => {
      const info = await newRun();
      expect(info.status).toBe("RUNNING");
      expect(info.run_uuid).toBe(info.run_id);
      await store.logBatch(info.run_id, {
        metrics: [
          { key: "loss", value: Number.NaN, timestamp: 1, step: 0 },
          { key: "up", value: Number.POSITIVE_INFINITY, timestamp: 1, step: 0 },
          { key: "down", value: Number.NEGATIVE_INFINITY, timestamp: 1, step: 0 },
          { key: "cv/f1", value: 0.5, timestamp: 1, step: 0 },
          { key: "cv/f1", value: 0.75, timestamp: 2, step: 1 },
        ],
        params: [{ key: "notes", value: "line one\nline two\n" }],
        tags: [{ key: "mlflow.note.content", value: "a run" }],
      });
      await store.logMetric(info.run_id, { key: "acc", value: 0.9, timestamp: 3, step: 0 });
      await store.logParam(info.run_id, { key: "model", value: "rf" });
      await store.setTag(info.run_id, { key: "gone", value: "soon" });
      await store.deleteTag(info.run_id, "gone");
      const run = await store.getRun(info.run_id);
      const value = (k: string) => run.data.metrics.find((m) => m.key === k)?.value;
      expect(value("loss")).toBeNaN();
      expect(value("up")).toBe(Number.POSITIVE_INFINITY);
      expect(value("down")).toBe(Number.NEGATIVE_INFINITY);
      expect(value("cv/f1")).toBe(0.75);
      expect(value("acc")).toBe(0.9);
      expect(run.data.params).toContainEqual({ key: "notes", value: "line one\nline two\n" });
      expect(run.data.params).toContainEqual({ key: "model", value: "rf" });
      expect(run.data.tags).toContainEqual({ key: "mlflow.note.content", value: "a run" });
      expect(run.data.tags.find((t) => t.key === "gone")).toBeUndefined();
      expect(await store.getMetricHistory(info.run_id, "cv/f1")).toEqual([
        { key: "cv/f1", value: 0.5, timestamp: 1, step: 0 },
        { key: "cv/f1", value: 0.75, timestamp: 2, step: 1 },
      ]);
    });

    it("splits 1,000 params and 2,500 metric points into batches the server accepts", async () => {
      const info = await newRun();
      const params = Array.from({ length: 1000 }, (_, i) => ({ key: `p${i}`, value: String(i) }));
      const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: "m", value: i / 10, timestamp: i, step: i }));
      await store.logBatch(info.run_id, { params, metrics });
      expect(calls("runs/log-batch")).toBe(10);
      const run = await store.getRun(info.run_id);
      expect(run.data.params).toHaveLength(1000);
      expect((await store.getMetricHistory(info.run_id, "m")).map((m) => m.step)).toEqual(metrics.map((m) => m.step));
      // What the splitting avoids: the server refuses one request over the limit.
      const res = await fetch(`${server.url}/api/2.0/mlflow/runs/log-batch`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ run_id: info.run_id, params: params.map((p) => ({ ...p, key: `q${p.key}` })) }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error_code: string }).error_code).toBe("INVALID_PARAMETER_VALUE");
    });

    it("updates the status and finds runs with a filter and an order", async () => {
      const a = await newRun("a");
      const b = (await store.createRun({ experimentId: a.experiment_id, runName: "b" })).info;
      await store.logBatch(a.run_id, { metrics: [{ key: "f1", value: 0.95, timestamp: 1, step: 0 }] });
      await store.logBatch(b.run_id, { metrics: [{ key: "f1", value: 0.8, timestamp: 1, step: 0 }] });
      await store.logParam(a.run_id, { key: "model", value: "rf" });
      const done = await store.updateRunInfo(a.run_id, "FINISHED", 1795504139000);
      expect(done).toMatchObject({ run_id: a.run_id, status: "FINISHED", end_time: 1795504139000 });
      expect((await store.getRun(a.run_id)).info.status).toBe("FINISHED");
      const hit = await store.searchRuns({
        experimentIds: [a.experiment_id],
        filter: "metrics.f1 > 0.9 and params.model = 'rf'",
      });
      expect(hit.items.map((r) => r.info.run_id)).toEqual([a.run_id]);
      const ordered = await store.searchRuns({ experimentIds: [a.experiment_id], orderBy: ["metrics.f1 ASC"] });
      expect(ordered.items.map((r) => r.info.run_name)).toEqual(["b", "a"]);
      const first = await store.searchRuns({
        experimentIds: [a.experiment_id],
        maxResults: 1,
        orderBy: ["metrics.f1 ASC"],
      });
      expect(first.items).toHaveLength(1);
      expect(first.next_page_token).toBeTruthy();
      const second = await store.searchRuns({
        experimentIds: [a.experiment_id],
        maxResults: 1,
        orderBy: ["metrics.f1 ASC"],
        pageToken: first.next_page_token,
      });
      expect(second.items.map((r) => r.info.run_name)).toEqual(["a"]);
      await store.deleteRun(b.run_id);
      const active = await store.searchRuns({ experimentIds: [a.experiment_id] });
      expect(active.items.map((r) => r.info.run_id)).toEqual([a.run_id]);
    });

    it("turns a missing run's 404 into RESOURCE_DOES_NOT_EXIST", async () => {
      const e = await rejection(store.getRun("ffffffffffffffffffffffffffffffff"));
      expect(e.code).toBe("RESOURCE_DOES_NOT_EXIST");
      expect(e.status).toBe(404);
      expect(e.message).toContain("ffffffffffffffffffffffffffffffff");
    });
  });

  describe("RestStore over HTTP: inputs and the server's other endpoints", () => {
    it("logs dataset inputs", async () => {
      const info = await newRun();
      const dataset = {
        name: "hagrid_sample_dev",
        digest: "0123abcd",
        source_type: "local",
        source: '{"uri": "data.csv"}',
        schema: '{"mlflow_colspec": [{"type": "double", "name": "x1", "required": true}]}',
        profile: '{"num_rows": 2, "num_elements": 4}',
      };
      await store.logInputs(info.run_id, [{ tags: [{ key: "mlflow.data.context", value: "training" }], dataset }]);
      const run = await store.getRun(info.run_id);
      expect(run.inputs.dataset_inputs).toHaveLength(1);
      expect(run.inputs.dataset_inputs[0].dataset).toMatchObject(dataset);
      expect(run.inputs.dataset_inputs[0].tags).toEqual([{ key: "mlflow.data.context", value: "training" }]);
    });

    it("serves runs/log-model (the logged-model history tag) and the tracking API's artifacts/list", async () => {
      const info = await newRun();
      const post = (path: string, body: object) =>
        fetch(`${server.url}/api/2.0/mlflow/${path}`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
      const model = { artifact_path: "model", flavors: { handgesture: {} }, run_id: info.run_id };
      expect((await post("runs/log-model", { run_id: info.run_id, model_json: JSON.stringify(model) })).status).toBe(
        200,
      );
      const tag = (await store.getRun(info.run_id)).data.tags.find((t) => t.key === "mlflow.log-model.history");
      expect(JSON.parse(tag?.value ?? "[]")).toEqual([model]);

      await store.logArtifact(info.run_id, "model/MLmodel", "artifact_path: model\n");
      const res = await fetch(`${server.url}/api/2.0/mlflow/artifacts/list?run_id=${info.run_id}&path=model`);
      expect(await res.json()).toEqual({
        root_uri: info.artifact_uri,
        files: [{ path: "model/MLmodel", is_dir: false, file_size: 21 }],
      });
      const wrongExperiment = await fetch(
        `${server.url}/api/2.0/mlflow-artifacts/artifacts/999/${info.run_id}/artifacts/model/MLmodel`,
      );
      expect(wrongExperiment.status).toBe(404);
    });
  });

  describe("RestStore over HTTP: artifacts", () => {
    it("uploads, lists and downloads through the proxied artifact API", async () => {
      const info = await newRun();
      const bytes = new Uint8Array([0, 1, 2, 250, 255]);
      await store.logArtifact(info.run_id, "model/model.json", '{"format":"handgesture-model"}');
      await store.logArtifact(info.run_id, "model/weights.bin", bytes);
      await store.logArtifact(info.run_id, "notes.txt", "hello");
      expect(server.requests.filter((r) => r.method === "PUT").map((r) => r.path)).toEqual([
        `/api/2.0/mlflow-artifacts/artifacts/${info.experiment_id}/${info.run_id}/artifacts/model/model.json`,
        `/api/2.0/mlflow-artifacts/artifacts/${info.experiment_id}/${info.run_id}/artifacts/model/weights.bin`,
        `/api/2.0/mlflow-artifacts/artifacts/${info.experiment_id}/${info.run_id}/artifacts/notes.txt`,
      ]);
      expect(calls("runs/get")).toBe(1);
      expect(await store.listArtifacts(info.run_id)).toEqual([
        { path: "model", is_dir: true },
        { path: "notes.txt", is_dir: false, file_size: 5 },
      ]);
      expect(await store.listArtifacts(info.run_id, "model")).toEqual([
        { path: "model/model.json", is_dir: false, file_size: 30 },
        { path: "model/weights.bin", is_dir: false, file_size: 5 },
      ]);
      expect(await store.readArtifact(info.run_id, "model/weights.bin")).toEqual(bytes);
      expect(new TextDecoder().decode(await store.readArtifact(info.run_id, "notes.txt"))).toBe("hello");
      expect(await backing.readArtifact(info.run_id, "model/weights.bin")).toEqual(bytes);
      const missing = await rejection(store.readArtifact(info.run_id, "nope.txt"));
      expect(missing.code).toBe("RESOURCE_DOES_NOT_EXIST");
    });
  });

  describe("RestStore over HTTP: model registry", () => {
    it("creates a model and versions, moves stages, sets aliases and tags, renames and deletes", async () => {
      const run = await newRun();
      const source = `${run.artifact_uri}/model`;
      const model = await store.createRegisteredModel("hand-rf", [{ key: "task", value: "gestures" }], "forest");
      expect(model).toMatchObject({
        name: "hand-rf",
        description: "forest",
        tags: [{ key: "task", value: "gestures" }],
      });
      expect((await rejection(store.createRegisteredModel("hand-rf"))).code).toBe("RESOURCE_ALREADY_EXISTS");

      const v1 = await store.createModelVersion({ name: "hand-rf", source, runId: run.run_id });
      expect(v1).toMatchObject({ name: "hand-rf", version: "1", current_stage: "None", status: "READY", source });
      expect(v1.run_id).toBe(run.run_id);
      const v2 = await store.createModelVersion({ name: "hand-rf", source, runId: run.run_id, description: "second" });
      expect(v2.version).toBe("2");
      expect((await store.getModelVersion("hand-rf", "2")).description).toBe("second");
      expect(await store.getModelVersionDownloadUri("hand-rf", "1")).toBe(source);

      expect((await store.transitionModelVersionStage("hand-rf", "1", "Production", false)).current_stage).toBe(
        "Production",
      );
      await store.transitionModelVersionStage("hand-rf", "2", "Production", true);
      expect((await store.getModelVersion("hand-rf", "1")).current_stage).toBe("Archived");
      expect((await store.getLatestVersions("hand-rf", ["Production"])).map((v) => v.version)).toEqual(["2"]);

      await store.setRegisteredModelAlias("hand-rf", "champion", "2");
      const champion = await store.getModelVersionByAlias("hand-rf", "champion");
      expect(champion.version).toBe("2");
      expect(champion.aliases).toEqual(["champion"]);
      expect((await store.getRegisteredModel("hand-rf")).aliases).toEqual([{ alias: "champion", version: "2" }]);
      await store.deleteRegisteredModelAlias("hand-rf", "champion");
      expect((await rejection(store.getModelVersionByAlias("hand-rf", "champion"))).code).toBe(
        "RESOURCE_DOES_NOT_EXIST",
      );

      await store.setModelVersionTag("hand-rf", "1", "validated", "yes");
      expect((await store.getModelVersion("hand-rf", "1")).tags).toEqual([{ key: "validated", value: "yes" }]);
      await store.deleteModelVersionTag("hand-rf", "1", "validated");
      expect((await store.getModelVersion("hand-rf", "1")).tags).toEqual([]);
      await store.setRegisteredModelTag("hand-rf", "owner", "me");
      await store.deleteRegisteredModelTag("hand-rf", "task");
      expect((await store.getRegisteredModel("hand-rf")).tags).toEqual([{ key: "owner", value: "me" }]);
      expect((await store.updateModelVersion("hand-rf", "1", "old one")).description).toBe("old one");
      expect((await store.updateRegisteredModel("hand-rf", "a forest")).description).toBe("a forest");

      await store.createRegisteredModel("other");
      const found = await store.searchRegisteredModels({ filter: "name LIKE 'hand%'" });
      expect(found.items.map((m) => m.name)).toEqual(["hand-rf"]);
      const versions = await store.searchModelVersions({ filter: "name = 'hand-rf'" });
      expect(versions.items.map((v) => v.version).sort()).toEqual(["1", "2"]);

      expect((await store.renameRegisteredModel("hand-rf", "hand-forest")).name).toBe("hand-forest");
      expect((await store.getModelVersion("hand-forest", "2")).name).toBe("hand-forest");
      await store.deleteModelVersion("hand-forest", "1");
      expect((await rejection(store.getModelVersion("hand-forest", "1"))).status).toBe(404);
      await store.deleteRegisteredModel("hand-forest");
      expect((await rejection(store.getRegisteredModel("hand-forest"))).code).toBe("RESOURCE_DOES_NOT_EXIST");

      const verbs = new Set(server.requests.map((r) => `${r.method} ${r.path.replace("/api/2.0/mlflow/", "")}`));
      for (const v of [
        "PATCH registered-models/update",
        "PATCH model-versions/update",
        "DELETE registered-models/delete",
        "DELETE model-versions/delete",
        "DELETE registered-models/alias",
        "GET registered-models/alias",
        "POST registered-models/rename",
      ]) {
        expect(verbs).toContain(v);
      }
    });
  });

  describe("Tracking server: the server's side of the protocol", () => {
    it("answers /health and /version, and MLflow's JSON for runs/get", async () => {
      expect(await (await fetch(`${server.url}/health`)).text()).toBe("OK");
      expect(await (await fetch(`${server.url}/version`)).text()).toBe(MLFLOW_VERSION);
      const info = await newRun();
      await store.logMetric(info.run_id, { key: "loss", value: Number.NaN, timestamp: 1, step: 0 });
      const res = await fetch(`${server.url}/api/2.0/mlflow/runs/get?run_uuid=${info.run_id}`);
      const body = (await res.json()) as { run: { info: Record<string, unknown>; data: { metrics: Metric[] } } };
      expect(body.run.info).toMatchObject({ run_id: info.run_id, run_uuid: info.run_id, status: "RUNNING" });
      expect(body.run.info.end_time).toBeUndefined();
      expect(body.run.data.metrics).toEqual([{ key: "loss", value: "NaN", timestamp: 1, step: 0 }]);
    });

    it("refuses a POST that is not JSON, and answers unknown routes and wrong verbs", async () => {
      const res = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, {
        method: "POST",
        headers: { "Content-Type": "text/plain" },
        body: JSON.stringify({ name: "x" }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error_code: "INVALID_PARAMETER_VALUE" });
      expect((await fetch(`${server.url}/api/2.0/mlflow/nothing/here`)).status).toBe(404);
      const badPath = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/0/r/artifacts/%E0%A4%A`);
      expect(badPath.status).toBe(400);
      expect((await fetch(`${server.url}/api/2.0/mlflow/runs/get`, { method: "PUT" })).status).toBe(405);
      const missing = await fetch(`${server.url}/api/2.0/mlflow/runs/get`);
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ error_code: "INVALID_PARAMETER_VALUE" });
    });
  });

  describe("RestStore over HTTP: auth and the network", () => {
    it("sends the bearer token on every request, including artifacts", async () => {
      const guarded = await startTrackingServer(backing, { authToken: "s3cret", authReads: true });
      try {
        const authed = new RestStore(guarded.url, { token: () => "s3cret" });
        const exp = await authed.createExperiment("auth");
        const run = await authed.createRun({ experimentId: exp });
        await authed.logArtifact(run.info.run_id, "a.txt", "x");
        expect(await authed.listArtifacts(run.info.run_id)).toHaveLength(1);
        expect(guarded.requests.length).toBe(5);
        expect(guarded.requests.every((r) => r.headers.authorization === "Bearer s3cret")).toBe(true);
        const e = await rejection(new RestStore(guarded.url, { token: "wrong" }).getExperiment(exp));
        expect(e.status).toBe(401);
        expect(e.serverCode).toBe("UNAUTHENTICATED");
      } finally {
        await guarded.close();
      }
    });

    it("gives a clear error naming the URL when nothing listens there", async () => {
      const gone = await startTrackingServer(backing);
      await gone.close();
      const e = await rejection(new RestStore(gone.url).getExperiment("0"));
      expect(e.code).toBe("INTERNAL_ERROR");
      expect(e.message).toContain(
        `cannot reach the MLflow tracking server at ${gone.url}/api/2.0/mlflow/experiments/get`,
      );
      expect(e.message).toContain("ECONNREFUSED");
    });

    it("gives up after timeoutMs when the server does not answer", async () => {
      const silent = createServer(() => {});
      await new Promise<void>((ok) => silent.listen(0, "127.0.0.1", ok));
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      try {
        const e = await rejection(new RestStore(url, { timeoutMs: 200 }).getExperiment("0"));
        expect(e.message).toContain(url);
        expect(e.message).toContain("no answer within 200 ms");
      } finally {
        silent.closeAllConnections();
        await new Promise((ok) => silent.close(ok));
      }
    });

    it("gives up after timeoutMs when the answer's body stalls", async () => {
      const stalling = createServer((_req, res) => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.write('{"experiment": ');
      });
      await new Promise<void>((ok) => stalling.listen(0, "127.0.0.1", ok));
      const url = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}`;
      try {
        const e = await rejection(new RestStore(url, { timeoutMs: 200 }).getExperiment("0"));
        expect(e.message).toContain(`${url}/api/2.0/mlflow/experiments/get`);
        expect(e.message).toContain("no answer within 200 ms");
      } finally {
        stalling.closeAllConnections();
        await new Promise((ok) => stalling.close(ok));
      }
    });
  });
});
