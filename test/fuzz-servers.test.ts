import { mkdtempSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeLabels } from "../src/core/labels.js";
import { COLUMNS } from "../src/core/landmarks.js";
import { buildPipeline } from "../src/core/pipelines.js";
import { listen, type RunningServer } from "../src/server/http.js";
import { createScoringApp } from "../src/server/scoring/app.js";
import { ServedModel } from "../src/server/scoring/served-model.js";
import { createTrackingApp } from "../src/server/tracking/app.js";
import { FileStore } from "../src/tracking/file-store.js";
import { loadTable } from "./data.js";
import { DEV_CSV, hasShared } from "./shared.js";

/**
 * Both servers under thousands of malformed, truncated, oversized and hostile requests, over real sockets on
 * loopback. Every answer must be a client error or a success (never a 500, never a dropped process), and afterwards
 * both still answer correctly and the tracking store holds exactly what it held before.
 */
const ready = hasShared("data", "hagrid_sample_dev.csv");
const MAX_BODY = 256 * 1024;

/** Sends raw bytes and returns the status line's code (0 when the server closed without an answer). */
function raw(url: string, bytes: string | Buffer, endAfter = true): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const sock = connect(Number(port), hostname);
    let got = "";
    const done = () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      resolve(m ? Number(m[1]) : 0);
    };
    sock.setTimeout(3000, () => sock.destroy());
    sock.on("data", (d) => {
      got += d.toString("latin1");
      if (got.includes("\r\n\r\n")) sock.destroy();
    });
    sock.on("error", () => {});
    sock.on("close", done);
    sock.write(bytes);
    if (endAfter) sock.end();
  });
}

