/**
 * Random forest speed on the 25k bench file with the seed's features, side by side with scikit-learn when
 * /usr/bin/python3 has it: fit time of 200 trees (wall and CPU), single-row predict p50/p99, model JSON size.
 *
 *   node --import tsx bench/forest.ts [trees=200] [csv=../shared/data/hagrid_bench_25k.csv]
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { RandomForestClassifier } from "../src/core/estimators/forest.js";
import { row } from "../src/core/matrix.js";
import { loadSeed } from "../test/data.js";
import { BENCH_CSV } from "../test/shared.js";

const trees = Number(process.argv[2] ?? 200);
const csv = process.argv[3] ?? BENCH_CSV;
if (!existsSync(csv)) {
  console.error(`bench file not found: ${csv}`);
  process.exit(1);
}

const SKLEARN = `
import sys, time, json, numpy as np
from sklearn.ensemble import RandomForestClassifier
raw = np.genfromtxt(sys.argv[1], delimiter=",", skip_header=1, dtype=str)
X = raw[:, :63].astype(float).reshape(-1, 21, 3)
X[:, :, :2] -= X[:, :1, :2]
X[:, :, :2] /= np.hypot(X[:, 12, 0], X[:, 12, 1])[:, None, None]
X = X.reshape(-1, 63)
w, c = time.perf_counter(), time.process_time()
rf = RandomForestClassifier(int(sys.argv[2]), random_state=42).fit(X, raw[:, 63])
w, c = time.perf_counter() - w, time.process_time() - c
x = X[:1]
for _ in range(20): rf.predict_proba(x)
t = []
for _ in range(200):
    s = time.perf_counter(); rf.predict_proba(x); t.append(time.perf_counter() - s)
t.sort()
nodes = sum(e.tree_.node_count for e in rf.estimators_)
print(json.dumps({"wall": w, "cpu": c, "nodes": int(nodes), "p50": t[100], "p99": t[197]}))
`;

function sklearnFit(): { wall: number; cpu: number; nodes: number; p50: number; p99: number } | string {
  const py = "/usr/bin/python3";
  if (!existsSync(py) || spawnSync(py, ["-c", "import sklearn"]).status !== 0) return "not available";
  const r = spawnSync(py, ["-c", SKLEARN, csv, String(trees)], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) return `failed: ${r.stderr.trim().split("\n").pop()}`;
  return JSON.parse(r.stdout.trim().split("\n").pop() as string);
}

const { X, y } = loadSeed(csv);
console.log(`data: ${X.rows} rows x ${X.cols} features, ${y.classes.length} classes; ${trees} trees, random_state 42`);

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const rf = new RandomForestClassifier({ n_estimators: trees, random_state: 42 }).fit(X, y);
const fitWall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const fitCpu = (cpu.user + cpu.system) / 1e6;

// Single-row latency: cycle through rows so the trees are walked along different paths.
const out = new Float64Array(y.classes.length);
for (let i = 0; i < 5000; i++) rf.predictProbaRow(row(X, (i * 7919) % X.rows), out);
const calls = 20000;
const ns = new Float64Array(calls);
for (let i = 0; i < calls; i++) {
  const x = row(X, (i * 104729) % X.rows);
  const s = process.hrtime.bigint();
  rf.predictProbaRow(x, out);
  ns[i] = Number(process.hrtime.bigint() - s);
}
ns.sort();
const us = (q: number) => ns[Math.min(calls - 1, Math.floor(q * calls))] / 1000;

const tj = performance.now();
const json = JSON.stringify(rf.toJSON());
const toJsonMs = performance.now() - tj;
const tl = performance.now();
RandomForestClassifier.fromJSON(JSON.parse(json));
const loadMs = performance.now() - tl;
const { nodes } = rf.size;

const sk = sklearnFit();
const f = (v: number, d = 2) => v.toFixed(d);
console.log(`\n                      handgesture    scikit-learn`);
if (typeof sk === "string") {
  console.log(`fit wall (s)          ${f(fitWall).padStart(11)}    ${sk}`);
  console.log(`fit cpu (s)           ${f(fitCpu).padStart(11)}`);
  console.log(`nodes (all trees)     ${String(nodes).padStart(11)}`);
  console.log(`predict 1 row p50 us  ${f(us(0.5), 1).padStart(11)}`);
  console.log(`predict 1 row p99 us  ${f(us(0.99), 1).padStart(11)}`);
} else {
  console.log(`fit wall (s)          ${f(fitWall).padStart(11)}    ${f(sk.wall).padStart(12)}`);
  console.log(`fit cpu (s)           ${f(fitCpu).padStart(11)}    ${f(sk.cpu).padStart(12)}`);
  console.log(`nodes (all trees)     ${String(nodes).padStart(11)}    ${String(sk.nodes).padStart(12)}`);
  console.log(`predict 1 row p50 us  ${f(us(0.5), 1).padStart(11)}    ${f(sk.p50 * 1e6, 1).padStart(12)}`);
  console.log(`predict 1 row p99 us  ${f(us(0.99), 1).padStart(11)}    ${f(sk.p99 * 1e6, 1).padStart(12)}`);
}
console.log(
  `model JSON            ${f(json.length / 1e6)} MB (toJSON+stringify ${f(toJsonMs, 0)} ms, parse+fromJSON ${f(loadMs, 0)} ms)`,
);
console.log(`load average          ${readLoad()}`);

function readLoad(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "n/a";
  }
}
