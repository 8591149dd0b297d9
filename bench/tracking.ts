/**
 * Logging speed: 10,000 metric points and 1,000 params into one run, through the file store and through the REST
 * store (to this project's tracking server, `handgesture ui`'s app, over loopback, backed by a file store), each in batches the way
 * MLflow's client sends them (log_batch: at most 1,000 metrics and 100 params a call) and one call per value.
 *
 *   node --import tsx bench/tracking.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listen } from "../src/server/http.js";
import { createTrackingApp } from "../src/server/tracking/app.js";
import type { Metric, Param } from "../src/tracking/entities.js";
import { FileStore } from "../src/tracking/file-store.js";
import { RestStore } from "../src/tracking/rest-store.js";
import type { TrackingStore } from "../src/tracking/store.js";

const METRICS = 10_000;
const PARAMS = 1_000;

function chunks<T>(a: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < a.length; i += n) out.push(a.slice(i, i + n));
  return out;
}

async function measure(label: string, store: TrackingStore): Promise<string[]> {
  const exp = await store.createExperiment(`bench-${Date.now()}-${Math.random()}`);
  const t0 = Date.now();
  const metrics: Metric[] = Array.from({ length: METRICS }, (_, i) => ({
    key: "loss",
    value: 1 / (i + 1),
    timestamp: t0 + i,
    step: i,
  }));
  const params: Param[] = Array.from({ length: PARAMS }, (_, i) => ({ key: `p${i}`, value: String(i) }));
  const rows: string[] = [];

  let run = (await store.createRun({ experimentId: exp })).info.run_id;
  let s = performance.now();
  for (const c of chunks(metrics, 1000)) await store.logBatch(run, { metrics: c });
  for (const c of chunks(params, 100)) await store.logBatch(run, { params: c });
  rows.push(`${label.padEnd(12)} batched       ${((performance.now() - s) / 1000).toFixed(3)} s`);
  const back = await store.getMetricHistory(run, "loss");
  if (back.length !== METRICS) throw new Error(`${label}: read back ${back.length} points, expected ${METRICS}`);

  run = (await store.createRun({ experimentId: exp })).info.run_id;
  s = performance.now();
  for (const m of metrics) await store.logMetric(run, m);
  for (const p of params) await store.logParam(run, p);
  rows.push(`${label.padEnd(12)} one by one    ${((performance.now() - s) / 1000).toFixed(3)} s`);
  return rows;
}

const dir = mkdtempSync(join(tmpdir(), "handgesture-bench-"));
try {
  const out: string[] = [`${METRICS} metric points + ${PARAMS} params into one run, node ${process.version}`];
  out.push(...(await measure("file store", new FileStore(join(dir, "file")))));
  const server = await listen(createTrackingApp({ store: new FileStore(join(dir, "rest")) }).fetch, { port: 0 });
  try {
    out.push(...(await measure("REST store", new RestStore(server.url))));
  } finally {
    await server.close();
  }
  console.log(out.join("\n"));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
