/**
 * Per pipeline: fit time on the 25k bench file, model file size, and the time of one single-hand prediction
 * (features + model, the allocation-free path the server and browser use), p50 and p99 over many calls after
 * warm-up. Prints one table.
 *
 *   node --import tsx bench/predict.ts [--pipelines a,b] [--csv path] [--calls 20000]
 *
 * For comparison, scikit-learn 1.2.1 on this machine per single-hand `predict` call: 52 µs (logistic
 * regression), 0.8 ms (KNN on 25k rows), 4.7 ms (random forest, 200 trees).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseLandmarkCsv } from "../src/core/csv.js";
import { encodeLabels } from "../src/core/labels.js";
import { fromModelFile, toModelFile } from "../src/core/model-file.js";
import { buildPipeline, PIPELINES } from "../src/core/pipelines.js";
import { BENCH_CSV } from "../test/shared.js";

const { values } = parseArgs({
  options: {
    pipelines: { type: "string", default: Object.keys(PIPELINES).join(",") },
    csv: { type: "string", default: BENCH_CSV },
    calls: { type: "string", default: "20000" },
  },
});
const calls = Number(values.calls);
const t0 = performance.now();
const table = parseLandmarkCsv(readFileSync(values.csv as string, "utf8"), { file: values.csv });
const parseMs = performance.now() - t0;
const y = encodeLabels(table.labels);
console.log(`${values.csv}: ${table.X.rows} rows, parsed in ${parseMs.toFixed(0)} ms; node ${process.version}`);

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const rows: string[][] = [["pipeline", "fit (s)", "model file", "predict p50 (µs)", "predict p99 (µs)"]];
for (const name of (values.pipelines as string).split(",")) {
  const model = buildPipeline(name);
  const f0 = performance.now();
  model.fit(table.X, y);
  const fitS = (performance.now() - f0) / 1000;
  const text = JSON.stringify(toModelFile(model, { pipeline_name: name }));
  // Time the model as a user gets it: loaded back from its file.
  const loaded = fromModelFile(text).model;
  const out = new Float64Array(loaded.classes.length);
  const hands = Array.from({ length: 997 }, (_, k) => {
    const i = (k * 7919) % table.X.rows;
    return table.X.data.subarray(i * 63, (i + 1) * 63);
  });
  for (let i = 0; i < 2000; i++) loaded.predictProbaRow(hands[i % hands.length], out); // warm-up (JIT)
  const times = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const s = performance.now();
    loaded.predictProbaRow(hands[i % hands.length], out);
    times[i] = performance.now() - s;
  }
  times.sort();
  rows.push([
    name,
    fitS.toFixed(2),
    `${(text.length / 1048576).toFixed(2)} MB`,
    (percentile(times, 0.5) * 1000).toFixed(1),
    (percentile(times, 0.99) * 1000).toFixed(1),
  ]);
  console.log(rows[rows.length - 1].join("  "));
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
console.log();
for (const r of rows) console.log(r.map((v, c) => v.padStart(widths[c])).join("  "));
