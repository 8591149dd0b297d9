import { describe, expect, it } from "vitest";
import { HandgestureError } from "../core/errors.js";
import type { Metric, Param, Tag } from "./entities.js";
import { BATCH_LIMITS, ENDPOINTS, RestStore, RestStoreError } from "./rest-store.js";

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
