/**
 * The whole training run on the 25k bench file: the seed's three grids (KNN 12, logistic regression 12, random
 * forest 18 points; 42 points x 5 folds = 210 cross-validated fits), the held-out fit of each family's best, the
 * refit of the winner on every row, every run tracked in a fresh local store. Prints wall time, CPU time and the
 * process's peak memory (worker threads included), beside scikit-learn 1.2.1's GridSearchCV on the same work.
 *
 *   node --import tsx bench/train.ts [--jobs N] [--csv path] [--models knn,logreg,rf] [--sklearn]
 *
 * --sklearn runs scikit-learn's GridSearchCV(n_jobs=2) on the same split and grids in the same run (needs
 * /usr/bin/python3 with scikit-learn, e.g. Debian's python3-sklearn, which is 1.2.1; takes about 18 minutes).
 * Without it, the figures measured on this project's machine are printed for comparison.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { defaultFamily } from "../src/core/grid.js";
import { readLandmarkCsv } from "../src/node/data.js";
import { FileStore } from "../src/tracking/file-store.js";
import { train } from "../src/train/train.js";
import { BENCH_CSV } from "../test/shared.js";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: String(availableParallelism()) },
    csv: { type: "string", default: BENCH_CSV },
    models: { type: "string", default: "knn,logreg,rf" },
    sklearn: { type: "boolean", default: false },
  },
});
const csv = values.csv as string;
if (!existsSync(csv)) {
  console.error(`bench file not found: ${csv}`);
  process.exit(1);
}
const families = (values.models as string).split(",").map(defaultFamily);

/** scikit-learn 1.2.1, GridSearchCV(n_jobs=2, cv=StratifiedKFold(5, shuffle, 42)) on the 80% training split. */
const SKLEARN_REFERENCE: Record<string, number> = { knn: 84, logreg: 334, rf: 664 };

const dir = mkdtempSync(join(tmpdir(), "handgesture-bench-train-"));
const store = new FileStore(join(dir, "mlruns"));
const table = await readLandmarkCsv(csv);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const s = await train({
  table,
  source: csv,
  families,
  store,
  jobs: Number(values.jobs),
  onProgress: (p) => {
    if (p.message) console.error(`${(p.elapsedMs / 1000).toFixed(1)} s: ${p.message}`);
  },
});
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const peakMiB = process.resourceUsage().maxRSS / 1024;
rmSync(dir, { recursive: true, force: true });

console.log(`\nhandgesture train: ${table.X.rows} rows, ${s.data.trainRows} train / ${s.data.testRows} held-out,`);
console.log(
  `  ${families.map((f) => f.name).join(", ")}; ${s.folds}-fold CV; ${s.jobs} worker threads; tracked to a local store`,
);
console.log(
  `  wall ${wall.toFixed(1)} s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, peak RSS ${peakMiB.toFixed(0)} MiB`,
);
console.log("\nfamily  best params (CV)                                  CV macro-F1        held-out macro-F1");
for (const f of s.families) {
  const params = Object.entries(f.best.params)
    .map(([k, v]) => `${k.split("__").pop()}=${v}`)
    .join(" ");
  console.log(
    `${f.family.padEnd(7)} ${params.padEnd(49)} ${f.best.cv.macro_f1.mean.toFixed(4)} ± ${f.best.cv.macro_f1.std.toFixed(4)}  ${f.test.macro_f1.toFixed(4)}`,
  );
}
console.log(`winner: ${s.winner.family}`);

const SKLEARN = `
import sys, time, json, numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.ensemble import RandomForestClassifier
raw = np.genfromtxt(sys.argv[1], delimiter=",", skip_header=1, dtype=str)
X = raw[:, :63].astype(float).reshape(-1, 21, 3)
X[:, :, :2] -= X[:, :1, :2]
X[:, :, :2] /= np.hypot(X[:, 12, 0], X[:, 12, 1])[:, None, None]
X, y = X.reshape(-1, 63), raw[:, 63]
Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, stratify=y, random_state=42)
grids = {
  "knn": (KNeighborsClassifier(), {"n_neighbors": [3, 5, 7], "weights": ["uniform", "distance"], "metric": ["euclidean", "manhattan"]}),
  "logreg": (LogisticRegression(), {"C": [0.1, 1, 10], "penalty": ["l2", "none"], "max_iter": [500, 1000]}),
  "rf": (RandomForestClassifier(random_state=42), {"n_estimators": [50, 100, 200], "max_depth": [10, 20, None], "min_samples_split": [2, 5]}),
}
out = {}
for name in sys.argv[2].split(","):
  est, grid = grids[name]
  t = time.perf_counter()
  gs = GridSearchCV(est, grid, cv=StratifiedKFold(5, shuffle=True, random_state=42), scoring="f1_macro", n_jobs=2).fit(Xtr, ytr)
  out[name] = {"seconds": time.perf_counter() - t, "cv_macro_f1": gs.best_score_, "params": {k: str(v) for k, v in gs.best_params_.items()}}
print(json.dumps(out))
`;

console.log("\nscikit-learn 1.2.1, GridSearchCV(n_jobs=2), same grids and split size:");
if (values.sklearn) {
  const r = spawnSync("/usr/bin/python3", ["-W", "ignore", "-c", SKLEARN, csv, values.models as string], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) {
    console.log(`  could not run: ${r.stderr.trim().split("\n").pop()}`);
  } else {
    const res = JSON.parse(r.stdout) as Record<string, { seconds: number; cv_macro_f1: number; params: object }>;
    let total = 0;
    for (const [name, v] of Object.entries(res)) {
      total += v.seconds;
      console.log(
        `  ${name.padEnd(7)} ${v.seconds.toFixed(1)} s, best CV macro-F1 ${v.cv_macro_f1.toFixed(4)} ${JSON.stringify(v.params)}`,
      );
    }
    console.log(
      `  together ${total.toFixed(1)} s (without refits or tracking): handgesture is ${(total / wall).toFixed(1)}x faster`,
    );
  }
} else {
  let total = 0;
  for (const f of families) {
    const ref = SKLEARN_REFERENCE[f.name];
    if (ref === undefined) continue;
    total += ref;
    console.log(`  ${f.name.padEnd(7)} ${ref} s (measured on this project's 2-core machine; --sklearn to re-run here)`);
  }
  console.log(`  together ${total} s: handgesture is ${(total / wall).toFixed(1)}x faster`);
}
