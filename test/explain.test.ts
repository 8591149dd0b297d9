/**
 * What `train` logs for the misclassification explorer: evaluation/holdout.csv and evaluation/neighbors.json per
 * family, checked against the data file, the family's own classification report and a brute-force neighbour search.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Holdout, holdoutConfusion, type NeighborsFile, parseHoldoutCsv } from "../src/core/holdout.js";
import { encodeLabels } from "../src/core/labels.js";
import { stratifiedShuffleSplit } from "../src/core/model-selection.js";
import { FileStore } from "../src/tracking/file-store.js";
import type { TrainSummary } from "../src/train/train.js";
import { cli } from "./cli.js";
import { loadTable } from "./data.js";
import { DEV_CSV, hasShared } from "./shared.js";

const ready = hasShared("data", "hagrid_sample_dev.csv");
const dir = mkdtempSync(join(tmpdir(), "handgesture-explain-"));
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** The 210 pairwise 2-D distances over the palm size, written out plainly (not the library's code). */
function pairSpace(x: ArrayLike<number>): number[] {
  const d = (a: number, b: number) => Math.hypot(x[3 * a] - x[3 * b], x[3 * a + 1] - x[3 * b + 1]);
  const palm = (d(0, 5) + d(0, 9) + d(0, 13) + d(0, 17) + d(5, 17)) / 5;
  const out: number[] = [];
  for (let i = 0; i < 21; i++) for (let j = i + 1; j < 21; j++) out.push(d(i, j) / palm);
  return out;
}
const dist = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));

