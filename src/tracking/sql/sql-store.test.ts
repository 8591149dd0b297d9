/**
 * What is particular to the SQL store, checked in the tables themselves against mlflow3-compat.md §9–§10 (the
 * behaviour shared with every store is the conformance suite's): ids, status and stage encodings, NaN and ±inf,
 * metrics linked to logged models, registry rows, artifact locations, search done in SQL, all-or-nothing batches.
 * Runs on SQLite, and on PostgreSQL when a test server is given.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqlStore, type SqlStore } from "./sql-store.js";
import { freshPostgresDatabase, POSTGRES_URL } from "./testing.js";

const dir = mkdtempSync(join(tmpdir(), "hg-sql-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const backends: [string, () => Promise<{ uri: string; drop: () => Promise<void> }>][] = [
  ["SQLite", async () => ({ uri: `sqlite:///${join(dir, `s${Math.random()}.db`)}`, drop: async () => {} })],
];
if (POSTGRES_URL) backends.push(["PostgreSQL", () => freshPostgresDatabase()]);

describe.each(backends)("SqlStore on %s", (_name, makeDb) => {
  let store: SqlStore;
  let drop: () => Promise<void>;
  const root = join(dir, "mlruns");
  const proxied = join(dir, "mlartifacts");
  let clock = 1_700_000_000_000;

  beforeAll(async () => {
    const made = await makeDb();
    drop = made.drop;
    store = await openSqlStore(made.uri, {
      defaultArtifactRoot: root,
      artifactsDestination: proxied,
      now: () => ++clock,
    });
  });
  afterAll(async () => {
    await store.close();
    await drop();
  });

  const rows = (sql: string, params: (string | number)[] = []) => store.db.all<Record<string, unknown>>(sql, params);

  it("numbers experiments 0, 1, 2 (integers in the table, strings on the wire) under the artifact root", async () => {
    const a = await store.createExperiment("first");
    const b = await store.createExperiment("second", [], "mlflow-artifacts:/custom");
    expect([a, b]).toEqual(["1", "2"]);
    expect((await store.getExperiment("0")).artifact_location).toBe(`${root}/0`);
    expect((await store.getExperiment(a)).artifact_location).toBe(`${root}/1`);
    expect(await rows("SELECT experiment_id, workspace FROM experiments ORDER BY experiment_id")).toEqual([
      { experiment_id: 0, workspace: "default" },
      { experiment_id: 1, workspace: "default" },
      { experiment_id: 2, workspace: "default" },
    ]);
    await expect(store.getExperiment("99")).rejects.toMatchObject({ code: "RESOURCE_DOES_NOT_EXIST" });
    await expect(store.getExperiment("99999999999999")).rejects.toMatchObject({ code: "RESOURCE_DOES_NOT_EXIST" });
  });

  it("stores runs as MLflow's server does: 32-hex ids, status names, source_type UNKNOWN, deleted_time", async () => {
    const run = await store.createRun({ experimentId: "1", runName: "r" });
    const id = run.info.run_id;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(run.info.artifact_uri).toBe(`${root}/1/${id}/artifacts`);
    await store.updateRunInfo(id, "FINISHED", clock);
    expect(
      await rows("SELECT name, status, source_type, source_name, lifecycle_stage FROM runs WHERE run_uuid = ?", [id]),
    ).toEqual([{ name: "r", status: "FINISHED", source_type: "UNKNOWN", source_name: "", lifecycle_stage: "active" }]);
    await store.deleteRun(id);
    const [row] = await rows("SELECT status, lifecycle_stage, deleted_time FROM runs WHERE run_uuid = ?", [id]);
    expect(row).toMatchObject({ status: "FINISHED", lifecycle_stage: "deleted" });
    expect(Number(row.deleted_time)).toBeGreaterThan(0);
  });

  it("stores NaN as 0 with is_nan and ±inf as ±max double, keeps one row per point, and the latest by step", async () => {
    const id = (await store.createRun({ experimentId: "1" })).info.run_id;
    const points = [
      { key: "x", value: Number.NaN, timestamp: 5, step: 0 },
      { key: "x", value: 2, timestamp: 1, step: 3 },
      { key: "x", value: 9, timestamp: 9, step: 1 },
      { key: "up", value: Number.POSITIVE_INFINITY, timestamp: 1, step: 0 },
      { key: "down", value: Number.NEGATIVE_INFINITY, timestamp: 1, step: 0 },
    ];
    await store.logBatch(id, { metrics: points });
    await store.logBatch(id, { metrics: points }); // the same points again: no new rows
    const stored = await rows("SELECT key, value, step, is_nan FROM metrics WHERE run_uuid = ? ORDER BY key, step", [
      id,
    ]);
    expect(stored.map((r) => [r.key, r.value, r.step, Boolean(r.is_nan)])).toEqual([
      ["down", -1.7976931348623157e308, 0, false],
      ["up", 1.7976931348623157e308, 0, false],
      ["x", 0, 0, true],
      ["x", 9, 1, false],
      ["x", 2, 3, false],
    ]);
    const run = await store.getRun(id);
    expect(run.data.metrics.map((m) => [m.key, m.value, m.step])).toEqual([
      ["down", -1.7976931348623157e308, 0],
      ["up", 1.7976931348623157e308, 0],
      ["x", 2, 3],
    ]);
    const history = await store.getMetricHistory(id, "x");
    expect(history.map((m) => m.step)).toEqual([0, 1, 3]);
    expect(Number.isNaN(history[0].value)).toBe(true);
  });

  it("logs a batch all or nothing: a changed param rolls back the batch's metrics and tags", async () => {
    const id = (await store.createRun({ experimentId: "1" })).info.run_id;
    await store.logParam(id, { key: "lr", value: "0.1" });
    await store.logParam(id, { key: "lr", value: "0.1" }); // the same value again is fine
    await expect(
      store.logBatch(id, {
        metrics: [{ key: "lost", value: 1, timestamp: 1, step: 0 }],
        params: [
          { key: "fresh", value: "1" },
          { key: "lr", value: "0.2" },
        ],
        tags: [{ key: "lost", value: "x" }],
      }),
    ).rejects.toMatchObject({ code: "INVALID_PARAMETER_VALUE" });
    expect(await rows("SELECT key FROM metrics WHERE run_uuid = ?", [id])).toEqual([]);
    expect(await rows("SELECT key, value FROM params WHERE run_uuid = ?", [id])).toEqual([{ key: "lr", value: "0.1" }]);
    expect(await rows("SELECT key FROM tags WHERE run_uuid = ? AND key = 'lost'", [id])).toEqual([]);
  });

  it("keeps logged models as MLflow 3: integer status, soft delete, model metrics in three tables", async () => {
    const runId = (await store.createRun({ experimentId: "1" })).info.run_id;
    const model = await store.createLoggedModel({ experimentId: "1", name: "clf", sourceRunId: runId });
    const mid = model.info.model_id;
    expect(mid).toMatch(/^m-[0-9a-f]{32}$/);
    expect(model.info.artifact_uri).toBe(`${root}/1/models/${mid}/artifacts`);
    await store.logOutputs(runId, [{ model_id: mid, step: 0 }]);
    await store.logMetric(runId, {
      key: "acc",
      value: 0.9,
      timestamp: 7,
      step: 0,
      model_id: mid,
      dataset_name: "d",
      dataset_digest: "abc",
    });
    expect(
      await rows("SELECT status, lifecycle_stage, model_type FROM logged_models WHERE model_id = ?", [mid]),
    ).toEqual([{ status: 1, lifecycle_stage: "active", model_type: "" }]);
    await store.finalizeLoggedModel(mid, "LOGGED_MODEL_READY");
    expect(await rows("SELECT status FROM logged_models WHERE model_id = ?", [mid])).toEqual([{ status: 2 }]);
    expect((await rows("SELECT key FROM metrics WHERE run_uuid = ?", [runId])).length).toBe(1);
    expect((await rows("SELECT key FROM latest_metrics WHERE run_uuid = ?", [runId])).length).toBe(1);
    expect(
      await rows(
        "SELECT metric_name, metric_value, run_id, dataset_name, dataset_digest FROM logged_model_metrics WHERE model_id = ?",
        [mid],
      ),
    ).toEqual([{ metric_name: "acc", metric_value: 0.9, run_id: runId, dataset_name: "d", dataset_digest: "abc" }]);
    expect(
      await rows("SELECT source_type, source_id, destination_type, step FROM inputs WHERE destination_id = ?", [mid]),
    ).toEqual([{ source_type: "RUN_OUTPUT", source_id: runId, destination_type: "MODEL_OUTPUT", step: 0 }]);
    expect((await store.getRun(runId)).outputs).toEqual({ model_outputs: [{ model_id: mid, step: 0 }] });
    const found = await store.searchLoggedModels({
      experimentIds: ["1"],
      filter: "metrics.acc > 0.5 AND status = 2 AND name = 'clf'",
      orderBy: [{ field_name: "metrics.acc", ascending: false }],
    });
    expect(found.items.map((m) => m.info.model_id)).toEqual([mid]);
    await store.deleteLoggedModel(mid);
    await store.deleteLoggedModel(mid);
    expect(await rows("SELECT lifecycle_stage FROM logged_models WHERE model_id = ?", [mid])).toEqual([
      { lifecycle_stage: "deleted" },
    ]);
    await expect(store.getLoggedModel(mid)).rejects.toThrow(`Logged model with ID '${mid}' not found.`);
    expect((await store.getLoggedModel(mid, true)).info.status).toBe("LOGGED_MODEL_READY");
  });

  it("registers a logged model as MLflow 3's SQL store: storage_location, run from the model, no model_id column", async () => {
    const runId = (await store.createRun({ experimentId: "1" })).info.run_id;
    const mid = (await store.createLoggedModel({ experimentId: "1", name: "reg", sourceRunId: runId })).info.model_id;
    await store.createRegisteredModel("m");
    const v1 = await store.createModelVersion({ name: "m", source: `models:/${mid}`, modelId: mid });
    expect(v1).toMatchObject({ version: "1", current_stage: "None", run_id: runId, model_id: mid });
    expect(
      await rows("SELECT version, current_stage, source, run_id, storage_location, workspace FROM model_versions"),
    ).toEqual([
      {
        version: 1,
        current_stage: "None",
        source: `models:/${mid}`,
        run_id: runId,
        storage_location: `${root}/1/models/${mid}/artifacts`,
        workspace: "default",
      },
    ]);
    expect(await store.getModelVersionDownloadUri("m", "1")).toBe(`${root}/1/models/${mid}/artifacts`);
    await store.createModelVersion({ name: "m", source: "/somewhere" });
    await store.deleteModelVersion("m", "2");
    expect((await store.createModelVersion({ name: "m", source: "/else" })).version).toBe("3");
    await store.setRegisteredModelAlias("m", "champion", "1");
    await store.renameRegisteredModel("m", "renamed");
    expect(await rows("SELECT name, alias, version FROM registered_model_aliases")).toEqual([
      { name: "renamed", alias: "champion", version: 1 },
    ]);
    expect((await store.getModelVersionByAlias("renamed", "champion")).version).toBe("1");
    await expect(
      store.createModelVersion({ name: "renamed", source: "models:/m-00000000000000000000000000000000" }),
    ).rejects.toThrow(/Logged model with ID 'm-0{32}' not found/);
  });

  it("resolves mlflow-artifacts:/ under the artifacts destination and refuses other schemes and escapes", async () => {
    const run = await store.createRun({ experimentId: "2" });
    expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/custom/${run.info.run_id}/artifacts`);
    await store.logArtifact(run.info.run_id, "sub/a.txt", "hi");
    expect(readFileSync(join(proxied, "custom", run.info.run_id, "artifacts", "sub", "a.txt"), "utf8")).toBe("hi");
    await expect(store.logArtifact(run.info.run_id, "../../x", "no")).rejects.toThrow();
    const s3 = await store.createExperiment("remote", [], "s3://bucket/path");
    const remote = await store.createRun({ experimentId: s3 });
    await expect(store.listArtifacts(remote.info.run_id)).rejects.toThrow(/not local/);
  });

  it("searches in SQL with the file store's semantics: case-sensitive LIKE, missing values never match, paging", async () => {
    const exp = await store.createExperiment("search");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = (await store.createRun({ experimentId: exp, runName: i % 2 ? "Odd" : "even", startTime: 1000 + i }))
        .info.run_id;
      ids.push(id);
      if (i < 4) await store.logMetric(id, { key: "acc", value: i / 10, timestamp: 1, step: 0 });
    }
    const names = async (filter: string, orderBy?: string[]) =>
      (await store.searchRuns({ experimentIds: [exp], filter, orderBy })).items.map((r) => r.info.run_id);
    expect(await names("attributes.run_name LIKE 'odd'")).toEqual([]);
    expect((await names("attributes.run_name ILIKE 'odd'")).length).toBe(2);
    expect((await names("metrics.acc != 0.1")).sort()).toEqual([ids[0], ids[2], ids[3]].sort());
    expect(await names("", ["metrics.acc DESC"])).toEqual([ids[3], ids[2], ids[1], ids[0], ids[4]]);
    expect(await names("", ["metrics.acc ASC"])).toEqual([ids[0], ids[1], ids[2], ids[3], ids[4]]);
    const first = await store.searchRuns({ experimentIds: [exp], maxResults: 2 });
    expect(first.items.map((r) => r.info.run_id)).toEqual([ids[4], ids[3]]);
    const second = await store.searchRuns({ experimentIds: [exp], maxResults: 2, pageToken: first.next_page_token });
    expect(second.items.map((r) => r.info.run_id)).toEqual([ids[2], ids[1]]);
    const last = await store.searchRuns({ experimentIds: [exp], maxResults: 2, pageToken: second.next_page_token });
    expect(last.items.map((r) => r.info.run_id)).toEqual([ids[0]]);
    expect(last.next_page_token).toBeUndefined();
  });
});
