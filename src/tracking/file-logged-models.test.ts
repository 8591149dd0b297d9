/**
 * MLflow 3's logged models, run outputs and model inputs in the file store, checked against the layout the real
 * MLflow 3 wrote (/work/shared/docs/mlflow3-compat.md §3, §4, §12): file names, meta.yaml keys and values, metric
 * lines, and the behaviour of each call.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HandgestureError } from "../core/errors.js";
import { FileStore } from "./file-store.js";
import { parseYaml } from "./fs-util.js";

const NOW = 1796305318862;
const EXP = "721381710277638350";
const RUN = "b70857a7df34494ebee8cd66b4254bfb";
const MID = "m-ec28133d2abb44ee865650d2458edcd6";
const MID2 = "m-8de74f3ab5cf49da9deff5fb4e82fb7f";

let tmp: string;
let root: string;
let clock: number;
let store: FileStore;

async function rejectsWith(p: Promise<unknown>, code: string, message?: string | RegExp) {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(HandgestureError);
  expect((e as HandgestureError).code).toBe(code);
  if (typeof message === "string") expect((e as Error).message).toBe(message);
  else if (message) expect((e as Error).message).toMatch(message);
}

const text = (...parts: string[]) => readFile(join(root, ...parts), "utf8");

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "hg-lm-"));
  root = join(tmp, "mlruns");
  clock = NOW;
  const modelIds = [MID, MID2, "m-00000000000000000000000000000003", "m-00000000000000000000000000000004"];
  store = new FileStore(root, {
    now: () => clock++,
    newExperimentId: () => EXP,
    newRunId: () => RUN,
    newModelId: () => modelIds.shift() ?? "",
    user: "root",
  });
  await store.createExperiment("lm");
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("logged models on disk (MLflow 3's layout)", () => {
  it("writes models/<id>/meta.yaml with MLflow 3's keys, params/ and tags/ as raw values", async () => {
    const m = await store.createLoggedModel({
      experimentId: EXP,
      name: "model",
      sourceRunId: RUN,
      params: [{ key: "C", value: "1.0" }],
      tags: [{ key: "mlflow.user", value: "root" }],
    });
    expect(m.info.model_id).toBe(MID);
    expect(m.info.creation_timestamp_ms).toBeGreaterThanOrEqual(NOW);
    const meta = await text(EXP, "models", MID, "meta.yaml");
    const artifacts = `${pathToFileURL(root).href}/${EXP}/models/${MID}/artifacts`;
    // §12: artifact_location, creation_timestamp, experiment_id '<exp>', last_updated_timestamp, model_id,
    // model_type null, name, source_run_id, status integer, status_message null; no lifecycle_stage while live.
    expect(meta).toBe(
      [
        `artifact_location: ${artifacts}`,
        `creation_timestamp: ${m.info.creation_timestamp_ms}`,
        `experiment_id: '${EXP}'`,
        `last_updated_timestamp: ${m.info.creation_timestamp_ms}`,
        `model_id: ${MID}`,
        "model_type: null",
        "name: model",
        `source_run_id: ${RUN}`,
        "status: 1",
        "status_message: null",
        "",
      ].join("\n"),
    );
    expect(await text(EXP, "models", MID, "params", "C")).toBe("1.0");
    expect(await text(EXP, "models", MID, "tags", "mlflow.user")).toBe("root");
    expect(m.info.artifact_uri).toBe(artifacts);
    expect(m.info.status).toBe("LOGGED_MODEL_PENDING");
    expect(m.info.model_type).toBe("");
    expect(m.data.params).toEqual([{ key: "C", value: "1.0" }]);
  });

  it("finalize sets status 2 and bumps last_updated; delete is soft (lifecycle_stage: deleted), twice is fine", async () => {
    const created = await store.createLoggedModel({ experimentId: EXP, name: "model" });
    const ready = await store.finalizeLoggedModel(MID, "LOGGED_MODEL_READY");
    expect(ready.info.status).toBe("LOGGED_MODEL_READY");
    expect(ready.info.last_updated_timestamp_ms).toBeGreaterThan(created.info.last_updated_timestamp_ms);
    expect(parseYaml<Record<string, unknown>>(await text(EXP, "models", MID, "meta.yaml")).status).toBe(2);
    await store.finalizeLoggedModel(MID, "LOGGED_MODEL_UPLOAD_FAILED");
    expect(parseYaml<Record<string, unknown>>(await text(EXP, "models", MID, "meta.yaml")).status).toBe(3);
    await rejectsWith(
      store.finalizeLoggedModel(MID, "READY" as never),
      "INVALID_PARAMETER_VALUE",
      `Invalid value "READY" for parameter 'status' supplied`,
    );

    await store.deleteLoggedModel(MID);
    await store.deleteLoggedModel(MID);
    const meta = parseYaml<Record<string, unknown>>(await text(EXP, "models", MID, "meta.yaml"));
    expect(meta.lifecycle_stage).toBe("deleted");
    expect(await readdir(join(root, EXP, "models"))).toEqual([MID]);
    await rejectsWith(store.getLoggedModel(MID), "RESOURCE_DOES_NOT_EXIST", `Logged model with ID '${MID}' not found.`);
    expect((await store.getLoggedModel(MID, true)).info.model_id).toBe(MID);
    expect((await store.searchLoggedModels({ experimentIds: [EXP] })).items).toEqual([]);
  });

  it("refuses bad names with MLflow's message, an unknown experiment with 404, and names nameless models", async () => {
    await rejectsWith(
      store.createLoggedModel({ experimentId: EXP, name: "bad/name" }),
      "INVALID_PARAMETER_VALUE",
      `Invalid model name ('bad/name') provided. Model name must be a non-empty string and cannot contain the following characters: ('/', ':', '.', '%', '"', "'")`,
    );
    for (const name of ["a:b", "a.b", "50%", 'say"hi', "it's", ""]) {
      await rejectsWith(
        store.createLoggedModel({ experimentId: EXP, name }),
        "INVALID_PARAMETER_VALUE",
        /Invalid model name/,
      );
    }
    await rejectsWith(
      store.createLoggedModel({ experimentId: "999999" }),
      "RESOURCE_DOES_NOT_EXIST",
      "No Experiment with id=999999 exists",
    );
    const m = await store.createLoggedModel({ experimentId: EXP });
    expect(m.info.name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    await rejectsWith(
      store.getLoggedModel("not-an-id"),
      "RESOURCE_DOES_NOT_EXIST",
      "Logged model with ID 'not-an-id' not found.",
    );
  });

  it("upserts tags, deletes one (a missing key is 404 with MLflow's words), keeps params immutable", async () => {
    await store.createLoggedModel({ experimentId: EXP, name: "model", params: [{ key: "alpha", value: "0.1" }] });
    await store.setLoggedModelTags(MID, [
      { key: "stage", value: "dev" },
      { key: "owner", value: "me" },
    ]);
    await store.setLoggedModelTags(MID, [{ key: "stage", value: "prod" }]);
    await store.deleteLoggedModelTag(MID, "owner");
    expect((await store.getLoggedModel(MID)).info.tags).toEqual([{ key: "stage", value: "prod" }]);
    expect(await text(EXP, "models", MID, "tags", "stage")).toBe("prod");
    await rejectsWith(
      store.deleteLoggedModelTag(MID, "nokey"),
      "RESOURCE_DOES_NOT_EXIST",
      `No tag with key 'nokey' found for model with ID '${MID}'.`,
    );
    await store.logLoggedModelParams(MID, [{ key: "alpha", value: "0.1" }]);
    await store.logLoggedModelParams(MID, [{ key: "beta", value: "2" }]);
    await rejectsWith(store.logLoggedModelParams(MID, [{ key: "alpha", value: "0.2" }]), "INVALID_PARAMETER_VALUE");
    expect((await store.getLoggedModel(MID)).data.params).toEqual([
      { key: "alpha", value: "0.1" },
      { key: "beta", value: "2" },
    ]);
    await rejectsWith(store.setLoggedModelTags("m-missing", [{ key: "a", value: "b" }]), "RESOURCE_DOES_NOT_EXIST");
  });

  it("keeps artifacts under models/<id>/artifacts and never outside", async () => {
    await store.createLoggedModel({ experimentId: EXP, name: "model" });
    await store.logLoggedModelArtifact(MID, "MLmodel", "artifact_path: x\n");
    await store.logLoggedModelArtifact(MID, "data/model.pkl", new Uint8Array([1, 2, 3]));
    expect(await text(EXP, "models", MID, "artifacts", "MLmodel")).toBe("artifact_path: x\n");
    expect(await store.listLoggedModelArtifacts(MID)).toEqual([
      { path: "MLmodel", is_dir: false, file_size: 17 },
      { path: "data", is_dir: true },
    ]);
    expect(await store.listLoggedModelArtifacts(MID, "data")).toEqual([
      { path: "data/model.pkl", is_dir: false, file_size: 3 },
    ]);
    expect([...(await store.readLoggedModelArtifact(MID, "data/model.pkl"))]).toEqual([1, 2, 3]);
    for (const bad of ["../meta.yaml", "/etc/passwd", "a/../../x"]) {
      await rejectsWith(store.logLoggedModelArtifact(MID, bad, "x"), "INVALID_PARAMETER_VALUE");
      await rejectsWith(store.readLoggedModelArtifact(MID, bad), "INVALID_PARAMETER_VALUE");
    }
    await rejectsWith(store.readLoggedModelArtifact(MID, "nope"), "RESOURCE_DOES_NOT_EXIST");
  });
});

describe("runs with logged models (MLflow 3)", () => {
  it("logOutputs writes outputs/<model_id>/meta.yaml as MLflow 3; getRun returns outputs.model_outputs", async () => {
    await store.createRun({ experimentId: EXP });
    await store.createLoggedModel({ experimentId: EXP, name: "model", sourceRunId: RUN });
    expect((await store.getRun(RUN)).outputs).toEqual({});
    await store.logOutputs(RUN, [{ model_id: MID, step: 0 }]);
    expect(await text(EXP, RUN, "outputs", MID, "meta.yaml")).toBe(
      [
        `destination_id: ${MID}`,
        "destination_type: MODEL_OUTPUT",
        `source_id: ${MID}`,
        "source_type: RUN_OUTPUT",
        "step: 0",
        "tags: {}",
        "",
      ].join("\n"),
    );
    expect((await store.getRun(RUN)).outputs).toEqual({ model_outputs: [{ model_id: MID, step: 0 }] });
    const [found] = (await store.searchRuns({ experimentIds: [EXP] })).items;
    expect(found.outputs).toEqual({ model_outputs: [{ model_id: MID, step: 0 }] });
    await rejectsWith(
      store.logOutputs("0123456789abcdef0123456789abcdef", [{ model_id: MID, step: 0 }]),
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it("logInputs with models writes a MODEL input beside dataset inputs; getRun returns model_inputs", async () => {
    await store.createRun({ experimentId: EXP });
    expect((await store.getRun(RUN)).inputs).toEqual({ dataset_inputs: [] });
    await store.logInputs(
      RUN,
      [{ tags: [], dataset: { name: "iris-tail", digest: "abc123", source_type: "local", source: "{}" } }],
      [{ model_id: MID }],
    );
    const inputs = await readdir(join(root, EXP, RUN, "inputs"));
    expect(inputs).toHaveLength(2);
    const metas = await Promise.all(inputs.map((i) => text(EXP, RUN, "inputs", i, "meta.yaml")));
    expect(metas).toContain(
      [
        `destination_id: ${MID}`,
        "destination_type: RUN",
        `source_id: ${MID}`,
        "source_type: MODEL",
        "tags: {}",
        "",
      ].join("\n"),
    );
    const run = await store.getRun(RUN);
    expect(run.inputs.model_inputs).toEqual([{ model_id: MID }]);
    expect(run.inputs.dataset_inputs.map((d) => d.dataset.name)).toEqual(["iris-tail"]);
  });

  it("a metric with model_id goes to the model as '<ts> <value> <step> <run_id>', and a re-log adds no run line", async () => {
    await store.createRun({ experimentId: EXP });
    await store.createLoggedModel({ experimentId: EXP, name: "model", sourceRunId: RUN });
    await store.logBatch(RUN, {
      metrics: [
        { key: "acc", value: 0.5, timestamp: 1796305612384, step: 0 },
        { key: "acc", value: 0.7, timestamp: 1796305612390, step: 1 },
      ],
    });
    // log_model re-logs the step-0 point with the model's id (§4.1 step 5): the run's file keeps one copy.
    await store.logBatch(RUN, {
      metrics: [{ key: "acc", value: 0.5, timestamp: 1796305612384, step: 0, model_id: MID }],
    });
    expect(await text(EXP, RUN, "metrics", "acc")).toBe("1796305612384 0.5 0\n1796305612390 0.7 1\n");
    expect(await text(EXP, "models", MID, "metrics", "acc")).toBe(`1796305612384 0.5 0 ${RUN}\n`);
    await store.logMetric(RUN, {
      key: "val_acc",
      value: 0.9,
      timestamp: 1796305625879,
      step: 0,
      model_id: MID,
      dataset_name: "iris-head",
      dataset_digest: "4198cf1b",
    });
    // the run's line stays MLflow 2.12-readable (3 fields); the model's carries the dataset (6 fields)
    expect(await text(EXP, RUN, "metrics", "val_acc")).toBe("1796305625879 0.9 0\n");
    expect(await text(EXP, "models", MID, "metrics", "val_acc")).toBe(
      `1796305625879 0.9 0 ${RUN} iris-head 4198cf1b\n`,
    );
    const model = await store.getLoggedModel(MID);
    expect(model.data.metrics).toEqual([
      { key: "acc", value: 0.5, timestamp: 1796305612384, step: 0, model_id: MID, run_id: RUN },
      {
        key: "val_acc",
        value: 0.9,
        timestamp: 1796305625879,
        step: 0,
        model_id: MID,
        run_id: RUN,
        dataset_name: "iris-head",
        dataset_digest: "4198cf1b",
      },
    ]);
    // the run's latest values carry no model or dataset fields (§4.2)
    expect((await store.getRun(RUN)).data.metrics).toEqual([
      { key: "acc", value: 0.7, timestamp: 1796305612390, step: 1 },
      { key: "val_acc", value: 0.9, timestamp: 1796305625879, step: 0 },
    ]);
    // an unknown model id: the run keeps its point, no stray model folder appears
    await store.logMetric(RUN, {
      key: "f1",
      value: 0.8,
      timestamp: 1,
      step: 0,
      model_id: "m-00000000000000000000000000000000",
    });
    expect(await text(EXP, RUN, "metrics", "f1")).toBe("1 0.8 0\n");
    expect(await readdir(join(root, EXP, "models"))).toEqual([MID]);
  });

  it("a batch never writes the same point twice, and the experiment's models/ folder is not a run", async () => {
    await store.createRun({ experimentId: EXP });
    await store.createLoggedModel({ experimentId: EXP, name: "model" });
    const p = { key: "loss", value: 0.25, timestamp: 5, step: 2 };
    await store.logBatch(RUN, { metrics: [p, p, { ...p, value: 0.5 }] });
    expect(await text(EXP, RUN, "metrics", "loss")).toBe("5 0.25 2\n5 0.5 2\n");
    const runs = await store.searchRuns({ experimentIds: [EXP], viewType: "ALL" });
    expect(runs.items.map((r) => r.info.run_id)).toEqual([RUN]);
    // the registry's mlruns/models/ is not an experiment
    await store.createRegisteredModel("reg");
    const exps = await store.searchExperiments({ viewType: "ALL" });
    expect(exps.items.map((e) => e.experiment_id).sort()).toEqual(["0", EXP]);
  });
});

describe("searchLoggedModels", () => {
  async function threeModels() {
    await store.createRun({ experimentId: EXP });
    await store.createLoggedModel({
      experimentId: EXP,
      name: "model",
      sourceRunId: RUN,
      params: [{ key: "C", value: "1.0" }],
    });
    await store.createLoggedModel({
      experimentId: EXP,
      name: "external",
      modelType: "agent",
      tags: [{ key: "a", value: "b" }],
    });
    await store.createLoggedModel({ experimentId: EXP, name: "tiny", modelType: "tiny" });
    await store.finalizeLoggedModel(MID, "LOGGED_MODEL_READY");
    await store.logBatch(RUN, {
      metrics: [
        { key: "acc", value: 0.5, timestamp: 10, step: 0, model_id: MID },
        { key: "acc", value: 0.05, timestamp: 11, step: 0, model_id: MID2 },
        {
          key: "val_acc",
          value: 0.9,
          timestamp: 12,
          step: 0,
          model_id: MID,
          dataset_name: "iris-head",
          dataset_digest: "4198cf1b",
        },
      ],
    });
  }
  const ids = (page: { items: { info: { name: string } }[] }) => page.items.map((m) => m.info.name);
  const search = async (filter?: string, extra: object = {}) =>
    ids(await store.searchLoggedModels({ experimentIds: [EXP], filter, ...extra }));

  it("is newest first by default and filters as MLflow 3 (§3.4), AND included", async () => {
    await threeModels();
    expect(await search()).toEqual(["tiny", "external", "model"]);
    expect(await search("name = 'model'")).toEqual(["model"]);
    expect(await search("attributes.name LIKE 'mod%'")).toEqual(["model"]);
    expect(await search("metrics.acc > 0.1")).toEqual(["model"]);
    expect(await search("params.C = '1.0'")).toEqual(["model"]);
    expect(await search("tags.a = 'b'")).toEqual(["external"]);
    expect(await search("model_type = 'tiny'")).toEqual(["tiny"]);
    expect(await search(`source_run_id = '${RUN}'`)).toEqual(["model"]);
    expect(await search("status = 2")).toEqual(["model"]);
    expect(await search("status = 'READY'")).toEqual([]);
    expect(await search("status = 1 AND model_type != 'agent'")).toEqual(["tiny"]);
    expect(await search("metrics.acc < 1 AND name LIKE '%e%'")).toEqual(["external", "model"]);
    await rejectsWith(
      store.searchLoggedModels({ experimentIds: [EXP], filter: "bogus = 1" }),
      "INVALID_PARAMETER_VALUE",
    );
    expect((await store.searchLoggedModels({ experimentIds: ["999999"] })).items).toEqual([]);
  });

  it("filters by datasets (name, and digest when given) and orders by name, times and metrics", async () => {
    await threeModels();
    expect(await search(undefined, { datasets: [{ dataset_name: "iris-head", dataset_digest: "4198cf1b" }] })).toEqual([
      "model",
    ]);
    expect(await search(undefined, { datasets: [{ dataset_name: "iris-head", dataset_digest: "other" }] })).toEqual([]);
    expect(await search("metrics.val_acc > 0.5", { datasets: [{ dataset_name: "iris-head" }] })).toEqual(["model"]);
    expect(await search(undefined, { orderBy: [{ field_name: "name" }] })).toEqual(["external", "model", "tiny"]);
    expect(await search(undefined, { orderBy: [{ field_name: "creation_time", ascending: true }] })).toEqual([
      "model",
      "external",
      "tiny",
    ]);
    expect(await search(undefined, { orderBy: [{ field_name: "last_updated_timestamp", ascending: false }] })).toEqual([
      "model",
      "tiny",
      "external",
    ]);
    // models without the metric go last, whatever the direction
    expect(await search(undefined, { orderBy: [{ field_name: "metrics.acc", ascending: true }] })).toEqual([
      "external",
      "model",
      "tiny",
    ]);
    expect(await search(undefined, { orderBy: [{ field_name: "metrics.acc", ascending: false }] })).toEqual([
      "model",
      "external",
      "tiny",
    ]);
    await rejectsWith(
      store.searchLoggedModels({ experimentIds: [EXP], orderBy: [{ field_name: "bogus" }] }),
      "INVALID_PARAMETER_VALUE",
      "Invalid order by field name: bogus",
    );
  });

  it("pages with max_results and MLflow 3's page token", async () => {
    await threeModels();
    const first = await store.searchLoggedModels({ experimentIds: [EXP], maxResults: 1 });
    expect(ids(first)).toEqual(["tiny"]);
    expect(JSON.parse(Buffer.from(first.next_page_token ?? "", "base64").toString())).toEqual({
      experiment_ids: [EXP],
      filter_string: null,
      order_by: null,
      offset: 1,
    });
    expect(Buffer.from(first.next_page_token ?? "", "base64").toString()).toBe(
      `{"experiment_ids": ["${EXP}"], "filter_string": null, "order_by": null, "offset": 1}`,
    );
    const second = await store.searchLoggedModels({
      experimentIds: [EXP],
      maxResults: 2,
      pageToken: first.next_page_token,
    });
    expect(ids(second)).toEqual(["external", "model"]);
    expect(second.next_page_token).toBeUndefined();
    await rejectsWith(
      store.searchLoggedModels({ experimentIds: [EXP], pageToken: "garbage!" }),
      "INVALID_PARAMETER_VALUE",
    );
  });

  it("skips a model folder without meta.yaml (a model being created)", async () => {
    await threeModels();
    await writeFile(join(root, EXP, "models", "stray"), "");
    await import("node:fs/promises").then((fs) => fs.mkdir(join(root, EXP, "models", "m-half"), { recursive: true }));
    expect(await search()).toEqual(["tiny", "external", "model"]);
  });
});

describe("registry versions from logged models (§5, §12)", () => {
  it("takes model_id, run_id and storage_location from the logged model", async () => {
    await store.createRun({ experimentId: EXP });
    const model = await store.createLoggedModel({ experimentId: EXP, name: "model", sourceRunId: RUN });
    await store.createRegisteredModel("m");
    const v = await store.createModelVersion({ name: "m", source: `models:/${MID}`, modelId: MID });
    expect(v.model_id).toBe(MID);
    expect(v.run_id).toBe(RUN);
    expect(v.source).toBe(`models:/${MID}`);
    expect(await store.getModelVersionDownloadUri("m", "1")).toBe(model.info.artifact_uri);
    const meta = parseYaml<Record<string, unknown>>(await text("models", "m", "version-1", "meta.yaml"));
    expect(meta.model_id).toBe(MID);
    expect(meta.source).toBe(`models:/${MID}`);
    expect(meta.run_id).toBe(RUN);
    expect(meta.storage_location).toBe(model.info.artifact_uri);
    expect((await store.getModelVersion("m", "1")).model_id).toBe(MID);
    // only the source naming the model is enough too
    const v2 = await store.createModelVersion({ name: "m", source: `models:/${MID}` });
    expect(v2.model_id).toBe(MID);
  });

  it("refuses a models:/m-… source whose logged model does not exist, as MLflow 3's server (500)", async () => {
    await store.createRegisteredModel("m");
    const missing = "m-00000000000000000000000000000000";
    await rejectsWith(
      store.createModelVersion({ name: "m", source: `models:/${missing}`, modelId: missing }),
      "INTERNAL_ERROR",
      `Unable to fetch model from model URI source artifact location 'models:/${missing}'.Error: Logged model with ID '${missing}' not found.`,
    );
    expect(await readdir(join(root, "models", "m"))).toEqual(["meta.yaml"]);
  });
});

describe("meta.yaml as MLflow 3 writes it (§12)", () => {
  it("reads an experiment with trace_location and workspace, and a run without run_uuid", async () => {
    const dir = join(root, "555");
    const runId = "5266b9e9aaaaaaaaaaaaaaaaaaaaaaaa";
    await import("node:fs/promises").then(async (fs) => {
      await fs.mkdir(join(dir, runId, "metrics"), { recursive: true });
      await fs.mkdir(join(dir, runId, "tags"), { recursive: true });
    });
    await writeFile(
      join(dir, "meta.yaml"),
      "artifact_location: file:///x/mlruns/555\ncreation_time: 1\nexperiment_id: '555'\nlast_update_time: 1\nlifecycle_stage: active\nname: three\ntrace_location: null\nworkspace: default\n",
    );
    await writeFile(
      join(dir, runId, "meta.yaml"),
      `artifact_uri: file:///x/mlruns/555/${runId}/artifacts\nend_time: 3\nentry_point_name: ''\nexperiment_id: '555'\nlifecycle_stage: active\nrun_id: ${runId}\nrun_name: r3\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 2\nstatus: 3\ntags: []\nuser_id: root\n`,
    );
    await writeFile(
      join(dir, runId, "metrics", "acc"),
      "1796305612384 0.5 0\n1796305612385 0.6 0 iris-head 4198cf1b\n",
    );
    expect((await store.getExperiment("555")).name).toBe("three");
    const run = await store.getRun(runId);
    expect(run.info).toMatchObject({ run_id: runId, run_uuid: runId, run_name: "r3", status: "FINISHED", end_time: 3 });
    expect(run.data.metrics).toEqual([{ key: "acc", value: 0.6, timestamp: 1796305612385, step: 0 }]);
    expect(await store.getMetricHistory(runId, "acc")).toEqual([
      { key: "acc", value: 0.5, timestamp: 1796305612384, step: 0 },
      {
        key: "acc",
        value: 0.6,
        timestamp: 1796305612385,
        step: 0,
        dataset_name: "iris-head",
        dataset_digest: "4198cf1b",
      },
    ]);
    expect((await store.searchRuns({ experimentIds: ["555"] })).items.map((r) => r.info.run_id)).toEqual([runId]);
  });

  it("keeps run_uuid in the run meta.yaml it writes (MLflow 2.12 reads it)", async () => {
    await store.createRun({ experimentId: EXP });
    const meta = parseYaml<Record<string, unknown>>(await text(EXP, RUN, "meta.yaml"));
    expect(meta.run_uuid).toBe(RUN);
    expect(meta.run_id).toBe(RUN);
  });
});
