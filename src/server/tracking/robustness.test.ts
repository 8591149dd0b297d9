import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileStore } from "../../tracking/file-store.js";
import { listen, type RunningServer } from "../http.js";
import { createTrackingApp } from "./app.js";
import { ROUTES } from "./routes.js";

/**
 * Never a crash on input: random parameters of random types to every endpoint, and random bodies, answer 200 or
 * an MLflow error (400/404/405), never a 500.
 */
let root: string;
let server: RunningServer;
let ids: string[] = [];
let modelId = "";

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "hg-tracking-fuzz-"));
  const store = new FileStore(join(root, "mlruns"));
  server = await listen(createTrackingApp({ store }).fetch, { port: 0 });
  const exp = await store.createExperiment("fuzz");
  const run = (await store.createRun({ experimentId: exp })).info;
  await store.createRegisteredModel("m");
  await store.createModelVersion({ name: "m", source: `${run.artifact_uri}/model`, runId: run.run_id });
  const model = await store.createLoggedModel({ experimentId: exp, sourceRunId: run.run_id });
  ids = [exp, run.run_id, "m", "1", "0", model.info.model_id, `models:/${model.info.model_id}`];
  modelId = model.info.model_id;
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

const KEYS = [
  ...["name", "new_name", "experiment_id", "experiment_name", "run_id", "run_uuid", "key", "value", "tags"],
  ...["metrics", "params", "datasets", "max_results", "filter", "order_by", "page_token", "view_type"],
  ...["run_view_type", "experiment_ids", "stage", "stages", "version", "alias", "status", "end_time", "run_name"],
  ...["model_json", "source", "description", "start_time", "timestamp", "step", "metric_key", "path"],
  "archive_existing_versions",
  ...["model_id", "models", "allow_deleted", "artifact_directory_path", "source_run_id", "model_type"],
];
const endpoints = Object.entries(ROUTES).flatMap(([path, route]) => Object.keys(route).map((verb) => ({ verb, path })));
endpoints.push(
  { verb: "GET", path: "artifacts/list" },
  { verb: "GET", path: "logged-models/:model_id/artifacts/files" },
);
/** A route's `:model_id` and `:tag_key` segments, filled in (read in the tests, after beforeAll set modelId). */
const concrete = (path: string) => path.replace(":model_id", modelId).replace(":tag_key", "k");

const value = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom(...ids),
    fc.jsonValue({ maxDepth: 2 }),
    fc.array(
      fc.dictionary(fc.constantFrom("key", "value", "timestamp", "step", "dataset"), fc.jsonValue({ maxDepth: 1 })),
      { maxLength: 3 },
    ),
    fc.constantFrom("NaN", "Infinity", "", "..", "../x", "a/b", "None", "Production", "true", -1, 1e300, 2 ** 63),
  );

const ANSWERS = [200, 400, 404, 405];

async function send(verb: string, path: string, params: Record<string, unknown>) {
  let url = `${server.url}/api/2.0/mlflow/${concrete(path)}`;
  const init: RequestInit = { method: verb };
  if (verb === "GET") {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params))
      q.append(k, (typeof v === "string" ? v : JSON.stringify(v)).slice(0, 300)); // within Node's header limit
    url += `?${q}`;
  } else {
    init.headers = { "Content-Type": "application/json" };
    init.body = JSON.stringify(params);
  }
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return { status: res.status, text };
}

describe("tracking server: never crashes on input", () => {
  it("answers random parameters on every endpoint with 200 or an MLflow error", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...endpoints),
        fc.dictionary(fc.constantFrom(...KEYS), value(), { maxKeys: 8 }),
        async (e, p) => {
          const r = await send(e.verb, e.path, p);
          expect(ANSWERS, `${e.verb} ${e.path} ${JSON.stringify(p)} → ${r.status} ${r.text}`).toContain(r.status);
          const body = JSON.parse(r.text);
          if (r.status !== 200) expect(typeof body.error_code).toBe("string");
        },
      ),
      { numRuns: 600, endOnFailure: true },
    );
  });

  it("answers random bodies and content types with 200 or 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...endpoints.filter((e) => e.verb !== "GET")),
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.uint8Array().map((b) => Buffer.from(b).toString("latin1")),
        ),
        fc.constantFrom(
          "application/json",
          "application/json; charset=utf-8",
          "text/plain",
          "application/x-www-form-urlencoded",
        ),
        async (e, body, type) => {
          const res = await fetch(`${server.url}/api/2.0/mlflow/${concrete(e.path)}`, {
            method: e.verb,
            headers: { "Content-Type": type },
            body,
          });
          expect(ANSWERS, `${e.verb} ${e.path} ${type} ${JSON.stringify(body)}`).toContain(res.status);
          await res.text();
        },
      ),
      { numRuns: 300, endOnFailure: true },
    );
  });
});
