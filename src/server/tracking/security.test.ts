import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileStore } from "../../tracking/file-store.js";
import { listen, type RunningServer } from "../http.js";
import type { SecurityOptions } from "../security.js";
import { createTrackingApp } from "./app.js";
import { isWriteCall, ROUTES } from "./routes.js";

/** The tracking server behind a token (writes only, then every request), a CORS allowlist and a body limit. */
const TOKEN = "s3cret-token";
const ORIGIN = "http://localhost:5173";
let root: string;
let store: FileStore;
const servers: RunningServer[] = [];
let writesOnly: RunningServer;
let everything: RunningServer;
let open: RunningServer;
let runPath: string;

async function start(security: SecurityOptions, maxArtifactBytes?: number) {
  const s = await listen(createTrackingApp({ store, security, maxArtifactBytes }).fetch, { port: 0 });
  servers.push(s);
  return s;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "hg-tracking-security-"));
  store = new FileStore(join(root, "mlruns"));
  writesOnly = await start({ authToken: TOKEN, corsOrigins: [ORIGIN], maxBodyBytes: 4096 }, 8192);
  everything = await start({ authToken: TOKEN, authReads: true });
  open = await start({});
  const exp = await store.createExperiment("secure");
  const run = (await store.createRun({ experimentId: exp })).info;
  runPath = `/api/2.0/mlflow-artifacts/artifacts/${exp}/${run.run_id}/artifacts`;
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await rm(root, { recursive: true, force: true });
});

function call(server: RunningServer, method: string, path: string, token?: string, body = "{}") {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(`${server.url}${path}`, { method, headers, body: method === "GET" ? undefined : body });
}

