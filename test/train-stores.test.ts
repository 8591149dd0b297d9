import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Run, TrackingStore } from "../src/tracking/index.js";
import { openSqlStore } from "../src/tracking/sql/index.js";
import { cli } from "./cli.js";
import { testPostgresUrl } from "./postgres.js";
import { DEV_CSV, hasShared } from "./shared.js";

/**
 * `handgesture train` into the database stores, and the default store MLflow ≥ 3.7 chooses: sqlite:///mlflow.db
 * in a fresh folder (artifacts in ./mlruns, as MLflow's client puts them), the file store where ./mlruns holds runs.
 */
const ready = hasShared("data", "hagrid_sample_dev.csv");
const dir = mkdtempSync(join(tmpdir(), "handgesture-train-stores-"));
const grid = join(dir, "tiny-grid.yaml");
writeFileSync(grid, ["families:", "  knn:", "    grid:", "      knn__n_neighbors: [1, 3]", ""].join("\n"));
const NO_URI = { MLFLOW_TRACKING_URI: "" };

function train(args: string[], cwd = dir) {
  const r = cli(
    ["train", "--data", DEV_CSV, "--grid", grid, "--folds", "2", "--json", ...args],
    undefined,
    NO_URI,
    cwd,
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as {
    experimentId: string;
    sessionRunId: string;
    registered: { versions: { version: string; stage: string }[] };
  };
}

const tag = (run: Run, key: string) => run.data.tags.find((t) => t.key === key)?.value;

/** What a train session leaves: nested runs, logged models, a registered version in Production from a model. */
async function checkTrained(store: TrackingStore, summary: ReturnType<typeof train>) {
  const runs = (await store.searchRuns({ experimentIds: [summary.experimentId], maxResults: 100 })).items;
  const session = runs.find((r) => r.info.run_id === summary.sessionRunId) as Run;
  const family = runs.find((r) => tag(r, "handgesture.kind") === "family") as Run;
  const points = runs.filter((r) => tag(r, "handgesture.kind") === "grid-point");
  expect(tag(family, "mlflow.parentRunId")).toBe(session.info.run_id);
  expect(points.map((p) => tag(p, "mlflow.parentRunId"))).toEqual([family.info.run_id, family.info.run_id]);
  expect(family.inputs.dataset_inputs.map((d) => d.tags[0]?.value).sort()).toEqual(["evaluation", "training"]);
  const models = (await store.searchLoggedModels({ experimentIds: [summary.experimentId] })).items;
  expect(models.map((m) => m.info.source_run_id).sort()).toEqual([family.info.run_id, session.info.run_id].sort());
  for (const m of models) expect(m.info.status).toBe("LOGGED_MODEL_READY");
  const [prod] = await store.getLatestVersions("hand-gesture", ["Production"]);
  expect(prod.version).toBe(summary.registered.versions.find((v) => v.stage === "Production")?.version);
  const fromSession = models.find((m) => m.info.source_run_id === session.info.run_id);
  expect(prod.source).toBe(`models:/${fromSession?.info.model_id}`);
  expect(prod.run_id).toBe(session.info.run_id);
  const files = (await store.listLoggedModelArtifacts(fromSession?.info.model_id as string)).map((f) => f.path);
  expect(files).toContain("model.json");
}

describe.skipIf(!ready)("train into SQLite and PostgreSQL", () => {
  it("with no URI in a fresh folder: sqlite:///mlflow.db, artifacts under ./mlruns/<experiment>/", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "handgesture-fresh-"));
    const summary = train([], fresh);
    expect(existsSync(join(fresh, "mlflow.db"))).toBe(true);
    // MLflow's client on a database puts artifacts in <cwd>/mlruns/<experiment id>/…: the models under models/.
    const expDir = join(fresh, "mlruns", summary.experimentId);
    expect(readdirSync(expDir)).toContain("models");
    expect(readdirSync(expDir)).toContain(summary.sessionRunId);
    const store = await openSqlStore(`sqlite:///${join(fresh, "mlflow.db")}`);
    try {
      await checkTrained(store, summary);
    } finally {
      await store.close();
    }
    // Run again in the same folder: the same database, now with two sessions.
    const again = train([], fresh);
    expect(again.experimentId).toBe(summary.experimentId);
    const listed = cli(["runs", "list", "--experiment", "handgesture-train", "--json"], undefined, NO_URI, fresh);
    expect(listed.status, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).filter((r: Run) => tag(r, "handgesture.kind") === "train-session")).toHaveLength(
      2,
    );
  });

  it("with no URI where ./mlruns holds runs: keeps the file store, creates no mlflow.db", () => {
    const legacy = mkdtempSync(join(tmpdir(), "handgesture-legacy-"));
    const first = train(["--tracking-uri", join(legacy, "mlruns")], legacy);
    const second = train([], legacy);
    expect(second.experimentId).toBe(first.experimentId);
    expect(existsSync(join(legacy, "mlflow.db"))).toBe(false);
  });

  it("into PostgreSQL", async (ctx) => {
    const url = await testPostgresUrl();
    if (!url) return ctx.skip();
    const summary = train(["--tracking-uri", url]);
    const store = await openSqlStore(url);
    try {
      await checkTrained(store, summary);
    } finally {
      await store.close();
    }
  });

  it("refuses a URI scheme it does not know, and writes nothing", () => {
    const clean = mkdtempSync(join(tmpdir(), "handgesture-badscheme-"));
    const r = cli(["train", "--data", DEV_CSV, "--tracking-uri", "mysql://u@db/x"], undefined, NO_URI, clean);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error: tracking URI 'mysql:\/\/u@db\/x': the scheme 'mysql:' .*sqlite:\/\/\//);
    expect(readdirSync(clean)).toEqual([]);
  });
});