describe.skipIf(!ready)("both servers under hostile input", () => {
  let tracking: RunningServer;
  let scoring: RunningServer;
  let store: FileStore;
  let runId = "";
  let snapshot = "";
  const table = ready ? loadTable(DEV_CSV) : null;
  const model = table ? buildPipeline("seed-knn").fit(table.X, encodeLabels(table.labels)) : null;
  const row0 = table ? Object.fromEntries(COLUMNS.map((c, j) => [c, table.X.data[j]])) : {};

  const state = async () => {
    const run = await store.getRun(runId);
    const files = await store.listArtifacts(runId);
    const bytes = await store.readArtifact(runId, "notes/a.txt");
    return JSON.stringify([run.data, run.info.status, files, Buffer.from(bytes).toString("base64")]);
  };

  beforeAll(async () => {
    store = new FileStore(join(mkdtempSync(join(tmpdir(), "hg-fuzz-")), "mlruns"));
    const exp = await store.createExperiment("fuzz");
    runId = (await store.createRun({ experimentId: exp, runName: "kept" })).info.run_id;
    await store.logBatch(runId, {
      params: [{ key: "p", value: "1" }],
      metrics: [{ key: "m", value: 0.5, timestamp: 1, step: 0 }],
    });
    await store.logArtifact(runId, "notes/a.txt", "hello");
    snapshot = await state();
    // Writes need a token the fuzzer does not have, so whatever it sends must leave the store as it was.
    tracking = await listen(
      createTrackingApp({ store, security: { authToken: "t0ken", maxBodyBytes: MAX_BODY } }).fetch,
      {
        port: 0,
        headersTimeoutMs: 1000,
        requestTimeoutMs: 2000,
      },
    );
    const served = new ServedModel(model as NonNullable<typeof model>, { uri: "test:knn" });
    scoring = await listen(createScoringApp({ current: served }, { maxBodyBytes: MAX_BODY }).fetch, {
      port: 0,
      headersTimeoutMs: 1000,
      requestTimeoutMs: 2000,
    });
  });
  afterAll(async () => {
    await tracking?.close(100);
    await scoring?.close(100);
  });

  const CLIENT_ERRORS = new Set([400, 401, 404, 405, 411, 413, 415, 431]);

  it("answers random JSON, wrong types and junk with client errors only", async () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const body = fc.oneof(
      json.map((v) => JSON.stringify(v)),
      fc
        .record({ dataframe_split: fc.record({ columns: fc.array(fc.string()), data: json }) })
        .map((v) => JSON.stringify(v)),
      fc
        .record({ dataframe_records: fc.array(fc.dictionary(fc.constantFrom(...COLUMNS, "label"), json)) })
        .map((v) => JSON.stringify(v)),
      fc.record({ instances: json, params: json }).map((v) => JSON.stringify(v)),
      fc
        .record({ hands: fc.array(fc.record({ landmarks: json, width: json, height: json })) })
        .map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("latin1")),
    );
    const target = fc.oneof(
      fc.constant(["scoring", "/invocations"]),
      fc.constant(["scoring", "/predict/hands"]),
      fc
        .constantFrom(
          "experiments/create",
          "runs/log-batch",
          "runs/search",
          "runs/get",
          "model-versions/transition-stage",
          "artifacts/list",
        )
        .map((p) => ["tracking", `/api/2.0/mlflow/${p}`]),
    );
    const contentType = fc.constantFrom(
      "application/json",
      "text/csv",
      "text/plain",
      "",
      "application/json; charset=utf-8",
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        target,
        body,
        contentType,
        fc.constantFrom("POST", "GET", "PUT"),
        async ([srv, path], b, ct, method) => {
          const base = srv === "scoring" ? scoring.url : tracking.url;
          const res = await fetch(`${base}${path}`, {
            method,
            body: method === "GET" ? undefined : b,
            headers: ct ? { "content-type": ct } : {},
          });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          return res.status === 200 || CLIENT_ERRORS.has(res.status);
        },
      ),
      { numRuns: 1500 },
    );
    // The fuzzer reached both successes and refusals.
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
  }, 120_000);

  it("survives truncated, oversized, malformed and path-escaping requests on raw sockets", async () => {
    const results: number[] = [];
    for (const base of [tracking.url, scoring.url]) {
      const host = new URL(base).host;
      const cases: (string | Buffer)[] = [
        // garbage and broken request lines
        "\x00\x01\x02 garbage\r\n\r\n",
        "GET\r\n\r\n",
        "POST /invocations HTTP/9.9\r\n\r\n",
        // a body shorter than its Content-Length, then the connection closes
        `POST /invocations HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"instances": [`,
        // broken chunked encoding
        `POST /invocations HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nZZ\r\nxx\r\n0\r\n\r\n`,
        // both Content-Length and chunked (request smuggling shape)
        `POST /api/2.0/mlflow/runs/search HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
        // a header far over the limit
        `GET /health HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${"a".repeat(100_000)}\r\n\r\n`,
        // a body over the limit, announced
        `POST /invocations HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${MAX_BODY * 4}\r\n\r\n${"[".repeat(1000)}`,
        // paths trying to leave the artifact root, plain and encoded
        `GET /api/2.0/mlflow-artifacts/artifacts/../../../../etc/passwd HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
        `GET /api/2.0/mlflow-artifacts/artifacts/%2e%2e%2f%2e%2e%2fetc%2fpasswd HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
        `GET /api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/%252e%252e/%252e%252e/meta.yaml HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
        `PUT /api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/..%5c..%5cx HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 1\r\n\r\nx`,
      ];
      for (const c of cases) results.push(await raw(base, c));
      // an oversized body actually sent, not just announced
      const big = await fetch(`${base}${base === scoring.url ? "/invocations" : "/api/2.0/mlflow/runs/search"}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"instances": [${"1,".repeat(MAX_BODY)}1]}`,
      }).catch(() => null);
      if (big) expect(big.status).toBe(413);
      // a slow client that never finishes its headers is cut off (408), not waited on forever
      expect(await raw(base, `GET /health HTTP/1.1\r\nHost: ${host}\r\n`, false)).toBe(408);
    }
    expect(
      results.every((s) => s === 0 || CLIENT_ERRORS.has(s)),
      JSON.stringify(results),
    ).toBe(true);
  }, 60_000);

  it("still answers correctly afterwards, and the store holds exactly what it held", async () => {
    const r = await fetch(`${scoring.url}/invocations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ dataframe_records: [row0] }),
    });
    expect(r.status).toBe(200);
    const first = table ? { rows: 1, cols: 63, data: table.X.data.slice(0, 63) } : null;
    expect(await r.json()).toEqual({ predictions: first ? model?.predict(first) : [] });
    expect((await fetch(`${tracking.url}/health`)).status).toBe(200);
    const got = await fetch(`${tracking.url}/api/2.0/mlflow/runs/get?run_id=${runId}`);
    expect(got.status).toBe(200);
    expect(await state()).toBe(snapshot);
  });
});
