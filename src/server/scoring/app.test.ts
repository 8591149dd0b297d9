import { mkdtempSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTable } from "../../../test/data.js";
import { DEV_CSV, hasShared } from "../../../test/shared.js";
import { encodeLabels } from "../../core/labels.js";
import { COLUMNS, HAND_DIM, NUM_LANDMARKS } from "../../core/landmarks.js";
import { fromRows, row } from "../../core/matrix.js";
import { buildPipeline } from "../../core/pipelines.js";
import { GestureRecognizer } from "../../core/recognize.js";
import { saveModel } from "../../node/model-io.js";
import { VERSION } from "../../node/version.js";
import { TrackingClient } from "../../tracking/client.js";
import { FileStore } from "../../tracking/file-store.js";
import { listen, type RunningServer } from "../http.js";
import { createScoringApp, MODEL_HEADER } from "./app.js";
import { REQUIRED_INPUT_FORMAT } from "./inputs.js";
import { openLiveModel } from "./live-model.js";

/**
 * The scoring server over real HTTP on loopback with a real model (the seed's KNN fitted on the dev sample):
 * every endpoint, every input format, every documented error and status, auth, and a graceful close.
 */
const ready = hasShared("data", "hagrid_sample_dev.csv");

describe.skipIf(!ready)("scoring server", () => {
  const dir = mkdtempSync(join(tmpdir(), "handgesture-serve-"));
  const table = ready ? loadTable(DEV_CSV) : null;
  const model = table ? buildPipeline("seed-knn").fit(table.X, encodeLabels(table.labels)) : null;
  // 40 rows spread over the sample.
  const picked = Array.from({ length: 40 }, (_, k) => (k * 23) % (table?.X.rows ?? 1));
  const rows = table ? picked.map((i) => Array.from(row(table.X, i))) : [];
  const expected = model ? model.predict(fromRows(rows)) : [];
  let open: RunningServer;
  let locked: RunningServer;
  let runUri: string;

  const post = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const invoke = (body: unknown, headers?: Record<string, string>) => post(open.url, "/invocations", body, headers);

  beforeAll(async () => {
    const file = join(dir, "model.json");
    await saveModel(file, model!);
    const client = new TrackingClient(new FileStore(join(dir, "mlruns")));
    const exp = await client.getOrCreateExperiment("serve");
    runUri = await client.withRun(exp, {}, (run) => client.logModel(run.info.run_id, model!));
    open = await listen(createScoringApp(await openLiveModel(file)).fetch, { port: 0 });
    const fromRun = await openLiveModel(runUri, { store: client.store });
    locked = await listen(
      createScoringApp(fromRun, {
        authToken: "t0ken",
        authReads: true,
        corsOrigins: ["http://localhost:5173"],
        maxBodyBytes: 4096,
      }).fetch,
      { port: 0 },
    );
  });
  afterAll(async () => {
    await open?.close();
    await locked?.close();
  });

  it("answers /ping, /health and /version like MLflow", async () => {
    for (const path of ["/ping", "/health"]) {
      const r = await fetch(`${open.url}${path}`);
      expect(r.status, path).toBe(200);
    }
    const v = await fetch(`${open.url}/version`);
    expect(v.status).toBe(200);
    expect(await v.text()).toBe(VERSION);
    expect(v.headers.get(MODEL_HEADER)).toBe(join(dir, "model.json"));
  });

  it("gives the model's own predictions for the same rows in every input form", async () => {
    const records = rows.map((r) => Object.fromEntries(COLUMNS.map((c, k) => [c, r[k]])));
    const columns = Object.fromEntries(COLUMNS.map((c, k) => [c, rows.map((r) => r[k])]));
    // Columns in another order, with an extra one, and an index: matched by name, extras ignored.
    const shuffled = [...COLUMNS].reverse();
    const split = {
      columns: ["frame", ...shuffled],
      data: rows.map((r, i) => [i, ...shuffled.map((c) => r[COLUMNS.indexOf(c)])]),
      index: rows.map((_, i) => i),
    };
    const csv = `${["label", ...COLUMNS].join(",")}\r\n${rows.map((r) => ["x", ...r].join(",")).join("\r\n")}\r\n`;
    const bodies: [string, () => Promise<Response>][] = [
      ["dataframe_split", () => invoke({ dataframe_split: split })],
      ["dataframe_records", () => invoke({ dataframe_records: records })],
      ["instances (records)", () => invoke({ instances: records })],
      ["inputs (records)", () => invoke({ inputs: records })],
      ["inputs (dict of columns)", () => invoke({ inputs: columns })],
      ["instances (rows of 63)", () => invoke({ instances: rows })],
      ["text/csv", () => invoke(csv, { "content-type": "text/csv; charset=utf-8" })],
    ];
    for (const [name, send] of bodies) {
      const r = await send();
      expect(r.status, name).toBe(200);
      expect(await r.json(), name).toEqual({ predictions: expected });
    }
    const one = await invoke({ inputs: records[3] }); // a dict of scalars is one row
    expect(await one.json()).toEqual({ predictions: [expected[3]] });
    const none = await invoke({ dataframe_records: [] });
    expect(await none.json()).toEqual({ predictions: [] });
  });

  it("answers probabilities and the top three on request through params", async () => {
    const split = { columns: COLUMNS, data: rows.slice(0, 5) };
    const P = model!.predictProba(fromRows(rows.slice(0, 5)));
    const proba = await (await invoke({ dataframe_split: split, params: { output: "proba" } })).json();
    expect(proba.predictions).toHaveLength(5);
    proba.predictions.forEach((p: Record<string, number>, i: number) => {
      expect(Object.keys(p)).toEqual([...model!.classes]);
      expect(Object.values(p)).toEqual(Array.from(P.data.subarray(i * P.cols, (i + 1) * P.cols)));
    });
    const top = await (await invoke({ dataframe_split: split, params: { output: "top3" } })).json();
    const rec = new GestureRecognizer(model!);
    top.predictions.forEach((p: unknown, i: number) => {
      expect(p).toEqual(rec.recognizeRow(Float64Array.from(rows[i])));
    });
    expect(top.predictions[0].top).toHaveLength(3);
    const label = await (await invoke({ dataframe_split: split, params: { output: "label", other: 1 } })).json();
    expect(label.predictions).toEqual(expected.slice(0, 5));
    const bad = await invoke({ dataframe_split: split, params: { output: "logits" } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error_code: "INVALID_PARAMETER_VALUE",
      message: expect.stringMatching(/label, proba, top3.*"logits"/),
      sqlstate: "KAM00",
      error_class: "INVALID_PARAMETER_VALUE",
    });
  });

  it("refuses bad input with MLflow's statuses, codes and messages", async () => {
    const missing = COLUMNS.filter((c) => c !== "x3");
    const cases: [string, Promise<Response>, number, string, RegExp][] = [
      [
        "missing column",
        invoke({ dataframe_split: { columns: missing, data: [rows[0].filter((_, k) => k !== 6)] } }),
        400,
        "INVALID_PARAMETER_VALUE",
        /^Model is missing inputs \['x3'\]\.$/,
      ],
      [
        "missing columns and an extra one (records)",
        invoke({ dataframe_records: [{ x1: 1, foo: 2 }] }),
        400,
        "INVALID_PARAMETER_VALUE",
        /^Model is missing inputs \['y1', 'z1', .*'z21'\]\. Note that there were extra inputs: \['foo'\]$/,
      ],
      [
        "a string value",
        invoke({
          dataframe_split: { columns: COLUMNS, data: [rows[0], rows[1].map((v, k) => (k === 4 ? "abc" : v))] },
        }),
        400,
        "INVALID_PARAMETER_VALUE",
        /row 1, column y2: expected a number, got "abc"/,
      ],
      [
        "a null in a record",
        invoke({ dataframe_records: [{ ...Object.fromEntries(COLUMNS.map((c) => [c, 1])), z21: null }] }),
        400,
        "INVALID_PARAMETER_VALUE",
        /row 0, column z21: expected a number, got null/,
      ],
      [
        "a bad CSV value",
        invoke(`${COLUMNS.join(",")}\n${rows[0].map((v, k) => (k === 0 ? "1,5" : v)).join(",")}`, {
          "content-type": "text/csv",
        }),
        400,
        "INVALID_PARAMETER_VALUE",
        /64 fields; the header has 63/,
      ],
      [
        "a CSV value that is no number",
        invoke(`${COLUMNS.join(",")}\n${rows[0].map((v, k) => (k === 1 ? "abc" : v)).join(",")}`, {
          "content-type": "text/csv",
        }),
        400,
        "INVALID_PARAMETER_VALUE",
        /row 0, column y1: expected a number, got "abc"/,
      ],
      ["not JSON", invoke("{nope"), 400, "BAD_REQUEST", /^Failed to parse input from JSON/],
      [
        "no input key",
        invoke({ data: rows }),
        400,
        "BAD_REQUEST",
        /exactly one of the input fields \{'inputs', 'dataframe_records', 'dataframe_split', 'instances'\}\. Received dictionary with input fields: \['data'\]/,
      ],
      ["two input keys", invoke({ inputs: rows, instances: rows }), 400, "BAD_REQUEST", /exactly one of/],
      ["a JSON list", invoke(rows), 400, "BAD_REQUEST", /exactly one of/],
      ["rows of 62", invoke({ instances: [rows[0].slice(1)] }), 400, "INVALID_PARAMETER_VALUE", /63 values/],
      ["params not a dict", invoke({ inputs: rows, params: [1] }), 400, "BAD_REQUEST", /'params'/],
      ["other content type", invoke("x", { "content-type": "text/plain" }), 415, "BAD_REQUEST", /text\/plain/],
      ["hands: not a list", post(open.url, "/predict/hands", { hand: {} }), 400, "BAD_REQUEST", /"hands"/],
    ];
    for (const [name, pending, status, code, message] of cases) {
      const r = await pending;
      expect(r.status, name).toBe(status);
      const body = await r.json();
      // MLflow 3's classification (mlflow3-compat.md §2): BAD_REQUEST and INVALID_PARAMETER_VALUE are both KAM00.
      const classified = { sqlstate: "KAM00", error_class: "INVALID_PARAMETER_VALUE" };
      expect(body, name).toEqual({ error_code: code, message: expect.stringMatching(message), ...classified });
    }
    expect(REQUIRED_INPUT_FORMAT).toContain("exactly one of");
    const get = await fetch(`${open.url}/invocations`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(await get.json()).toEqual({
      error_code: "BAD_REQUEST",
      message: expect.stringMatching(/method is not allowed/),
      sqlstate: "KAM00",
      error_class: "INVALID_PARAMETER_VALUE",
    });
    const hands415 = await post(open.url, "/predict/hands", "x", { "content-type": "text/csv" });
    expect(hands415.status).toBe(415);
    expect((await hands415.json()).message).toMatch(/\['application\/json'\]\. Got 'text\/csv'/);
    const none = await fetch(`${open.url}/nothing`);
    expect(none.status).toBe(404);
  });

  it("recognizes live MediaPipe hands through liveHandToDataset, frame size per hand or once", async () => {
    // Live hands: the dataset rows brought back to 0..1 of a 640x480 frame.
    const live = (r: number[], width = 640, height = 480) =>
      Array.from({ length: NUM_LANDMARKS }, (_, i) => [r[3 * i] / width, r[3 * i + 1] / height, r[3 * i + 2]]);
    const rec = new GestureRecognizer(model!);
    const want = (i: number) => rec.recognize({ landmarks: live(rows[i]), width: 640, height: 480 });
    const r = await post(open.url, "/predict/hands", {
      width: 640,
      height: 480,
      hands: [
        { landmarks: live(rows[0]), handedness: "Left" },
        { landmarks: live(rows[1], 1280, 720), width: 1280, height: 720, handedness: [{ categoryName: "Right" }] },
        { landmarks: live(rows[2]).map(([x, y, z]) => ({ x, y, z })) },
      ],
    });
    expect(r.status).toBe(200);
    const { hands } = await r.json();
    expect(hands).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      const w = want(i);
      expect(hands[i].gesture).toBe(w.label);
      expect(hands[i].gesture).toBe(expected[i]);
      expect(hands[i].probability).toBeCloseTo(w.probability, 12);
      expect(hands[i].top.map((t: { gesture: string }) => t.gesture)).toEqual(w.top.map((t) => t.label));
    }
    expect(hands.map((h: { handedness?: string }) => h.handedness)).toEqual(["Left", "Right", undefined]);
    const empty = await post(open.url, "/predict/hands", { hands: [] });
    expect(await empty.json()).toEqual({ hands: [] });
    const short = await post(open.url, "/predict/hands", { hands: [{ landmarks: live(rows[0]).slice(1) }] });
    expect(short.status).toBe(400);
    expect((await short.json()).message).toMatch(/^hands\[0\]: .*21 landmarks, got 20/);
    const noSize = await post(open.url, "/predict/hands", { hands: [{ landmarks: live(rows[0]) }] });
    expect((await noSize.json()).message).toMatch(/^hands\[0\]: frame width and height/);
  });

  it("with --auth-reads needs the token everywhere but /ping and /health; body limit; CORS allowlist", async () => {
    const body = { dataframe_split: { columns: COLUMNS, data: rows.slice(0, 2) } };
    expect((await fetch(`${locked.url}/ping`)).status).toBe(200);
    expect((await fetch(`${locked.url}/health`)).status).toBe(200);
    expect((await fetch(`${locked.url}/version`)).status).toBe(401);
    expect((await post(locked.url, "/invocations", body)).status).toBe(401);
    expect((await post(locked.url, "/invocations", body, { authorization: "Bearer nope" })).status).toBe(401);
    expect((await post(locked.url, "/predict/hands", { hands: [] })).status).toBe(401);
    const ok = await post(locked.url, "/invocations", body, { authorization: "Bearer t0ken" });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ predictions: expected.slice(0, 2) });
    expect(ok.headers.get(MODEL_HEADER)).toBe(runUri);
    const big = await post(
      locked.url,
      "/invocations",
      { dataframe_split: { columns: COLUMNS, data: rows } },
      {
        authorization: "Bearer t0ken",
      },
    );
    expect(big.status).toBe(413);
    const pre = await fetch(`${locked.url}/invocations`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:5173", "access-control-request-method": "POST" },
    });
    expect(pre.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    const evil = await post(locked.url, "/invocations", body, {
      authorization: "Bearer t0ken",
      origin: "http://evil.example",
    });
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    // Without --auth-reads scoring is a read: the open server answers without a token.
    expect((await invoke(body)).status).toBe(200);
  });

  it("closes gracefully: a request in flight still gets its answer", async () => {
    const server = await listen(createScoringApp(await openLiveModel(join(dir, "model.json"))).fetch, { port: 0 });
    const text = JSON.stringify({ dataframe_split: { columns: COLUMNS, data: rows.slice(0, 3) } });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${server.url}/invocations`,
        { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) } },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (d) => {
            body += d;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.write(text.slice(0, 20)); // half a body: the request is in flight
      setTimeout(async () => {
        const closed = server.close();
        // The server no longer accepts new connections...
        await expect(fetch(`${server.url}/ping`)).rejects.toThrow();
        req.end(text.slice(20)); // ...but the one in flight completes
        await closed;
      }, 100);
    });
    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual({ predictions: expected.slice(0, 3) });
  });

  it("checks row shapes: rows must be lists as wide as the columns", async () => {
    const r = await invoke({ dataframe_split: { columns: COLUMNS, data: [rows[0].slice(0, HAND_DIM - 1)] } });
    expect(r.status).toBe(400);
    expect((await r.json()).message).toMatch(/row 0 must be a list of 63 values/);
  });
});