describe("tracking server: bearer token", () => {
  const every = Object.entries(ROUTES).flatMap(([path, route]) => Object.keys(route).map((verb) => [verb, path]));

  it("requires it on every write endpoint and on no read, MLflow's search POSTs being reads", async () => {
    expect(every.length).toBeGreaterThan(40);
    for (const [verb, path] of every) {
      const r = await call(writesOnly, verb, `/api/2.0/mlflow/${path}`);
      const write = isWriteCall(verb, path);
      expect(r.status === 401, `${verb} ${path}`).toBe(write);
      if (write) {
        expect(await r.json()).toEqual({ error_code: "UNAUTHENTICATED", message: expect.stringMatching(/Bearer/) });
        expect(r.headers.get("www-authenticate")).toMatch(/^Bearer/);
      }
    }
    for (const read of [
      "experiments/search",
      "runs/search",
      "registered-models/get-latest-versions",
      "logged-models/search",
    ]) {
      expect(isWriteCall("POST", read)).toBe(false);
    }
    // The /ajax-api/ prefix (MLflow's web UI's) is the same API: the same writes need the token.
    expect((await call(writesOnly, "POST", "/ajax-api/2.0/mlflow/experiments/create")).status).toBe(401);
    expect((await call(writesOnly, "PATCH", "/ajax-api/2.0/mlflow/logged-models/m-1/tags")).status).toBe(401);
    expect((await call(writesOnly, "POST", "/ajax-api/2.0/mlflow/logged-models/search")).status).not.toBe(401);
    expect((await call(writesOnly, "GET", "/api/2.0/mlflow/artifacts/list?run_id=x")).status).not.toBe(401);
    expect((await call(writesOnly, "PUT", `${runPath}/a.txt`, undefined, "x")).status).toBe(401);
    expect((await call(writesOnly, "GET", `${runPath}/a.txt`)).status).toBe(404);
    expect((await call(writesOnly, "GET", "/version")).status).toBe(200);
  });

  it("accepts the exact token only", async () => {
    const path = "/api/2.0/mlflow/experiments/create";
    for (const wrong of ["s3cret", `${TOKEN}x`, TOKEN.toUpperCase()]) {
      expect((await call(writesOnly, "POST", path, wrong, '{"name": "nope"}')).status, wrong).toBe(401);
    }
    const basic = await fetch(`${writesOnly.url}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Basic ${TOKEN}` },
      body: '{"name": "nope"}',
    });
    expect(basic.status).toBe(401);
    expect((await call(writesOnly, "POST", path, TOKEN, '{"name": "with-token"}')).status).toBe(200);
    expect((await call(writesOnly, "PUT", `${runPath}/a.txt`, TOKEN, "x")).status).toBe(200);
    expect(await store.getExperimentByName("nope")).toBeNull();
  });

  it("with authReads requires it everywhere but /health", async () => {
    expect((await call(everything, "GET", "/health")).status).toBe(200);
    expect((await call(everything, "GET", "/version")).status).toBe(401);
    expect((await call(everything, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=0")).status).toBe(401);
    expect((await call(everything, "POST", "/api/2.0/mlflow/runs/search")).status).toBe(401);
    expect((await call(everything, "GET", `${runPath}/a.txt`)).status).toBe(401);
    const got = await call(everything, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", TOKEN);
    expect(got.status).toBe(200);
    expect((await got.json()).experiment.name).toBe("Default");
    expect(await (await call(everything, "GET", `${runPath}/a.txt`, TOKEN)).text()).toBe("x");
  });

  it("without a token, everything is open", async () => {
    expect((await call(open, "POST", "/api/2.0/mlflow/experiments/create", undefined, '{"name": "open"}')).status).toBe(
      200,
    );
  });
});

describe("tracking server: CORS and body limit", () => {
  it("answers a preflight from an allowed origin (no token needed) and nothing for others", async () => {
    const preflight = await fetch(`${writesOnly.url}/api/2.0/mlflow/runs/log-batch`, {
      method: "OPTIONS",
      headers: {
        Origin: ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    const read = await fetch(`${writesOnly.url}/api/2.0/mlflow/experiments/get?experiment_id=0`, {
      headers: { Origin: ORIGIN },
    });
    expect(read.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    const other = await fetch(`${writesOnly.url}/api/2.0/mlflow/experiments/get?experiment_id=0`, {
      headers: { Origin: "http://evil.example" },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const none = await fetch(`${open.url}/api/2.0/mlflow/experiments/get?experiment_id=0`, {
      headers: { Origin: ORIGIN },
    });
    expect(none.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses a JSON body or an artifact over its limit with 413, storing nothing", async () => {
    const big = JSON.stringify({ name: "x".repeat(5000) });
    const json = await call(writesOnly, "POST", "/api/2.0/mlflow/experiments/create", TOKEN, big);
    expect(json.status).toBe(413);
    expect(await json.json()).toEqual({
      error_code: "REQUEST_LIMIT_EXCEEDED",
      message: "request body larger than 4096 bytes",
    });
    // Artifacts have their own, larger limit.
    expect((await call(writesOnly, "PUT", `${runPath}/mid.bin`, TOKEN, "x".repeat(5000))).status).toBe(200);
    const upload = await call(writesOnly, "PUT", `${runPath}/big.bin`, TOKEN, "x".repeat(9000));
    expect(upload.status).toBe(413);
    expect((await upload.json()).message).toBe("request body larger than 8192 bytes");
    expect((await call(open, "GET", `${runPath}/big.bin`)).status).toBe(404);
    const other = await fetch(`${writesOnly.url}/nothing`, { method: "POST", body: "x".repeat(9000) });
    expect(other.status).toBe(413);
  });

  it("refuses a client-chosen artifact location (uploads must stay in the store)", async () => {
    const r = await call(
      open,
      "POST",
      "/api/2.0/mlflow/experiments/create",
      undefined,
      JSON.stringify({ name: "elsewhere", artifact_location: "file:///tmp/elsewhere" }),
    );
    expect(r.status).toBe(400);
    expect((await r.json()).message).toMatch(/artifact_location/);
    expect(await store.getExperimentByName("elsewhere")).toBeNull();
  });
});
