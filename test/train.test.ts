import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Classifier } from "../src/core/estimator.js";
import { encodeLabels, type Labels, takeLabels } from "../src/core/labels.js";
import { type Matrix, takeRows } from "../src/core/matrix.js";
import { classificationReport } from "../src/core/metrics.js";
import { crossValidate, stratifiedKFold, stratifiedShuffleSplit } from "../src/core/model-selection.js";
import { buildPipeline } from "../src/core/pipelines.js";
import { TrackingClient } from "../src/tracking/client.js";
import type { Run } from "../src/tracking/entities.js";
import { FileStore } from "../src/tracking/file-store.js";
import type { TrackingStore } from "../src/tracking/store.js";
import type { TrainSummary } from "../src/train/train.js";
import { cli } from "./cli.js";
import { loadTable } from "./data.js";
import { DEV_CSV, hasShared } from "./shared.js";
import { startTrackingServer, type TestTrackingServer } from "./tracking-server.js";

const ready = hasShared("data", "hagrid_sample_dev.csv");
const dir = mkdtempSync(join(tmpdir(), "handgesture-train-"));
const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), "../src/cli/main.ts");

/** The CLI in a child process without blocking this one (a server in this process must keep answering). */
function cliAsync(args: string[], onStderr?: (text: string) => void) {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
    onStderr?.(stderr);
  });
  const done = new Promise<{ status: number | null; stdout: string; stderr: string }>((ok) =>
    child.once("exit", (status) => ok({ status, stdout, stderr })),
  );
  return { child, done };
}

async function allRuns(store: TrackingStore, experimentId: string): Promise<Run[]> {
  const out: Run[] = [];
  let pageToken: string | undefined;
  do {
    const page = await store.searchRuns({ experimentIds: [experimentId], maxResults: 1000, pageToken });
    out.push(...page.items);
    pageToken = page.next_page_token;
  } while (pageToken);
  return out;
}

/** Scores a model by label names (the model's classes may be ordered or subset differently from y's). */
function evaluate(model: Classifier, X: Matrix, y: Labels) {
  const pred = model.predict(X);
  const code = new Map(y.classes.map((c, i) => [c, i]));
  return classificationReport(
    y.codes,
    pred.map((p) => code.get(p) as number),
    y.classes,
  );
}

const tag = (run: Run, key: string) => run.data.tags.find((t) => t.key === key)?.value;
const metric = (run: Run, key: string) => run.data.metrics.find((m) => m.key === key)?.value;

