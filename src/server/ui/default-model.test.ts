import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadTable } from "../../../test/data.js";
import { DEV_CSV, hasShared } from "../../../test/shared.js";
import type { HandgestureError } from "../../core/errors.js";
import { encodeLabels } from "../../core/labels.js";
import { fromRows, takeRows } from "../../core/matrix.js";
import { buildPipeline } from "../../core/pipelines.js";
import { readModel } from "../../node/model-io.js";
import { TrackingClient } from "../../tracking/client.js";
import { FileStore } from "../../tracking/file-store.js";
import { DEFAULT_MODEL_EXPERIMENT, DEFAULT_MODEL_FILE, ensureProductionModel } from "./default-model.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const NAME = "hand-gesture";
const MODEL_BYTES = readFileSync(DEFAULT_MODEL_FILE);
const CARD_BYTES = readFileSync(join(dirname(DEFAULT_MODEL_FILE), "MODEL_CARD.md"));
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

let root: string;
let client: TrackingClient;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "hg-default-model-"));
  client = new TrackingClient(new FileStore(root));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const ensure = () => ensureProductionModel(client, { name: NAME, modelFile: DEFAULT_MODEL_FILE });

async function versions(name: string) {
  return (await client.store.searchModelVersions({ filter: `name = '${name}'` })).items;
}

/** Registers a small KNN fitted on made-up rows as a new version of NAME, in `stage` (through client `c`). */
async function registerOther(stage: "Production" | "Staging", c: TrackingClient = client) {
  const rows = Array.from({ length: 6 }, (_, i) => Array.from({ length: 63 }, (_, j) => ((i * 7 + j * 13) % 17) + i));
  const knn = buildPipeline("seed-knn", { knn__n_neighbors: 1 }).fit(
    fromRows(rows),
    encodeLabels(["a", "b", "a", "b", "a", "b"]),
  );
  const exp = await c.getOrCreateExperiment("elsewhere");
  const uri = await c.withRun(exp, { runName: "other" }, (run) => c.logModel(run.info.run_id, knn));
  await c.store.createRegisteredModel(NAME).catch((e: HandgestureError) => {
    if (e.code !== "RESOURCE_ALREADY_EXISTS") throw e;
  });
  const v = await c.store.createModelVersion({ name: NAME, source: uri, runId: uri.split("/")[1] });
  return c.store.transitionModelVersionStage(NAME, v.version, stage, false);
}

describe("DEFAULT_MODEL_FILE", () => {
  it("is <repo>/models/default/model.json, a loadable model file", async () => {
    expect(DEFAULT_MODEL_FILE).toBe(join(REPO, "models", "default", "model.json"));
    const { model, file } = await readModel(DEFAULT_MODEL_FILE);
    expect(file.training.pipeline_name).toBe("handshape-vote-aug");
    expect(model.classes).toHaveLength(18);
  });
});

