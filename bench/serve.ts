/**
 * `handgesture serve` under load: autocannon on loopback against POST /invocations (dataframe_split, as the seed's
 * client sends it), 1 hand and 100 hands per request, with 1 and 2 workers; model = the seed's random forest
 * (200 trees) fitted on the dev sample. Requests/s and p50/p99 latency, beside MLflow 2.12's `models serve`
 * measured on this machine with the same model, payloads and load.
 *
 *   node --import tsx bench/serve.ts [--duration 10] [--connections 8] [--csv path] [--pipeline seed-rf]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { encodeLabels } from "../src/core/labels.js";
import { COLUMNS } from "../src/core/landmarks.js";
import { fromRows, row } from "../src/core/matrix.js";
import { buildPipeline } from "../src/core/pipelines.js";
import { saveModel } from "../src/node/model-io.js";
import { loadTable } from "../test/data.js";
import { DEV_CSV } from "../test/shared.js";

interface Histogram {
  average: number;
  p50: number;
  p99: number;
}
interface CannonResult {
  requests: Histogram & { total: number };
  latency: Histogram;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Cannon = (options: Record<string, unknown>) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)("autocannon") as Cannon;

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "8" },
    csv: { type: "string", default: DEV_CSV },
    pipeline: { type: "string", default: "seed-rf" },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);

/** MLflow 2.12 `mlflow models serve` on this machine (same model, payloads, 8 connections, 10 s). */
const MLFLOW: Record<string, { rps: number; p50?: number; p99?: number }> = {
  "1 worker, 1 hand": { rps: 84, p50: 92, p99: 158 },
  "1 worker, 100 hands": { rps: 66 },
  "2 workers, 1 hand": { rps: 170, p50: 45, p99: 83 },
  "2 workers, 100 hands": { rps: 125 },
};

const table = loadTable(values.csv as string);
const model = buildPipeline(values.pipeline as string).fit(table.X, encodeLabels(table.labels));
const dir = mkdtempSync(join(tmpdir(), "handgesture-bench-serve-"));
const modelFile = join(dir, "model.json");
await saveModel(modelFile, model);

const rowsOf = (n: number) => Array.from({ length: n }, (_, k) => Array.from(row(table.X, (k * 37) % table.X.rows)));
const payloads = [1, 100].map((n) => {
  const rows = rowsOf(n);
  return {
    hands: n,
    body: JSON.stringify({ dataframe_split: { columns: COLUMNS, data: rows } }),
    expected: JSON.stringify({ predictions: model.predict(fromRows(rows)) }),
  };
});

const MAIN = resolve(import.meta.dirname, "../src/cli/main.ts");

function startServer(workers: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", MAIN, "serve", "-m", modelFile, "-p", "0", "--workers", String(workers)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((ok, fail) => {
    let out = "";
    child.stdout?.setEncoding("utf8").on("data", (d) => {
      out += d;
      const m = /serving \S+ on (http:\/\/\S+)/.exec(out);
      if (m) ok({ child, url: m[1] });
    });
    child.once("exit", (code) => fail(new Error(`serve exited ${code}`)));
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((ok) => {
    child.once("exit", () => ok());
    child.kill("SIGTERM");
  });
}

const fmt = (x: number, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
/** autocannon measures latency in whole milliseconds. */
const ms = (x: number) => (x < 1 ? "< 1" : fmt(x));
const results: string[][] = [
  ["", "req/s", "p50 (ms)", "p99 (ms)", "MLflow req/s", "MLflow p50 / p99 (ms)", "× MLflow"],
];
console.log(
  `node ${process.version}; model ${values.pipeline} fitted on ${table.X.rows} rows; ` +
    `autocannon ${connections} connections, ${duration} s per case, after a 2 s warm-up`,
);
for (const workers of [1, 2]) {
  const { child, url } = await startServer(workers);
  try {
    for (const p of payloads) {
      const target = { url: `${url}/invocations`, method: "POST", headers: { "content-type": "application/json" } };
      const check = await fetch(target.url, { method: "POST", headers: target.headers, body: p.body });
      if ((await check.text()) !== p.expected) throw new Error("the server's answer differs from model.predict");
      await autocannon({ ...target, body: p.body, connections, duration: 2 }); // warm-up: JIT, connections
      const r = await autocannon({ ...target, body: p.body, connections, duration });
      if (r.non2xx || r.errors || r.timeouts) {
        throw new Error(`${r.non2xx} non-2xx answers, ${r.errors} errors, ${r.timeouts} timeouts`);
      }
      const label = `${workers} worker${workers > 1 ? "s" : ""}, ${p.hands} hand${p.hands > 1 ? "s" : ""}`;
      const ml = MLFLOW[label];
      results.push([
        label,
        fmt(r.requests.average),
        ms(r.latency.p50),
        ms(r.latency.p99),
        fmt(ml.rps),
        ml.p50 ? `${ml.p50} / ${ml.p99}` : "",
        `${fmt(r.requests.average / ml.rps, 1)}×`,
      ]);
      console.error(`${label}: ${fmt(r.requests.average)} req/s (${r.requests.total} requests)`);
    }
  } finally {
    await stopServer(child);
  }
}
rmSync(dir, { recursive: true, force: true });

const widths = results[0].map((_, c) => Math.max(...results.map((r) => r[c].length)));
console.log(
  `\n${results.map((r) => r.map((v, c) => (c ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join("  ")).join("\n")}`,
);
