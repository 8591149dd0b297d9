/**
 * The project's tracking server (createTrackingApp) over a store, on 127.0.0.1 at an ephemeral port, recording
 * every request it receives (before authentication), for tests that look at what a client sent.
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { listen, type RunningServer } from "../src/server/http.js";
import type { SecurityOptions } from "../src/server/security.js";
import { createTrackingApp } from "../src/server/tracking/app.js";
import { FileStore } from "../src/tracking/file-store.js";
import type { TrackingStore } from "../src/tracking/store.js";

export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
}

export interface TestTrackingServer {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** The endpoints MLflow 3 added (logged models, run outputs): what an MLflow 2 server answers with an HTML 404. */
const MLFLOW3_ONLY = /^\/(?:ajax-)?api\/2\.0\/mlflow\/(?:logged-models|runs\/outputs)(?:\/|$)/;

export async function startTrackingServer(
  store: TrackingStore,
  security: SecurityOptions = {},
  options: { mlflow2?: boolean } = {},
): Promise<TestTrackingServer> {
  const app = createTrackingApp({ store, security });
  const requests: RecordedRequest[] = [];
  const running = await listen(
    (req: Request, env?: unknown) => {
      const url = new URL(req.url);
      const headers: Record<string, string> = {};
      req.headers.forEach((value, key) => {
        headers[key] = value;
      });
      requests.push({ method: req.method, path: url.pathname, query: url.search, headers });
      // As MLflow 2.12's Flask server answers a route it does not have (mlflow3-compat.md §6).
      if (options.mlflow2 && MLFLOW3_ONLY.test(url.pathname)) {
        return new Response("<!doctype html><title>404 Not Found</title><h1>Not Found</h1>", {
          status: 404,
          headers: { "content-type": "text/html; charset=utf-8" },
        });
      }
      return app.fetch(req, env);
    },
    { port: 0 },
  );
  return { url: running.url, requests, close: () => running.close(1000) };
}

/**
 * For one test file: a tracking server over a fresh file store in a temp folder (or the store `makeStore` builds
 * on that mlruns folder), started before its tests and removed after them. Read `url` and `store` inside tests
 * (they are set in beforeAll).
 */
export function useTrackingServer<S extends FileStore = FileStore>(
  prefix: string,
  makeStore: (mlruns: string) => S = (mlruns) => new FileStore(mlruns) as S,
): { url: string; store: S } {
  const ctx = { url: "", store: null as unknown as S };
  let root = "";
  let server: RunningServer | undefined;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), prefix));
    ctx.store = makeStore(join(root, "mlruns"));
    server = await listen(createTrackingApp({ store: ctx.store }).fetch, { port: 0 });
    ctx.url = server.url;
  });
  afterAll(async () => {
    await server?.close();
    await rm(root, { recursive: true, force: true });
  });
  return ctx;
}

// biome-ignore lint/suspicious/noExplicitAny: answers are MLflow JSON, read field by field in assertions
export type Json = Record<string, any>;
export interface Answer {
  status: number;
  body: Json;
  headers: Headers;
}

/**
 * JSON calls to a tracking server at `url()`: `api` sends GET parameters in the query string and other verbs'
 * as a JSON body; `ok` also expects 200; `newRun` creates an experiment and a run in it.
 */
export function trackingApi(url: () => string) {
  async function api(method: string, path: string, params: Json = {}, headers: Record<string, string> = {}) {
    let target = `${url()}/api/2.0/mlflow/${path}`;
    const init: RequestInit = { method, headers: { ...headers } };
    if (method === "GET") {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) q.append(k, String(x));
      if (q.size > 0) target += `?${q}`;
    } else {
      init.body = JSON.stringify(params);
      init.headers = { "Content-Type": "application/json", ...headers };
    }
    const res = await fetch(target, init);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers } as Answer;
  }
  async function ok(method: string, path: string, params: Json = {}): Promise<Json> {
    const a = await api(method, path, params);
    expect(a.status, `${method} ${path}: ${JSON.stringify(a.body)}`).toBe(200);
    return a.body;
  }
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
  return { api, ok, newRun };
}

/** An answer in MLflow's error shape with this status and code (and a message matching `message`). */
export function expectError(a: Answer, status: number, code: string, message?: RegExp): void {
  expect(a.status, JSON.stringify(a.body)).toBe(status);
  expect(a.body.error_code).toBe(code);
  expect(typeof a.body.message).toBe("string");
  if (message) expect(a.body.message).toMatch(message);
}