describe("ensureProductionModel", () => {
  it("registers the shipped model as version 1 in Production of an empty store, with its provenance", async () => {
    const got = await ensure();
    expect(got.registered).toBe(true);
    expect(got.version).toBe("1");

    const [prod] = await client.store.getLatestVersions(NAME, ["Production"]);
    expect(prod.version).toBe("1");
    expect(prod.source).toBe(got.source);
    expect(await versions(NAME)).toHaveLength(1);

    // The run: in its experiment, named, finished, tagged with where the model came from.
    const exp = await client.store.getExperimentByName(DEFAULT_MODEL_EXPERIMENT);
    expect(exp).not.toBeNull();
    const run = await client.store.getRun(prod.run_id);
    expect(run.info.experiment_id).toBe(exp?.experiment_id);
    expect(run.info.run_name).toBe("default-model");
    expect(run.info.status).toBe("FINISHED");
    const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
    expect(tags["handgesture.source"]).toBe("models/default/model.json");
    expect(tags["handgesture.model_sha256"]).toBe(sha256(MODEL_BYTES));
    expect(tags["handgesture.training.pipeline_name"]).toBe("handshape-vote-aug");
    expect(tags["handgesture.training.rows"]).toBe("942");
    expect(tags["handgesture.registered"]).toBe(`${NAME}/1`);
    expect(run.data.params.find((p) => p.key === "vote__forest__rf__n_estimators")?.value).toBe("100");

    // An MLflow 3 logged model of that run: its model file is the shipped one byte for byte, the card beside it.
    expect(prod.source).toMatch(/^models:\/m-[0-9a-f]{32}$/);
    const modelId = prod.source.slice("models:/".length);
    expect((await client.store.getLoggedModel(modelId)).info).toMatchObject({
      source_run_id: prod.run_id,
      status: "LOGGED_MODEL_READY",
    });
    const logged = await client.store.readLoggedModelArtifact(modelId, "model.json");
    expect(sha256(logged)).toBe(sha256(MODEL_BYTES));
    expect(Buffer.from(await client.store.readLoggedModelArtifact(modelId, "MODEL_CARD.md"))).toEqual(CARD_BYTES);
    const files = (await client.store.listLoggedModelArtifacts(modelId)).map((f) => f.path).sort();
    expect(files).toEqual(["MLmodel", "MODEL_CARD.md", "model.json"]);
  });

  it.skipIf(!hasShared("data", "hagrid_sample_dev.csv"))(
    "the Production model predicts exactly what the shipped file does",
    async () => {
      await ensure();
      const { model: registered, version } = await client.loadModel(`models:/${NAME}/Production`);
      expect(version).toBe("1");
      const { model: shipped } = await readModel(DEFAULT_MODEL_FILE);
      const table = loadTable(DEV_CSV);
      const idx = Array.from({ length: 48 }, (_, i) => i * 19); // one row in every 19, across all classes
      const X = takeRows(table.X, idx);
      const labels = registered.predict(X);
      expect(labels).toEqual(shipped.predict(X));
      expect(Array.from(registered.predictProba(X).data)).toEqual(Array.from(shipped.predictProba(X).data));
      // and it is a real model: it names these training rows right
      const truth = idx.map((i) => table.labels[i]);
      expect(labels.filter((l, i) => l === truth[i]).length).toBeGreaterThanOrEqual(47);
      expect(new Set(truth).size).toBeGreaterThanOrEqual(15);
    },
  );

  it("does nothing the second time: same version, still one version, one run", async () => {
    const first = await ensure();
    const before = await client.store.getModelVersion(NAME, first.version);
    const second = await ensure();
    expect(second).toEqual({ registered: false, version: first.version, source: first.source });
    expect(await versions(NAME)).toHaveLength(1);
    expect(await client.store.getModelVersion(NAME, first.version)).toEqual(before);
    const exp = await client.store.getExperimentByName(DEFAULT_MODEL_EXPERIMENT);
    const runs = await client.store.searchRuns({ experimentIds: [exp?.experiment_id ?? ""] });
    expect(runs.items).toHaveLength(1);
  });

  it("leaves a registry that already has another Production model untouched", async () => {
    const other = await registerOther("Production");
    const modelBefore = await client.store.getRegisteredModel(NAME);
    const got = await ensure();
    expect(got).toEqual({ registered: false, version: other.version, source: other.source });
    expect(await versions(NAME)).toHaveLength(1);
    expect(await client.store.getRegisteredModel(NAME)).toEqual(modelBefore);
    expect(await client.store.getExperimentByName(DEFAULT_MODEL_EXPERIMENT)).toBeNull();
    const { model } = await client.loadModel(`models:/${NAME}/Production`);
    expect(model.classes).toEqual(["a", "b"]);
  });

  it("registers beside versions that are not in Production, leaving them as they are", async () => {
    const staging = await registerOther("Staging");
    const got = await ensure();
    expect(got).toMatchObject({ registered: true, version: "2" });
    expect((await client.store.getModelVersion(NAME, staging.version)).current_stage).toBe("Staging");
    const { model } = await client.loadModel(`models:/${NAME}/Production`);
    expect(model.classes).toHaveLength(18);
  });

  it("two calls at once: both succeed and exactly one Production version remains", async () => {
    const results = await Promise.all([ensure(), ensure()]);
    const prod = await client.store.getLatestVersions(NAME, ["Production"]);
    expect(prod).toHaveLength(1);
    expect(results.map((r) => r.version)).toContain(prod[0].version);
    expect(results.some((r) => r.registered)).toBe(true);
    const stages = (await versions(NAME)).map((v) => v.current_stage);
    expect(stages.filter((s) => s === "Production")).toHaveLength(1);
    expect(stages.filter((s) => s === "Archived")).toHaveLength(stages.length - 1);
  });

  it("never archives a model someone else moves to Production while it registers: the default steps back", async () => {
    // Another registration (say `train` finishing) lands between the last Production check and the transition.
    const real = new FileStore(root);
    const other = new TrackingClient(real);
    let theirs: { version: string; source: string } | undefined;
    const store = new Proxy(real, {
      get(target, prop) {
        if (prop === "createModelVersion") {
          return async (options: Parameters<FileStore["createModelVersion"]>[0]) => {
            theirs ??= await registerOther("Production", other);
            return target.createModelVersion(options);
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    client = new TrackingClient(store);
    const got = await ensure();
    expect(theirs?.version).toBe("1");
    expect(got).toEqual({ registered: false, version: "1", source: theirs?.source });
    expect((await client.store.getModelVersion(NAME, "1")).current_stage).toBe("Production");
    expect((await client.store.getModelVersion(NAME, "2")).current_stage).toBe("Archived");
    const { model } = await client.loadModel(`models:/${NAME}/Production`);
    expect(model.classes).toEqual(["a", "b"]);
  });

  it("refuses a file that is not a model, naming it, and registers nothing", async () => {
    const notAModel = join(REPO, "package.json");
    await expect(ensureProductionModel(client, { name: NAME, modelFile: notAModel })).rejects.toThrow(notAModel);
    await expect(client.store.getRegisteredModel(NAME)).rejects.toMatchObject({ code: "RESOURCE_DOES_NOT_EXIST" });
  });
});
