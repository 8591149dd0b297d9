import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LANDMARK_CSV_HEADER as HEADER } from "../../core/csv.js";
import { HAND_DIM } from "../../core/landmarks.js";
import { fromModelFile } from "../../core/model-file.js";
import { readLandmarkCsv } from "../../node/data.js";
import { readModel } from "../../node/model-io.js";
import { FileStore } from "../../tracking/file-store.js";
import { ServedModel } from "../scoring/served-model.js";
import type { SecurityOptions } from "../security.js";
import { createUiApp } from "./app.js";
import { DEFAULT_MODEL_FILE } from "./default-model.js";
import { mediapipeRoot, tasksVisionWasmRoot } from "./serve.js";

/** Any bytes do for the route; the bundle itself is checked in hand-landmarker-bundle.test.ts. */
const TASK = new Uint8Array([0x50, 0x4b, 0x05, 0x06, 1, 2, 3]);

/** The UI server's own routes through its fetch, with a real store, the shipped model and real files. */
async function setUp(options: { maxRecordingBytes?: number; security?: SecurityOptions } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "hg-ui-app-"));
  const web = join(dir, "web");
  mkdirSync(web);
  writeFileSync(join(web, "index.html"), "<!doctype html><title>page</title>");
  const loaded = await readModel(DEFAULT_MODEL_FILE);
  const served = new ServedModel(loaded.model, { uri: DEFAULT_MODEL_FILE });
  const app = createUiApp({
    store: new FileStore(join(dir, "mlruns")),
    model: { current: served },
    webRoot: web,
    mediapipeRoot: mediapipeRoot(),
    tasksVisionWasmRoot: tasksVisionWasmRoot(),
    handLandmarkerTask: TASK,
    recordingsDir: join(dir, "output_videos"),
    samplesFile: join(dir, "samples.csv"),
    maxRecordingBytes: options.maxRecordingBytes,
    security: options.security,
  });
  const call = (path: string, init?: RequestInit) => app.fetch(new Request(`http://127.0.0.1${path}`, init));
  const postJson = (path: string, body: unknown) =>
    call(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  return { dir, app, call, postJson, loaded };
}

/** A hand in pixels with awkward numbers: exponents, negatives, integers. */
const hand = (shift: number) =>
  Array.from({ length: HAND_DIM }, (_, k) => (k % 3 === 2 ? -3.6492e-7 * (k + 1) : 100 + k * 3.25 + shift));

const WEBM = new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01]);