/** PNG width and height from the IHDR chunk (after checking the signature). */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
  expect(Array.from(bytes.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

describe.skipIf(!ready)("train on the dev sample with the default grids", () => {
  const mlruns = join(dir, "default-mlruns");
  let summary: TrainSummary;
  let store: FileStore;
  let runs: Run[];

  beforeAll(() => {
    const r = cli(["train", "--data", DEV_CSV, "--tracking-uri", mlruns, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    summary = JSON.parse(r.stdout);
    store = new FileStore(mlruns);
  }, 600_000);

  it("tracks a session run, a run per family and a finished run per grid point with CV metrics", async () => {
    runs = await allRuns(store, summary.experimentId);
    const kinds = (k: string) => runs.filter((r) => tag(r, "handgesture.kind") === k);
    expect(kinds("train-session").map((r) => r.info.run_id)).toEqual([summary.sessionRunId]);
    const families = kinds("family");
    expect(families.map((r) => r.info.run_name).sort()).toEqual(["knn", "logreg", "mlp", "rf", "shape-logreg", "vote"]);
    const points = kinds("grid-point");
    // The seed's 12 + 12 + 18 points, then vote 4, mlp 2, shape-logreg 3.
    expect(points.length).toBe(51);
    for (const r of runs) expect(r.info.status).toBe("FINISHED");
    for (const f of families) {
      expect(tag(f, "mlflow.parentRunId")).toBe(summary.sessionRunId);
      const children = points.filter((p) => tag(p, "mlflow.parentRunId") === f.info.run_id);
      expect(children.length).toBe(
        { knn: 12, logreg: 12, rf: 18, vote: 4, mlp: 2, "shape-logreg": 3 }[f.info.run_name as string],
      );
      for (const p of children) {
        for (const m of ["accuracy", "macro_precision", "macro_recall", "macro_f1"]) {
          const mean = metric(p, `cv_${m}_mean`) as number;
          // Far above chance (1/18) for every point; the weakest is l2 logistic regression with C=0.1 (about 0.5).
          expect(mean).toBeGreaterThan(0.3);
          expect(mean).toBeLessThanOrEqual(1);
          expect(metric(p, `cv_${m}_std`)).toBeGreaterThanOrEqual(0);
        }
        expect(metric(p, "mean_fit_time")).toBeGreaterThanOrEqual(0);
      }
      // The family's best CV macro-F1 is the highest of its points'.
      const best = Math.max(...children.map((p) => metric(p, "cv_macro_f1_mean") as number));
      expect(metric(f, "cv_macro_f1_mean")).toBe(best);
      // Dataset inputs: the training and held-out parts with digest, schema and profile.
      expect(
        f.inputs.dataset_inputs.map((i) => i.tags.find((t) => t.key === "mlflow.data.context")?.value).sort(),
      ).toEqual(["evaluation", "training"]);
      const trainInput = f.inputs.dataset_inputs.find((i) => i.dataset.name.endsWith("-train"));
      expect(JSON.parse(trainInput?.dataset.profile ?? "{}").num_rows).toBe(summary.data.trainRows);
    }
    // A grid point's params are the whole pipeline's, as logged strings.
    const knnPoint = points.find((p) => tag(p, "handgesture.family") === "knn") as Run;
    expect(knnPoint.data.params.map((p) => p.key)).toEqual(
      expect.arrayContaining(["knn__n_neighbors", "knn__weights", "knn__metric"]),
    );
  });

  it("logs readable images, a report and a model per family, and the dataset pictures on the session", async () => {
    for (const f of summary.families) {
      const png = await store.readArtifact(f.runId, "confusion_matrix.png");
      const { width, height } = pngSize(png);
      expect(width).toBeGreaterThan(700); // 18 labelled rows and columns
      expect(height).toBeGreaterThan(600);
      const rep = JSON.parse(new TextDecoder().decode(await store.readArtifact(f.runId, "classification_report.json")));
      expect(rep.macro_f1).toBeCloseTo(f.test.macro_f1, 12);
      expect(Object.keys(rep.per_class).length).toBe(18);
      // The family's model is an MLflow 3 logged model of that run (models:/m-<id>), its files under the model.
      expect(f.modelUri).toMatch(/^models:\/m-[0-9a-f]{32}$/);
      const modelId = f.modelUri.slice("models:/".length);
      expect((await store.getLoggedModel(modelId)).info.source_run_id).toBe(f.runId);
      const files = (await store.listLoggedModelArtifacts(modelId)).map((a) => a.path);
      expect(files).toEqual(expect.arrayContaining(["MLmodel", "model.json"]));
    }
    for (const name of ["class_distribution.png", "hand_landmarks.png", "family_comparison.png"]) {
      pngSize(await store.readArtifact(summary.sessionRunId, name));
    }
  });

  it("logs rejection per family: the held-out trade-off, its curve, and the model file's rejector", async () => {
    runs ??= await allRuns(store, summary.experimentId);
    for (const f of summary.families) {
      const run = runs.find((r) => r.info.run_id === f.runId) as Run;
      const recall = metric(run, "test_gesture_recall") as number;
      const accepted = metric(run, "test_nongesture_acceptance") as number;
      // A threshold keeping 99% of held-out gestures: most held-out gestures named, synthetic non-gestures mostly not.
      expect(recall, f.family).toBeGreaterThan(0.8);
      expect(recall, f.family).toBeLessThanOrEqual(metric(run, "test_gesture_acceptance") as number);
      expect(accepted, f.family).toBeLessThan(0.6);
      expect(metric(run, "test_macro_f1_with_rejection"), f.family).toBeLessThanOrEqual(1);
      expect(metric(run, "test_rejection_auc"), f.family).toBeGreaterThan(0.5);
      const { width } = pngSize(await store.readArtifact(f.runId, "rejection_curve.png"));
      expect(width).toBeGreaterThan(400);
      const rj = JSON.parse(new TextDecoder().decode(await store.readArtifact(f.runId, "rejection.json")));
      expect(rj.summary.nongesture_acceptance).toBeCloseTo(accepted, 12);
      expect(rj.summary.curve.length).toBeGreaterThan(10);
      const modelId = f.modelUri.slice("models:/".length);
      const file = JSON.parse(new TextDecoder().decode(await store.readLoggedModelArtifact(modelId, "model.json")));
      expect(file.version).toBe(2);
      expect(file.rejection.threshold).toBeCloseTo(metric(run, "rejection_threshold") as number, 12);
    }
    const session = runs.find((r) => r.info.run_id === summary.sessionRunId) as Run;
    expect(metric(session, "best_test_nongesture_acceptance")).toBeGreaterThanOrEqual(0);
  });

  it("reports CV and held-out figures that an independent computation reproduces", () => {
    const table = loadTable(DEV_CSV);
    const y = encodeLabels(table.labels);
    const split = stratifiedShuffleSplit(y, { testSize: 0.2, seed: 42 });
    expect(summary.data.trainRows).toBe(split.train.length);
    const Xtr = takeRows(table.X, split.train);
    const ytr = takeLabels(y, split.train);
    const knn = summary.families.find((f) => f.family === "knn");
    if (!knn) throw new Error("no knn family in the summary");
    const cv = crossValidate(() => buildPipeline("seed-knn", knn.best.params), Xtr, ytr, stratifiedKFold(ytr));
    expect(knn.best.cv.macro_f1.mean).toBe(cv.scores.macro_f1.mean);
    const model = buildPipeline("seed-knn", knn.best.params).fit(Xtr, ytr);
    const rep = evaluate(model, takeRows(table.X, split.test), takeLabels(y, split.test));
    expect(knn.test.macro_f1).toBeCloseTo(rep.macro_f1, 12);
    expect(knn.test.accuracy).toBeCloseTo(rep.accuracy, 12);
  });

  it("registers the winner by held-out macro-F1: the training-split fit, then the full refit in Production", async () => {
    const best = Math.max(...summary.families.map((f) => f.test.macro_f1));
    expect(summary.winner.testMacroF1).toBe(best);
    expect(summary.families.find((f) => f.family === summary.winner.family)?.test.macro_f1).toBe(best);
    expect(summary.winner.testMacroF1).toBeGreaterThan(0.9);
    const reg = summary.registered;
    expect(reg?.name).toBe("hand-gesture");
    const [fitted, refit] = reg?.versions ?? [];
    expect(fitted.stage).toBe("None");
    expect(refit.stage).toBe("Production");
    expect(Number(refit.version)).toBe(Number(fitted.version) + 1);
    const client = new TrackingClient(store);
    const prod = await client.loadModel("models:/hand-gesture/Production");
    expect(prod.file.training.rows).toBe(942);
    expect(prod.runId).toBe(summary.sessionRunId);
    const first = await client.loadModel(`models:/hand-gesture/${fitted.version}`);
    expect(first.file.training.rows).toBe(summary.data.trainRows);
    // The refit predicts the rows it was fitted on at least as well as the held-out score promises.
    const table = loadTable(DEV_CSV);
    const rep = evaluate(prod.model, table.X, encodeLabels(table.labels));
    expect(rep.accuracy).toBeGreaterThan(summary.winner.testMacroF1 - 0.02);
  });

  it("prints a summary table naming the winner", () => {
    const r = cli([
      "train",
      "--data",
      DEV_CSV,
      "--tracking-uri",
      mlruns,
      "--models",
      "knn",
      "--no-register",
      "--experiment",
      "table",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/family\s+pipeline\s+points\s+best params\s+CV macro-F1/);
    expect(r.stdout).toMatch(/winner: knn, held-out macro-F1 0\.\d{4}/);
    expect(r.stderr).toMatch(/grid points 12\/12/);
  });
});

describe.skipIf(!ready)("train: determinism, registry stages, REST store, errors, Ctrl-C", () => {
  const grid = join(dir, "small-grid.yaml");
  writeFileSync(
    grid,
    [
      "families:",
      "  knn:",
      "    grid:",
      "      knn__n_neighbors: [1, 3]",
      "  rf:",
      "    pipeline: seed-rf",
      "    grid:",
      "      rf__n_estimators: [5, 10]",
      "      rf__max_depth: [4, none]",
      "",
    ].join("\n"),
  );
  let server: TestTrackingServer;
  beforeAll(async () => {
    server = await startTrackingServer(new FileStore(join(dir, "server-mlruns")));
  });
  afterAll(async () => {
    await server?.close();
  });

  it("gives the same results with 1 and 2 worker threads, and archives the previous Production version", async () => {
    const mlruns = join(dir, "det-mlruns");
    const run = (jobs: string) => {
      const r = cli(["train", "--data", DEV_CSV, "--grid", grid, "--jobs", jobs, "--tracking-uri", mlruns, "--json"]);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as TrainSummary;
    };
    const one = run("1");
    const two = run("2");
    expect(one.jobs).toBe(1);
    expect(two.jobs).toBe(2);
    const strip = (s: TrainSummary) => s.families.map(({ family, best, test }) => ({ family, best, test }));
    expect(strip(two)).toEqual(strip(one));
    expect(two.winner.family).toBe(one.winner.family);
    const store = new FileStore(mlruns);
    for (const f of one.families) {
      const a = await store.readArtifact(f.runId, "cv_results.json");
      const b = await store.readArtifact(
        two.families.find((g) => g.family === f.family)?.runId ?? "",
        "cv_results.json",
      );
      const scores = (bytes: Uint8Array) =>
        JSON.parse(new TextDecoder().decode(bytes)).map((p: { macro_f1: unknown; accuracy: unknown }) => [
          p.macro_f1,
          p.accuracy,
        ]);
      expect(scores(b)).toEqual(scores(a));
    }
    const versions = (await store.searchModelVersions({ filter: "name = 'hand-gesture'" })).items;
    const stage = (v: string | undefined) => versions.find((x) => x.version === v)?.current_stage;
    expect(stage(one.registered?.versions[1].version)).toBe("Archived");
    expect(stage(two.registered?.versions[1].version)).toBe("Production");
    expect(versions.filter((v) => v.current_stage === "Production").length).toBe(1);
  });

  it("logs to a tracking server over MLflow's REST API", async () => {
    const { done } = cliAsync([
      "train",
      "--data",
      DEV_CSV,
      "--grid",
      grid,
      "--tracking-uri",
      server.url,
      "--experiment",
      "over-rest",
      "--json",
    ]);
    const r = await done;
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as TrainSummary;
    const store = new FileStore(join(dir, "server-mlruns"));
    const runs = await allRuns(store, s.experimentId);
    expect(runs.length).toBe(1 + 2 + 2 + 4);
    const prod = await new TrackingClient(store).loadModel("models:/hand-gesture/Production");
    expect(prod.runId).toBe(s.sessionRunId);
    pngSize(await store.readArtifact(s.families[0].runId, "confusion_matrix.png"));
  });

  it("refuses unknown families and broken grid files with exit 2 and a message", () => {
    const unknown = cli(["train", "--data", DEV_CSV, "--models", "knn,svm", "--tracking-uri", join(dir, "x")]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown model family "svm".*knn, logreg, rf, vote, mlp, shape-logreg/);
    const badGrid = join(dir, "bad-grid.json");
    writeFileSync(badGrid, JSON.stringify({ families: { knn: { grid: { knn__n_neighbours: [3] } } } }));
    const bad = cli(["train", "--data", DEV_CSV, "--grid", badGrid, "--tracking-uri", join(dir, "x")]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bad-grid\.json: model family "knn".*unknown parameter "n_neighbours"/);
    const notYaml = join(dir, "broken.yaml");
    writeFileSync(notYaml, "families: [unclosed\n");
    const broken = cli(["train", "--data", DEV_CSV, "--grid", notYaml, "--tracking-uri", join(dir, "x")]);
    expect(broken.status).toBe(2);
    expect(broken.stderr).toMatch(/broken\.yaml: not valid YAML/);
  });

  it("on Ctrl-C marks the runs in progress KILLED, keeps finished ones, and leaves a readable store", async () => {
    const mlruns = join(dir, "int-mlruns");
    let sent = false;
    const { child, done } = cliAsync(
      ["train", "--data", DEV_CSV, "--models", "logreg,knn", "--jobs", "1", "--tracking-uri", mlruns],
      (err) => {
        // Interrupt once some grid points are done and logged, with more to come.
        if (!sent && /grid points [1-9]\d*\/24/.test(err)) {
          sent = true;
          child.kill("SIGINT");
        }
      },
    );
    const r = await done;
    expect(sent).toBe(true);
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(/interrupted: marked \d+ open run\(s\) KILLED/);
    const store = new FileStore(mlruns);
    const exp = await store.getExperimentByName("handgesture-train");
    const runs = await allRuns(store, exp?.experiment_id ?? "");
    const statuses = runs.map((x) => x.info.status);
    expect(statuses).not.toContain("RUNNING");
    expect(statuses).toContain("KILLED");
    // The session and both family runs were open.
    const open = runs.filter((x) => tag(x, "handgesture.kind") !== "grid-point");
    expect(open.map((x) => x.info.status)).toEqual(["KILLED", "KILLED", "KILLED"]);
    expect(runs.some((x) => tag(x, "handgesture.kind") === "grid-point" && x.info.status === "FINISHED")).toBe(true);
  });
});
