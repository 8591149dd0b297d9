/**
 * One workload on every tracking store, side by side with MLflow 3's own stores where MLflow is installed:
 *   1. 10,000 metric points and 1,000 params batched into one run (1,000 metrics / 100 params a log_batch call);
 *   2. 500 runs, each created with one param and one metric;
 *   3. a filtered, ordered search over those 500 runs;
 *   4. the 10,000-point history of the metric of (1).
 * Stores: the file store (mlruns/), SQLite, PostgreSQL (when HANDGESTURE_BENCH_POSTGRES_URL or
 * HANDGESTURE_TEST_POSTGRES_URL names a server; a database of its own is created and dropped), and the REST store
 * through `handgesture ui`'s tracking app over SQLite. MLflow's figures come from bench/mlflow_stores.py, run with
 * the same workload when `python3 -c "import mlflow"` works (or HANDGESTURE_MLFLOW_PYTHON names a python that has
 * it; PYTHONPATH as you need it).
 *
 *   node --import tsx bench/stores.ts [--runs 500] [--skip-mlflow]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { listen } from "../src/server/http.js";
import { createTrackingApp } from "../src/server/tracking/app.js";
import type { Metric, Param } from "../src/tracking/entities.js";
import { FileStore } from "../src/tracking/file-store.js";
import { RestStore } from "../src/tracking/rest-store.js";
import { openSqlStore } from "../src/tracking/sql/index.js";
import type { TrackingStore } from "../src/tracking/store.js";

const METRICS = 10_000;
const PARAMS = 1_000;
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const RUNS = Number(arg("--runs") ?? 500);
const HERE = dirname(fileURLToPath(import.meta.url));

interface Figures {
  batchedS: number;
  msPerRun: number;
  searchMs: number;
  historyMs: number;
  found: number;
}

function chunks<T>(a: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < a.length; i += n) out.push(a.slice(i, i + n));
  return out;
}

async function workload(store: TrackingStore): Promise<Figures> {
  const exp = await store.createExperiment(`bench-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const t0 = Date.now();
  const metrics: Metric[] = Array.from({ length: METRICS }, (_, i) => ({
    key: "loss",
    value: 1 / (i + 1),
    timestamp: t0 + i,
    step: i,
  }));
  const params: Param[] = Array.from({ length: PARAMS }, (_, i) => ({ key: `p${i}`, value: String(i) }));

  const big = (await store.createRun({ experimentId: exp })).info.run_id;
  let s = performance.now();
  for (const c of chunks(metrics, 1000)) await store.logBatch(big, { metrics: c });
  for (const c of chunks(params, 100)) await store.logBatch(big, { params: c });
  const batchedS = (performance.now() - s) / 1000;

  s = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const run = (await store.createRun({ experimentId: exp, runName: `run-${i}` })).info.run_id;
    await store.logParam(run, { key: "family", value: i % 2 === 0 ? "knn" : "rf" });
    await store.logMetric(run, { key: "f1", value: i / RUNS, timestamp: t0 + i, step: 0 });
  }
  const msPerRun = (performance.now() - s) / RUNS;

  s = performance.now();
  const found = await store.searchRuns({
    experimentIds: [exp],
    filter: "metrics.f1 > 0.5 and params.family = 'knn'",
    orderBy: ["metrics.f1 DESC"],
    maxResults: 1000,
  });
  const searchMs = performance.now() - s;

  s = performance.now();
  const history = await store.getMetricHistory(big, "loss");
  const historyMs = performance.now() - s;
  if (history.length !== METRICS) throw new Error(`read back ${history.length} points, expected ${METRICS}`);
  return { batchedS, msPerRun, searchMs, historyMs, found: found.items.length };
}

const rows: [string, Figures | string][] = [];
const dir = mkdtempSync(join(tmpdir(), "handgesture-bench-stores-"));
try {
  rows.push(["ours: file store", await workload(new FileStore(join(dir, "mlruns")))]);

  const sqlite = await openSqlStore(`sqlite:///${join(dir, "bench.db")}`, { defaultArtifactRoot: join(dir, "art") });
  rows.push(["ours: SQLite", await workload(sqlite)]);
  await sqlite.close();

  const pgUrl = process.env.HANDGESTURE_BENCH_POSTGRES_URL || process.env.HANDGESTURE_TEST_POSTGRES_URL;
  if (pgUrl) {
    const name = `hg_bench_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const url = new URL(pgUrl);
      url.pathname = `/${name}`;
      const store = await openSqlStore(url.href, { defaultArtifactRoot: join(dir, "pg-art") });
      rows.push(["ours: PostgreSQL", await workload(store)]);
      await store.close();
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    }
  } else {
    rows.push(["ours: PostgreSQL", "skipped: set HANDGESTURE_BENCH_POSTGRES_URL"]);
  }

  const backing = await openSqlStore(`sqlite:///${join(dir, "rest.db")}`, {
    defaultArtifactRoot: join(dir, "rest-art"),
  });
  const server = await listen(createTrackingApp({ store: backing }).fetch, { port: 0 });
  try {
    rows.push(["ours: REST → ui → SQLite", await workload(new RestStore(server.url))]);
  } finally {
    await server.close();
    await backing.close();
  }

  if (!process.argv.includes("--skip-mlflow")) {
    const python = process.env.HANDGESTURE_MLFLOW_PYTHON || "python3";
    const r = spawnSync(python, [join(HERE, "mlflow_stores.py"), join(dir, "mlflow"), String(RUNS)], {
      encoding: "utf8",
      cwd: dir,
      env: { ...process.env, MLFLOW_ALLOW_FILE_STORE: "true" },
    });
    if (r.status === 0) {
      const mlflow = JSON.parse(r.stdout.trim().split("\n").at(-1) as string) as Record<string, Figures | string>;
      for (const [label, f] of Object.entries(mlflow)) rows.push([label, f]);
    } else {
      rows.push(["MLflow", `not run: ${(r.stderr || r.error?.message || "").trim().split("\n").at(-1)}`]);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `node ${process.version}; ${METRICS} points + ${PARAMS} params batched; ${RUNS} runs of 1 param + 1 metric`,
);
console.log(
  `${"store".padEnd(28)}${"batched".padStart(10)}${"per run".padStart(11)}${"search".padStart(11)}${"history".padStart(11)}`,
);
for (const [label, f] of rows) {
  if (typeof f === "string") {
    console.log(`${label.padEnd(28)}${f}`);
    continue;
  }
  console.log(
    `${label.padEnd(28)}${`${f.batchedS.toFixed(3)} s`.padStart(10)}${`${f.msPerRun.toFixed(2)} ms`.padStart(11)}` +
      `${`${f.searchMs.toFixed(1)} ms`.padStart(11)}${`${f.historyMs.toFixed(1)} ms`.padStart(11)}  (${f.found} found)`,
  );
}
