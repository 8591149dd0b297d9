import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../../../test/cli.js";
import { loadTable } from "../../../test/data.js";
import { DEV_CSV, hasShared } from "../../../test/shared.js";
import { encodeLabels } from "../../core/labels.js";
import { COLUMNS } from "../../core/landmarks.js";
import { fromRows, row } from "../../core/matrix.js";
import { buildPipeline } from "../../core/pipelines.js";
import { saveModel } from "../../node/model-io.js";
import { TrackingClient } from "../../tracking/client.js";
import { FileStore } from "../../tracking/file-store.js";
import { listen } from "../http.js";
import { MODEL_HEADER, WORKER_HEADER } from "./app.js";

/** `handgesture serve` as a user runs it: a child process, one or two workers, closed by a signal. */
const ready = hasShared("data", "hagrid_sample_dev.csv");
const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../cli/main.ts");

interface Served {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  stderr: () => string;
}

function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "serve", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr?.setEncoding("utf8").on("data", (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 30_000);
    child.stdout?.setEncoding("utf8").on("data", (d) => {
      out += d;
      const m = /serving \S+ on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, url: m[1], exited, stderr: () => err });
      }
    });
    exited.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

/** One request on its own connection (no keep-alive), so the cluster may hand it to any worker. */
function invokeFresh(
  url: string,
  body: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = request(
      `${url}/invocations`,
      { method: "POST", agent: false, headers: { "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d) => {
          text += d;
        });
        res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe.skipIf(!ready)("handgesture serve", () => {
  const dir = mkdtempSync(join(tmpdir(), "handgesture-serve-cli-"));
  const file = join(dir, "model.json");
  const mlruns = join(dir, "mlruns");
  const table = ready ? loadTable(DEV_CSV) : null;
  const model = table ? buildPipeline("seed-knn").fit(table.X, encodeLabels(table.labels)) : null;
  const rows = table ? Array.from({ length: 10 }, (_, k) => Array.from(row(table.X, k * 50))) : [];
  const body = JSON.stringify({ dataframe_split: { columns: COLUMNS, data: rows } });
  const expected = JSON.stringify({ predictions: model ? model.predict(fromRows(rows)) : [] });

  beforeAll(async () => {
    await saveModel(file, model!);
    const client = new TrackingClient(new FileStore(mlruns));
    const exp = await client.getOrCreateExperiment("serve");
    const uri = await client.withRun(exp, {}, (run) => client.logModel(run.info.run_id, model!));
    await client.store.createRegisteredModel("gesture");
    await client.store.createModelVersion({ name: "gesture", source: uri, runId: uri.split("/")[1] });
    await client.store.transitionModelVersionStage("gesture", "1", "Production", true);
  });
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const c of started) if (c.exitCode === null) c.kill("SIGKILL");
  });

  it("with --workers 2: both workers answer on one port; SIGTERM closes them all and exits 0", async () => {
    const s = await serve(["-m", file, "-p", "0", "--workers", "2"]);
    started.push(s.child);
    const answers = await Promise.all(Array.from({ length: 40 }, () => invokeFresh(s.url, body)));
    expect(answers.every((a) => a.status === 200 && a.body === expected)).toBe(true);
    expect(new Set(answers.map((a) => a.headers[WORKER_HEADER.toLowerCase()]))).toEqual(new Set(["1", "2"]));
    s.child.kill("SIGTERM");
    expect(await s.exited).toBe(0);
    await expect(invokeFresh(s.url, body)).rejects.toThrow();
  });

  it("serves models:/<name>/Production from --tracking-uri; the token from the environment with --auth-reads", async () => {
    const s = await serve(
      [
        "-m",
        "models:/gesture/Production",
        "--tracking-uri",
        mlruns,
        "-p",
        "0",
        "--poll-seconds",
        "0.5",
        "--auth-reads",
      ],
      { HANDGESTURE_AUTH_TOKEN: "env-t0ken" },
    );
    started.push(s.child);
    expect((await invokeFresh(s.url, body)).status).toBe(401);
    const r = await fetch(`${s.url}/invocations`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer env-t0ken" },
      body,
    });
    expect(r.status).toBe(200);
    expect(r.headers.get(MODEL_HEADER)).toBe("gesture/1");
    expect(await r.text()).toBe(expected);
    s.child.kill("SIGINT");
    expect(await s.exited).toBe(0);
  });

  it("refuses a model it cannot load, a busy port and --auth-reads without a token, with status 2", async () => {
    const busy = await listen(() => new Response("taken"), { port: 0 });
    try {
      const r = cli(["serve", "-m", file, "-p", String(busy.port)]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/error: cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
    } finally {
      await busy.close();
    }
    const bad = cli(["serve", "-m", "models:/nobody/Production", "--tracking-uri", mlruns, "-p", "0"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/error: .*nobody/);
    const noToken = cli(["serve", "-m", file, "--auth-reads"], undefined, { HANDGESTURE_AUTH_TOKEN: "" });
    expect(noToken.status).toBe(2);
    expect(noToken.stderr).toMatch(/--auth-reads needs a token/);
    const help = cli(["serve", "--help"]);
    expect(help.stdout).toMatch(/--auth-reads/);
    expect(help.stdout).toMatch(/--workers/);
  });
});