describe.skipIf(!ready)("train logs the held-out hands for the explorer", () => {
  const mlruns = join(dir, "mlruns");
  let summary: TrainSummary;
  let store: FileStore;
  const table = ready ? loadTable(DEV_CSV) : undefined;

  beforeAll(() => {
    const r = cli(["train", "--data", DEV_CSV, "--tracking-uri", mlruns, "--models", "knn,shape-logreg", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    summary = JSON.parse(r.stdout);
    store = new FileStore(mlruns);
  }, 300_000);

  async function artifacts(runId: string): Promise<{ csv: string; holdout: Holdout; neighbors: NeighborsFile }> {
    const csv = text(await store.readArtifact(runId, "evaluation/holdout.csv"));
    const neighbors = JSON.parse(text(await store.readArtifact(runId, "evaluation/neighbors.json")));
    return { csv, holdout: parseHoldoutCsv(csv), neighbors };
  }

  it("lists every held-out row of the data file with its true label and landmarks, and the report's counts", async () => {
    if (!table) throw new Error("no data");
    const y = encodeLabels(table.labels);
    const split = stratifiedShuffleSplit(y, { testSize: 0.2, seed: 42 });
    for (const f of summary.families) {
      const { csv, holdout } = await artifacts(f.runId);
      expect(csv.length, f.family).toBeLessThan(300_000);
      expect(holdout.rows.map((r) => r.row)).toEqual(Array.from(split.test));
      expect(holdout.classes).toEqual(y.classes);
      for (const r of holdout.rows) {
        expect(r.label).toBe(table.labels[r.row]);
        expect(r.line).toBe(r.row + 2); // header on line 1, no blank lines in the file
        expect(Array.from(r.landmarks)).toEqual(Array.from(table.X.data.subarray(r.row * 63, r.row * 63 + 63)));
        // The prediction is the most probable class (columns rounded to 6 digits), its probability that column's.
        const p = holdout.classes.indexOf(r.predicted);
        expect(Math.max(...r.proba)).toBeCloseTo(r.proba[p], 5);
        expect(r.proba[p]).toBeCloseTo(r.probability, 5);
        expect(r.proba.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
        expect(typeof r.accepted).toBe("boolean");
        expect(Number.isFinite(r.rejectionScore)).toBe(true);
      }
      // Same counts per cell as the confusion matrix train logs in classification_report.json.
      const rep = JSON.parse(text(await store.readArtifact(f.runId, "classification_report.json")));
      const mine = holdoutConfusion(holdout);
      const at = (c: string) => holdout.classes.indexOf(c);
      rep.confusion.labels.forEach((t: string, i: number) => {
        rep.confusion.labels.forEach((p: string, j: number) => {
          expect(mine[at(t)][at(p)], `${f.family} ${t} → ${p}`).toBe(rep.confusion.matrix[i][j]);
        });
      });
      const errors = holdout.rows.filter((r) => r.label !== r.predicted).length;
      expect(errors / holdout.rows.length).toBeCloseTo(1 - f.test.accuracy, 12);
      // The accepted share is the family's logged gesture acceptance (computed apart, in rejection-metrics).
      const run = await store.getRun(f.runId);
      const acceptance = run.data.metrics.find((m) => m.key === "test_gesture_acceptance")?.value;
      const accepted = holdout.rows.filter((r) => r.accepted).length / holdout.rows.length;
      expect(accepted).toBeCloseTo(acceptance as number, 12);
    }
  });

  it("lists, for each misclassified hand, the truly nearest training hands of its true and predicted class", async () => {
    if (!table) throw new Error("no data");
    const y = encodeLabels(table.labels);
    const split = stratifiedShuffleSplit(y, { testSize: 0.2, seed: 42 });
    const train = Array.from(split.train);
    const space = new Map(train.map((i) => [i, pairSpace(table.X.data.subarray(i * 63, i * 63 + 63))]));
    let checked = 0;
    for (const f of summary.families) {
      const { holdout, neighbors } = await artifacts(f.runId);
      expect(JSON.stringify(neighbors).length, f.family).toBeLessThan(300_000);
      expect(neighbors.format).toBe("handgesture-holdout-neighbors");
      expect(neighbors.space).toBe("pair-distances");
      expect(neighbors.k).toBe(5);
      const wrong = holdout.rows.filter((r) => r.label !== r.predicted);
      expect(neighbors.hands.map((h) => h.row)).toEqual(wrong.map((r) => r.row));
      for (const h of neighbors.hands) {
        expect(Object.keys(h.neighbors).sort()).toEqual([h.label, h.predicted].sort());
        const q = pairSpace(table.X.data.subarray(h.row * 63, h.row * 63 + 63));
        for (const [cls, list] of Object.entries(h.neighbors)) {
          // Brute force: every training hand of that class, sorted by distance.
          const all = train
            .filter((i) => table.labels[i] === cls)
            .map((i) => ({ row: i, d: dist(q, space.get(i) as number[]) }))
            .sort((a, b) => a.d - b.d);
          expect(list.map((n) => n.row)).toEqual(all.slice(0, 5).map((a) => a.row));
          list.forEach((n, k) => {
            expect(n.distance).toBeCloseTo(all[k].d, 9);
            expect(n.line).toBe(n.row + 2);
          });
          for (const n of list) {
            expect(neighbors.landmarks[n.row]).toEqual(Array.from(table.X.data.subarray(n.row * 63, n.row * 63 + 63)));
          }
          checked++;
        }
        expect(neighbors.landmarks[h.row]).toHaveLength(63);
      }
    }
    expect(checked).toBeGreaterThan(4); // the dev sample's families make a few mistakes each
  });

  it("reads in Python with nothing but the standard library", async () => {
    if (!existsSync("/usr/bin/python3")) return;
    const f = summary.families[0];
    const { holdout } = await artifacts(f.runId);
    const csvFile = join(dir, "holdout.csv");
    writeFileSync(csvFile, text(await store.readArtifact(f.runId, "evaluation/holdout.csv")));
    const jsonFile = join(dir, "neighbors.json");
    writeFileSync(jsonFile, text(await store.readArtifact(f.runId, "evaluation/neighbors.json")));
    const py = [
      "import csv, json, sys",
      "rows = list(csv.DictReader(open(sys.argv[1])))",
      "n = json.load(open(sys.argv[2]))",
      "wrong = [r['row'] for r in rows if r['label'] != r['predicted']]",
      "print(len(rows), len(wrong), len(n['hands']), float(rows[0]['x1']))",
    ].join("\n");
    const r = spawnSync("/usr/bin/python3", ["-c", py, csvFile, jsonFile], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const wrong = holdout.rows.filter((h) => h.label !== h.predicted).length;
    expect(r.stdout.trim()).toBe(`${holdout.rows.length} ${wrong} ${wrong} ${holdout.rows[0].landmarks[0]}`);
  });
});