describe("handgesture ui routes", () => {
  it("serves the page cross-origin isolated, and MediaPipe's files from the npm package", async () => {
    const { call } = await setUp();
    const page = await call("/");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>page</title>");
    expect(page.headers.get("cross-origin-opener-policy")).toBe("same-origin");
    expect(page.headers.get("cross-origin-embedder-policy")).toBe("require-corp");
    const hands = await call("/mediapipe/hands/hands.js");
    expect(hands.status).toBe(200);
    expect(await hands.text()).toContain("0.4.1675469240");
    const wasm = await call("/mediapipe/hands/hands_solution_simd_wasm_bin.wasm");
    expect(wasm.headers.get("content-type")).toBe("application/wasm");
    for (const path of ["/mediapipe/hands/../../../package.json", "/mediapipe/hands/%2e%2e/%2e%2e/package.json"]) {
      const res = await call(path);
      expect(await res.text()).not.toContain('"name"');
    }
  });

  it("serves tasks-vision's WebAssembly and the hand landmarker bundle built from @mediapipe/hands", async () => {
    const { call } = await setUp();
    const loader = await call("/mediapipe/tasks/wasm/vision_wasm_internal.js");
    expect(loader.status).toBe(200);
    expect(await loader.text()).toContain("ModuleFactory");
    const wasm = await call("/mediapipe/tasks/wasm/vision_wasm_module_internal.wasm");
    expect(wasm.headers.get("content-type")).toBe("application/wasm");
    expect(wasm.headers.get("cross-origin-embedder-policy")).toBe("require-corp");
    const task = await call("/mediapipe/tasks/hand_landmarker.task");
    expect(task.status).toBe(200);
    expect(Buffer.from(await task.arrayBuffer()).equals(Buffer.from(TASK))).toBe(true);
    for (const path of ["/mediapipe/tasks/wasm/../../vision.d.ts", "/mediapipe/tasks/wasm/%2e%2e/package.json"]) {
      expect(await (await call(path)).text()).not.toContain("tasks-vision");
    }
  });

  it("hands the page the model it serves, which predicts bit for bit as the file", async () => {
    const { call, loaded } = await setUp();
    const res = await call("/api/ui/model");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-model-version")).toBe(DEFAULT_MODEL_FILE);
    const { model } = fromModelFile(await res.text());
    const x = Float64Array.from(hand(0));
    const a = new Float64Array(model.classes.length);
    const b = new Float64Array(model.classes.length);
    model.predictProbaRow(x, a);
    loaded.model.predictProbaRow(x, b);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it("saves a recording as output_videos/<timestamp>.webm, and gives it back", async () => {
    const { dir, call } = await setUp();
    const post = (body: Uint8Array<ArrayBuffer>, type = "video/webm") =>
      call("/api/ui/recordings", { method: "POST", headers: { "Content-Type": type }, body });
    const saved = await post(WEBM);
    expect(saved.status).toBe(201);
    const { file, url, bytes } = await saved.json();
    expect(bytes).toBe(WEBM.length);
    expect(file).toMatch(/output_videos\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.webm$/);
    expect(readdirSync(join(dir, "output_videos"))).toHaveLength(1); // no temporary file left behind
    expect(new Uint8Array(readFileSync(file))).toEqual(WEBM);
    const back = await call(url);
    expect(back.headers.get("content-type")).toBe("video/webm");
    expect(new Uint8Array(await back.arrayBuffer())).toEqual(WEBM);

    expect((await post(WEBM, "application/octet-stream")).status).toBe(415);
    const notWebm = await post(new TextEncoder().encode("GIF89a"));
    expect(notWebm.status).toBe(400);
    expect((await notWebm.json()).message).toMatch(/not a WebM/);
    expect((await call("/output_videos/..%2fsamples.csv")).status).toBe(404);
    expect((await call("/output_videos/nothing.webm")).status).toBe(404);
  });

  it("refuses a recording over the limit with 413", async () => {
    const { dir, call } = await setUp({ maxRecordingBytes: 64 });
    const big = new Uint8Array(1000);
    big.set(WEBM);
    const res = await call("/api/ui/recordings", {
      method: "POST",
      headers: { "Content-Type": "video/webm" },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(() => readdirSync(join(dir, "output_videos"))).toThrow(/ENOENT/);
  });

  it("appends collected hands to a CSV in the training data's format and counts them per label", async () => {
    const { dir, call, postJson } = await setUp();
    expect(await (await call("/api/ui/samples")).json()).toMatchObject({ counts: {} });
    const first = await postJson("/api/ui/samples", { label: "palm", rows: [hand(0), hand(1)] });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ added: 2, counts: { palm: 2 } });
    // Concurrent requests: every row lands, whole.
    const many = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postJson("/api/ui/samples", { label: i % 2 ? "fist" : "palm", rows: [hand(i)] }),
      ),
    );
    expect(many.every((r) => r.status === 200)).toBe(true);
    expect(await (await call("/api/ui/samples")).json()).toMatchObject({ counts: { fist: 10, palm: 12 } });
    const text = readFileSync(join(dir, "samples.csv"), "utf8");
    expect(text.split("\n")[0]).toBe(HEADER);
    const table = await readLandmarkCsv(join(dir, "samples.csv"));
    expect(table.labels).toHaveLength(22);
    expect(Array.from(table.X.data.subarray(0, HAND_DIM))).toEqual(hand(0)); // numbers round-trip exactly
  });

  it("refuses bad samples with a 400 that says what is wrong, and writes nothing", async () => {
    const { dir, postJson } = await setUp();
    const cases: [unknown, RegExp][] = [
      ["not json", /not valid JSON/],
      [[1, 2], /the body must be/],
      [{ label: "", rows: [hand(0)] }, /"label" must be/],
      [{ label: "a,b", rows: [hand(0)] }, /"label" must be/],
      [{ label: "palm", rows: [] }, /"rows" must be a list of 1 to/],
      [{ label: "palm", rows: [hand(0).slice(1)] }, /rows\[0\] must hold 63 numbers .* got 62 values/],
      [{ label: "palm", rows: [hand(0), [...hand(0).slice(0, 62), null]] }, /rows\[1\]\[62\] \(z21\) must be a finite/],
      [{ label: "palm", rows: [[...hand(0).slice(0, 4), "1", ...hand(0).slice(5)]] }, /rows\[0\]\[4\] \(y2\)/],
    ];
    for (const [body, message] of cases) {
      const res = await postJson("/api/ui/samples", body);
      expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect((await res.json()).message).toMatch(message);
    }
    expect(readdirSync(dir)).not.toContain("samples.csv");
  });

  it("will not append to a file that is not a collect file", async () => {
    const { dir, postJson } = await setUp();
    writeFileSync(join(dir, "samples.csv"), "name,age\nbob,3\n");
    const res = await postJson("/api/ui/samples", { label: "palm", rows: [hand(0)] });
    expect(res.status).toBe(409);
    expect((await res.json()).message).toMatch(/is not a collect file/);
    expect(readFileSync(join(dir, "samples.csv"), "utf8")).toBe("name,age\nbob,3\n");
  });

  it("answers the scoring protocol and the tracking API on the same port", async () => {
    const { call, postJson } = await setUp();
    expect(await (await call("/health")).text()).toBe("OK");
    const scored = await postJson("/invocations", { inputs: [hand(0)] });
    expect(scored.status).toBe(200);
    expect((await scored.json()).predictions).toHaveLength(1);
    const experiments = await postJson("/api/2.0/mlflow/experiments/search", { max_results: 10 });
    expect((await experiments.json()).experiments.map((e: { name: string }) => e.name)).toContain("Default");
    expect((await call("/api/ui/nothing")).status).toBe(404);
  });

  it("with --auth-token --auth-reads: the page loads without the token, its calls need it", async () => {
    const { call, postJson } = await setUp({ security: { authToken: "s3cret", authReads: true } });
    expect((await call("/")).status).toBe(200);
    expect((await call("/mediapipe/hands/hands.js")).status).toBe(200);
    expect((await call("/api/ui/model")).status).toBe(401);
    expect((await call("/api/ui/model", { headers: { Authorization: "Bearer s3cret" } })).status).toBe(200);
    expect((await postJson("/api/ui/samples", { label: "palm", rows: [hand(0)] })).status).toBe(401);
    expect((await postJson("/invocations", { inputs: [hand(0)] })).status).toBe(401);
  });
});
