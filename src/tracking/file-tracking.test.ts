import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HandgestureError } from "../core/errors.js";
import type { Metric } from "./entities.js";
import {
  decodePageToken,
  encodePageToken,
  FileTrackingStore,
  formatMetricValue,
  parseMetricValue,
} from "./file-tracking.js";
import {
  appendLine,
  parseYaml,
  readYaml,
  safeJoin,
  toYaml,
  validateKey,
  writeFileAtomic,
  writeYaml,
} from "./fs-util.js";

const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));

let tmp: string;
let root: string;
let store: FileTrackingStore;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "hg-file-tracking-"));
  root = join(tmp, "mlruns");
  store = new FileTrackingStore(root);
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function rejectsWith(p: Promise<unknown>, code: string, message?: string | RegExp): Promise<HandgestureError> {
  const e = await p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(HandgestureError);
  expect((e as HandgestureError).code).toBe(code);
  if (message !== undefined) expect((e as HandgestureError).message).toMatch(message);
  return e as HandgestureError;
}

async function newRun(name = "r") {
  const run = await store.createRun({ experimentId: "0", runName: name, startTime: 1000 });
  return run.info.run_id;
}

describe("fs-util", () => {
  it("writes atomically, appends lines, reads and writes YAML", async () => {
    const p = join(tmp, "a", "b", "f.txt");
    await writeFileAtomic(p, "one");
    await writeFileAtomic(p, "two");
    expect(await readFile(p, "utf8")).toBe("two");
    await appendLine(join(tmp, "l"), "x 1");
    await appendLine(join(tmp, "l"), "y 2\n");
    expect(await readFile(join(tmp, "l"), "utf8")).toBe("x 1\ny 2\n");
    await writeYaml(join(tmp, "m.yaml"), { b: "0", a: null, c: [], d: "yes", e: "", f: 4 });
    expect(await readFile(join(tmp, "m.yaml"), "utf8")).toBe("a: null\nb: '0'\nc: []\nd: 'yes'\ne: ''\nf: 4\n");
    expect(await readYaml(join(tmp, "m.yaml"))).toEqual({ a: null, b: "0", c: [], d: "yes", e: "", f: 4 });
    expect(toYaml({ aliases: ["champion"], tags: { "mlflow.data.context": "training" } })).toBe(
      "aliases:\n- champion\ntags:\n  mlflow.data.context: training\n",
    );
    await rejectsWith(readYaml(join(tmp, "missing.yaml")), "RESOURCE_DOES_NOT_EXIST");
  });

  it("lays YAML out byte for byte as PyYAML's safe_dump (MLflow's write_yaml), folding at 80 columns", () => {
    const schema = JSON.stringify({
      mlflow_colspec: [1, 2, 3].map((i) => ({ type: "double", name: `x${i}`, required: true })),
    }).replace(/([:,])/g, "$1 ");
    const obj = {
      schema,
      description: "line one\nline two",
      odd: "tab\there",
      name: "h\u00e9llo",
      tags: { "mlflow.data.context": "training" },
      aliases: ["champion"],
      version: 3,
      empty: "",
      num: "1795504138784",
      sci: "1e5",
    };
    // expected text produced by PyYAML 6.0 (yaml.dump(..., default_flow_style=False, allow_unicode=True,
    // sort_keys=True, Dumper=yaml.SafeDumper))
    const expected =
      "aliases:\n- champion\ndescription: 'line one\n\n  line two'\nempty: ''\nname: h\u00e9llo\n" +
      "num: '1795504138784'\nodd: \"tab\\there\"\n" +
      'schema: \'{"mlflow_colspec": [{"type": "double", "name": "x1", "required": true}, {"type":\n' +
      '  "double", "name": "x2", "required": true}, {"type": "double", "name": "x3", "required":\n' +
      "  true}]}'\nsci: 1e5\ntags:\n  mlflow.data.context: training\nversion: 3\n";
    expect(toYaml(obj)).toBe(expected);
    expect(parseYaml(expected)).toEqual(obj);
    expect(parseYaml("a: 1e5\nb: 0.5\nc: yes\nd: ~\ne: 0x1F\nf: '3'\ng: 2024-01-02\n")).toEqual({
      a: "1e5",
      b: 0.5,
      c: true,
      d: null,
      e: 31,
      f: "3",
      g: "2024-01-02",
    });
  });

  it("refuses keys that would leave their folder, naming the key", () => {
    for (const bad of ["../x", "/abs", "a/../../b", "a\0b", "a\\..\\b", "a//b", "a/", "", ".", "C:x"]) {
      expect(() => validateKey("param key", bad), JSON.stringify(bad)).toThrow(HandgestureError);
      expect(() => safeJoin(tmp, bad), JSON.stringify(bad)).toThrow(/Invalid path/);
    }
    expect(() => validateKey("param key", "../x")).toThrow("Invalid param key: '../x'");
    expect(safeJoin(tmp, "cv/f1")).toBe(join(tmp, "cv", "f1"));
    expect(safeJoin(tmp, "a", "b.c")).toBe(join(tmp, "a", "b.c"));
  });
});

describe("metric values as Python writes them", () => {
  it("formats like repr(float)", () => {
    const cases: [number, string][] = [
      [0.9, "0.9"],
      [1, "1.0"],
      [0, "0.0"],
      [-0, "-0.0"],
      [-2.5, "-2.5"],
      [1e-5, "1e-05"],
      [0.0001, "0.0001"],
      [1.5e16, "1.5e+16"],
      [1e16, "1e+16"],
      [123456789012345.6, "123456789012345.6"],
      [1e22, "1e+22"],
      [1.2345e-7, "1.2345e-07"],
      [5e-324, "5e-324"],
      [Number.NaN, "nan"],
      [Number.POSITIVE_INFINITY, "inf"],
      [Number.NEGATIVE_INFINITY, "-inf"],
    ];
    for (const [v, s] of cases) {
      expect(formatMetricValue(v)).toBe(s);
      expect(Object.is(parseMetricValue(s), v) || (Number.isNaN(v) && Number.isNaN(parseMetricValue(s)))).toBe(true);
    }
    expect(parseMetricValue("NaN")).toBeNaN();
    expect(parseMetricValue("Infinity")).toBe(Number.POSITIVE_INFINITY);
    expect(parseMetricValue("-infinity")).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe("FileTrackingStore: experiments", () => {
  it("creates the Default experiment on first use", async () => {
    expect(existsSync(root)).toBe(false);
    const exp = await store.getExperiment("0");
    expect(exp).toMatchObject({ experiment_id: "0", name: "Default", lifecycle_stage: "active", tags: [] });
    expect(exp.artifact_location).toBe(`file://${root}/0`);
    expect(existsSync(join(root, "0", "meta.yaml"))).toBe(true);
    expect(existsSync(join(root, ".trash"))).toBe(true);
  });

  it("creates, finds, tags, searches, deletes to .trash and restores experiments", async () => {
    const id = await store.createExperiment("gestures", [{ key: "team", value: "hands" }]);
    expect(id).toMatch(/^[1-9]\d{17}$/);
    await rejectsWith(
      store.createExperiment("gestures"),
      "RESOURCE_ALREADY_EXISTS",
      "Experiment 'gestures' already exists.",
    );
    await rejectsWith(store.createExperiment(""), "INVALID_PARAMETER_VALUE", "Invalid experiment name");
    await store.setExperimentTag(id, "note", "first\nsecond");
    const exp = await store.getExperimentByName("gestures");
    expect(exp?.experiment_id).toBe(id);
    expect(exp?.tags).toEqual([
      { key: "note", value: "first\nsecond" },
      { key: "team", value: "hands" },
    ]);
    expect(await readFile(join(root, id, "tags", "note"), "utf8")).toBe("first\nsecond");
    expect(await store.getExperimentByName("nope")).toBeNull();

    const page = await store.searchExperiments({ maxResults: 1 });
    expect(page.items).toHaveLength(1);
    expect(page.next_page_token).toBeDefined();
    const rest = await store.searchExperiments({ maxResults: 1, pageToken: page.next_page_token });
    expect(new Set([...page.items, ...rest.items].map((e) => e.name))).toEqual(new Set(["Default", "gestures"]));
    expect(rest.next_page_token).toBeUndefined();
    expect((await store.searchExperiments({ filter: "name = 'gestures'" })).items.map((e) => e.experiment_id)).toEqual([
      id,
    ]);

    const run = await store.createRun({ experimentId: id, runName: "r" });
    await store.deleteExperiment(id);
    expect(existsSync(join(root, id))).toBe(false);
    expect(existsSync(join(root, ".trash", id, "meta.yaml"))).toBe(true);
    expect((await store.getExperiment(id)).lifecycle_stage).toBe("deleted");
    const trashedRun = await store.getRun(run.info.run_id);
    expect(trashedRun.info.lifecycle_stage).toBe("deleted");
    expect((await readYaml(join(root, ".trash", id, run.info.run_id, "meta.yaml"))).deleted_time).toEqual(
      expect.any(Number),
    );
    expect((await store.searchExperiments()).items.map((e) => e.name)).toEqual(["Default"]);
    expect((await store.searchExperiments({ viewType: "DELETED_ONLY" })).items.map((e) => e.name)).toEqual([
      "gestures",
    ]);
    await rejectsWith(store.createExperiment("gestures"), "RESOURCE_ALREADY_EXISTS", /deleted state/);
    await rejectsWith(store.createRun({ experimentId: id }), "INVALID_PARAMETER_VALUE", /non-active experiment/);
    await rejectsWith(store.setExperimentTag(id, "k", "v"), "INVALID_PARAMETER_VALUE", /active/);

    await store.restoreExperiment(id);
    expect((await store.getExperiment(id)).lifecycle_stage).toBe("active");
    expect(existsSync(join(root, id, "meta.yaml"))).toBe(true);
  });

  it("answers unknown and malformed experiment ids", async () => {
    await rejectsWith(
      store.getExperiment("12345"),
      "RESOURCE_DOES_NOT_EXIST",
      "Could not find experiment with ID 12345",
    );
    await rejectsWith(store.getExperiment("../x"), "INVALID_PARAMETER_VALUE", "Invalid experiment ID");
    await rejectsWith(store.deleteExperiment("999"), "RESOURCE_DOES_NOT_EXIST");
  });
});

describe("FileTrackingStore: runs", () => {
  it("creates runs with MLflow's tags and meta.yaml", async () => {
    const run = await store.createRun({ experimentId: "0", userId: "ana", runName: "first", startTime: 42 });
    expect(run.info).toMatchObject({
      run_name: "first",
      experiment_id: "0",
      user_id: "ana",
      status: "RUNNING",
      start_time: 42,
      end_time: null,
      lifecycle_stage: "active",
    });
    expect(run.info.run_id).toMatch(/^[0-9a-f]{32}$/);
    expect(run.info.run_uuid).toBe(run.info.run_id);
    expect(run.info.artifact_uri).toBe(`file://${root}/0/${run.info.run_id}/artifacts`);
    expect(run.data.tags).toEqual([
      { key: "mlflow.runName", value: "first" },
      { key: "mlflow.source.type", value: "LOCAL" },
      { key: "mlflow.user", value: "ana" },
    ]);
    const generated = await store.createRun({ experimentId: "0" });
    expect(generated.info.run_name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    await rejectsWith(
      store.createRun({ experimentId: "0", runName: "a", tags: [{ key: "mlflow.runName", value: "b" }] }),
      "INVALID_PARAMETER_VALUE",
      /Both 'run_name' argument and 'mlflow.runName' tag/,
    );
    await rejectsWith(store.createRun({ experimentId: "777" }), "RESOURCE_DOES_NOT_EXIST");
  });

  it("round-trips metrics (NaN, ±Infinity), multi-line params, nested keys and tags", async () => {
    const id = await newRun();
    const metrics: Metric[] = [
      { key: "loss", value: Number.NaN, timestamp: 10, step: 0 },
      { key: "loss", value: Number.POSITIVE_INFINITY, timestamp: 11, step: 1 },
      { key: "loss", value: Number.NEGATIVE_INFINITY, timestamp: 12, step: 2 },
      { key: "cv/f1", value: 0.9, timestamp: 13, step: 0 },
      { key: "cv/f1", value: 1, timestamp: 14, step: 1 },
    ];
    await store.logBatch(id, {
      metrics,
      params: [
        { key: "model", value: "rf\nwith two lines\n" },
        { key: "cv/folds", value: "5" },
        { key: "empty", value: "" },
      ],
      tags: [{ key: "note/long", value: "a\nb" }],
    });
    await store.logMetric(id, { key: "acc", value: 0.5, timestamp: 20, step: 3 });
    await store.logParam(id, { key: "lr", value: "0.01" });
    await store.setTag(id, { key: "stage", value: "dev" });

    const loss = await store.getMetricHistory(id, "loss");
    expect(loss.map((m) => m.value)).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(loss.map((m) => [m.timestamp, m.step])).toEqual([
      [10, 0],
      [11, 1],
      [12, 2],
    ]);
    expect(await store.getMetricHistory(id, "cv/f1")).toEqual(metrics.slice(3));
    expect(await store.getMetricHistory(id, "never")).toEqual([]);

    const dir = join(root, "0", id);
    expect(await readFile(join(dir, "metrics", "loss"), "utf8")).toBe("10 nan 0\n11 inf 1\n12 -inf 2\n");
    expect(await readFile(join(dir, "metrics", "cv", "f1"), "utf8")).toBe("13 0.9 0\n14 1.0 1\n");
    expect(await readFile(join(dir, "params", "model"), "utf8")).toBe("rf\nwith two lines\n");
    expect(await readFile(join(dir, "params", "cv", "folds"), "utf8")).toBe("5");
    expect(await readFile(join(dir, "params", "empty"), "utf8")).toBe("");
    expect(await readFile(join(dir, "tags", "note", "long"), "utf8")).toBe("a\nb");

    const run = await store.getRun(id);
    expect(run.data.metrics).toEqual([
      { key: "acc", value: 0.5, timestamp: 20, step: 3 },
      { key: "cv/f1", value: 1, timestamp: 14, step: 1 },
      { key: "loss", value: Number.NEGATIVE_INFINITY, timestamp: 12, step: 2 },
    ]);
    expect(run.data.params).toEqual([
      { key: "cv/folds", value: "5" },
      { key: "empty", value: "" },
      { key: "lr", value: "0.01" },
      { key: "model", value: "rf\nwith two lines\n" },
    ]);
    expect(run.data.tags).toContainEqual({ key: "note/long", value: "a\nb" });
    expect(run.data.tags).toContainEqual({ key: "stage", value: "dev" });
  });

  it("reports the point with the greatest step (then timestamp) as the latest value", async () => {
    const id = await newRun();
    await store.logMetric(id, { key: "m", value: 1, timestamp: 100, step: 5 });
    await store.logMetric(id, { key: "m", value: 2, timestamp: 200, step: 2 });
    await store.logMetric(id, { key: "m", value: 3, timestamp: 50, step: 5 });
    await store.logMetric(id, { key: "m", value: 4, timestamp: 150, step: 5 });
    expect((await store.getRun(id)).data.metrics).toEqual([{ key: "m", value: 4, timestamp: 150, step: 5 }]);
  });

  it("reads 10,000 points of one metric back identical and in order", async () => {
    const id = await newRun();
    const points: Metric[] = Array.from({ length: 10_000 }, (_, i) => ({
      key: "train/loss",
      value: i % 997 === 0 ? Number.NaN : Math.sin(i) * 10 ** ((i % 9) - 4),
      timestamp: 1_700_000_000_000 + i,
      step: i,
    }));
    for (let i = 0; i < points.length; i += 1000) await store.logBatch(id, { metrics: points.slice(i, i + 1000) });
    const back = await store.getMetricHistory(id, "train/loss");
    expect(back).toHaveLength(10_000);
    expect(back).toEqual(points);
  });

  it("keeps params immutable: the same value again is fine, another is refused", async () => {
    const id = await newRun();
    await store.logParam(id, { key: "depth", value: "3" });
    await store.logParam(id, { key: "depth", value: "3" });
    await rejectsWith(
      store.logParam(id, { key: "depth", value: "4" }),
      "INVALID_PARAMETER_VALUE",
      "Changing param values is not allowed. Param with key='depth' was already logged with value='3'",
    );
    await rejectsWith(
      store.logBatch(id, {
        params: [
          { key: "a", value: "1" },
          { key: "a", value: "2" },
        ],
      }),
      "INVALID_PARAMETER_VALUE",
      /Duplicate parameter keys/,
    );
    // a refused batch writes nothing
    await rejectsWith(
      store.logBatch(id, {
        params: [
          { key: "fresh", value: "1" },
          { key: "depth", value: "5" },
        ],
      }),
      "INVALID_PARAMETER_VALUE",
    );
    expect(existsSync(join(root, "0", id, "params", "fresh"))).toBe(false);
    expect(await readFile(join(root, "0", id, "params", "depth"), "utf8")).toBe("3");
  });

  it("refuses keys that would leave their folder", async () => {
    const id = await newRun();
    for (const key of ["../x", "/abs", "a/../../b", "a\0b", "a\\b", "a//b", "x/", "", "."]) {
      await rejectsWith(store.logParam(id, { key, value: "v" }), "INVALID_PARAMETER_VALUE", "Invalid param name");
      await rejectsWith(
        store.logMetric(id, { key, value: 1, timestamp: 1, step: 0 }),
        "INVALID_PARAMETER_VALUE",
        "Invalid metric name",
      );
      await rejectsWith(store.setTag(id, { key, value: "v" }), "INVALID_PARAMETER_VALUE", "Invalid tag name");
      await rejectsWith(store.getMetricHistory(id, key), "INVALID_PARAMETER_VALUE");
      if (key !== "") await rejectsWith(store.logArtifact(id, key, "x"), "INVALID_PARAMETER_VALUE");
    }
    await rejectsWith(store.readArtifact(id, "../meta.yaml"), "INVALID_PARAMETER_VALUE");
    await rejectsWith(store.listArtifacts(id, "../.."), "INVALID_PARAMETER_VALUE");
    await rejectsWith(store.getRun("../0"), "INVALID_PARAMETER_VALUE", "Invalid run ID");
    expect(existsSync(join(root, "x"))).toBe(false);
    expect(existsSync(join(tmp, "x"))).toBe(false);
  });

  it("enforces MLflow's limits with MLflow's messages", async () => {
    const id = await newRun();
    await store.logParam(id, { key: "ok", value: "p".repeat(6000) });
    const e = await rejectsWith(
      store.logParam(id, { key: "big", value: "p".repeat(6001) }),
      "INVALID_PARAMETER_VALUE",
      /^Param value 'p+' had length 6001, which exceeded length limit of 6000$/,
    );
    expect(e.message).toContain(`'${"p".repeat(250)}'`);
    await store.setTag(id, { key: "ok", value: "t".repeat(5000) });
    await rejectsWith(
      store.setTag(id, { key: "big", value: "t".repeat(5001) }),
      "INVALID_PARAMETER_VALUE",
      "had length 5001, which exceeded length limit of 5000",
    );
    await rejectsWith(store.logParam(id, { key: "k".repeat(251), value: "v" }), "INVALID_PARAMETER_VALUE", "Param key");
    await rejectsWith(
      store.logBatch(id, { params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: "v" })) }),
      "INVALID_PARAMETER_VALUE",
      "at most 100 params",
    );
    await rejectsWith(
      store.logBatch(id, {
        metrics: Array.from({ length: 1001 }, (_, i) => ({ key: "m", value: 1, timestamp: 1, step: i })),
      }),
      "INVALID_PARAMETER_VALUE",
      "at most 1000 metrics",
    );
    await rejectsWith(
      store.logMetric(id, { key: "m", value: 1, timestamp: -1, step: 0 }),
      "INVALID_PARAMETER_VALUE",
      "Got invalid timestamp",
    );
    await rejectsWith(
      store.logMetric(id, { key: "m", value: "x" as unknown as number, timestamp: 1, step: 0 }),
      "INVALID_PARAMETER_VALUE",
      "Got invalid value",
    );
    await rejectsWith(
      store.setExperimentTag("0", "k", "v".repeat(5001)),
      "INVALID_PARAMETER_VALUE",
      "exceeded length limit of 5000",
    );
  });

  it("updates, renames, deletes and restores runs; deletes tags", async () => {
    const id = await newRun("before");
    const info = await store.updateRunInfo(id, "FINISHED", 5000, "after");
    expect(info).toMatchObject({ status: "FINISHED", end_time: 5000, run_name: "after" });
    const meta = await readYaml(join(root, "0", id, "meta.yaml"));
    expect(meta).toMatchObject({ status: 3, end_time: 5000, run_name: "after" });
    expect((await store.getRun(id)).data.tags).toContainEqual({ key: "mlflow.runName", value: "after" });

    await store.setTag(id, { key: "mlflow.runName", value: "third" });
    expect((await store.getRun(id)).info.run_name).toBe("third");

    await store.setTag(id, { key: "gone", value: "soon" });
    await store.deleteTag(id, "gone");
    expect((await store.getRun(id)).data.tags.map((t) => t.key)).not.toContain("gone");
    await rejectsWith(
      store.deleteTag(id, "gone"),
      "RESOURCE_DOES_NOT_EXIST",
      `No tag with name: gone in run with id ${id}`,
    );

    await store.deleteRun(id);
    const deleted = await readYaml(join(root, "0", id, "meta.yaml"));
    expect(deleted).toMatchObject({ lifecycle_stage: "deleted", deleted_time: expect.any(Number) });
    expect((await store.getRun(id)).info.lifecycle_stage).toBe("deleted");
    await rejectsWith(
      store.logParam(id, { key: "x", value: "1" }),
      "INVALID_PARAMETER_VALUE",
      /must be in the 'active' state/,
    );
    await rejectsWith(store.updateRunInfo(id, "FAILED", null), "INVALID_PARAMETER_VALUE");
    await store.restoreRun(id);
    const restored = await readYaml(join(root, "0", id, "meta.yaml"));
    expect(restored.lifecycle_stage).toBe("active");
    expect("deleted_time" in restored).toBe(false);

    await rejectsWith(
      store.getRun("0123456789abcdef0123456789abcdef"),
      "RESOURCE_DOES_NOT_EXIST",
      /^Run '0123456789abcdef0123456789abcdef' not found$/,
    );
  });

  it("logs dataset inputs like MLflow (md5 ids, meta.yaml under datasets/ and inputs/)", async () => {
    const id = await newRun();
    const input = {
      tags: [{ key: "mlflow.data.context", value: "training" }],
      dataset: {
        name: "hagrid",
        digest: "abc123",
        source_type: "local",
        source: '{"uri": "/data/hagrid.csv"}',
        schema: '{"mlflow_colspec": [{"type": "double", "name": "x1", "required": true}]}',
        profile: '{"num_rows": 2, "num_elements": 4}',
      },
    };
    await store.logInputs(id, [input]);
    await store.logInputs(id, [input]);
    const run = await store.getRun(id);
    expect(run.inputs.dataset_inputs).toEqual([input]);
    const { createHash } = await import("node:crypto");
    const datasetId = createHash("md5").update("hagrid").update("abc123").digest("hex");
    const inputId = createHash("md5").update(datasetId).update(id).digest("hex");
    expect(await readYaml(join(root, "0", "datasets", datasetId, "meta.yaml"))).toEqual({
      digest: "abc123",
      name: "hagrid",
      profile: input.dataset.profile,
      schema: input.dataset.schema,
      source: input.dataset.source,
      source_type: "local",
    });
    expect(await readYaml(join(root, "0", id, "inputs", inputId, "meta.yaml"))).toEqual({
      destination_id: id,
      destination_type: "RUN",
      source_id: datasetId,
      source_type: "DATASET",
      tags: { "mlflow.data.context": "training" },
    });
  });

  it("searches runs: view types, default order, filter, order_by, pages", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const run = await store.createRun({ experimentId: "0", runName: `r${i}`, startTime: 1000 + i });
      await store.logMetric(run.info.run_id, { key: "f1", value: i / 10, timestamp: 1, step: 0 });
      ids.push(run.info.run_id);
    }
    await store.deleteRun(ids[4]);
    const all = await store.searchRuns({ experimentIds: ["0"] });
    expect(all.items.map((r) => r.info.run_name)).toEqual(["r3", "r2", "r1", "r0"]);
    expect(all.next_page_token).toBeUndefined();
    const deleted = await store.searchRuns({ experimentIds: ["0"], viewType: "DELETED_ONLY" });
    expect(deleted.items.map((r) => r.info.run_id)).toEqual([ids[4]]);
    expect((await store.searchRuns({ experimentIds: ["0"], viewType: "ALL" })).items).toHaveLength(5);

    const filtered = await store.searchRuns({
      experimentIds: ["0"],
      filter: "metrics.f1 > 0.15",
      orderBy: ["metrics.f1 ASC"],
    });
    expect(filtered.items.map((r) => r.info.run_name)).toEqual(["r2", "r3"]);

    const p1 = await store.searchRuns({ experimentIds: ["0"], maxResults: 3 });
    expect(p1.items.map((r) => r.info.run_name)).toEqual(["r3", "r2", "r1"]);
    expect(p1.next_page_token).toBe(encodePageToken(3));
    expect(Buffer.from(p1.next_page_token ?? "", "base64").toString()).toBe('{"offset": 3}');
    const p2 = await store.searchRuns({ experimentIds: ["0"], maxResults: 3, pageToken: p1.next_page_token });
    expect(p2.items.map((r) => r.info.run_name)).toEqual(["r0"]);
    expect(p2.next_page_token).toBeUndefined();
    expect(decodePageToken(undefined)).toBe(0);
    await rejectsWith(
      store.searchRuns({ experimentIds: ["0"], pageToken: "!!" }),
      "INVALID_PARAMETER_VALUE",
      /page token/,
    );
    await rejectsWith(store.searchRuns({ experimentIds: ["0"], maxResults: 50001 }), "INVALID_PARAMETER_VALUE");
    expect((await store.searchRuns({ experimentIds: ["123"] })).items).toEqual([]);
  });

  it("stores artifacts under the run's artifacts/ folder", async () => {
    const id = await newRun();
    await store.logArtifact(id, "model/MLmodel", "artifact_path: model\n");
    await store.logArtifact(id, "model/model.json", new Uint8Array([1, 2, 3]));
    await store.logArtifact(id, "readme.txt", "hi");
    expect(await readFile(join(root, "0", id, "artifacts", "model", "MLmodel"), "utf8")).toBe("artifact_path: model\n");
    expect(await store.listArtifacts(id)).toEqual([
      { path: "model", is_dir: true },
      { path: "readme.txt", is_dir: false, file_size: 2 },
    ]);
    expect(await store.listArtifacts(id, "model")).toEqual([
      { path: "model/MLmodel", is_dir: false, file_size: 21 },
      { path: "model/model.json", is_dir: false, file_size: 3 },
    ]);
    expect(await store.listArtifacts(id, "nothing")).toEqual([]);
    expect(Array.from(await store.readArtifact(id, "model/model.json"))).toEqual([1, 2, 3]);
    await rejectsWith(store.readArtifact(id, "missing"), "RESOURCE_DOES_NOT_EXIST");
  });

  it("reads a store MLflow wrote before (legacy fields, stray folders)", async () => {
    const id = await newRun();
    // a folder without meta.yaml is no experiment and no run
    await writeFile(join(root, "0", "tags-not-a-run.txt"), "x");
    await rm(join(root, "0", id, "params"), { recursive: true });
    const run = await store.getRun(id);
    expect(run.data.params).toEqual([]);
    // two-field metric lines (MLflow before steps) read with step 0
    await writeFile(join(root, "0", id, "metrics", "old"), "5 0.25\n");
    expect(await store.getMetricHistory(id, "old")).toEqual([{ key: "old", value: 0.25, timestamp: 5, step: 0 }]);
  });
});

describe("FileTrackingStore: concurrency", () => {
  it("4 processes racing on one experiment name and one param: one experiment, one param value", async () => {
    const id = await newRun("race");
    const script = join(tmp, "race-worker.mts");
    const storeUrl = pathToFileURL(join(REPO, "src", "tracking", "file-tracking.ts")).href;
    await writeFile(
      script,
      `import { FileTrackingStore } from ${JSON.stringify(storeUrl)};
const [root, runId, w, startAt] = process.argv.slice(2);
const store = new FileTrackingStore(root);
await store.getRun(runId);
// every worker starts at the same instant, after its (slow, uneven) start-up
await new Promise((done) => setTimeout(done, Math.max(0, Number(startAt) - Date.now())));
const outcome = async (p) => p.then(() => "ok", (e) => e.code ?? String(e));
const [exp, param] = await Promise.all([
  outcome(store.createExperiment("raced-name")),
  outcome(store.logParam(runId, { key: "lr", value: "0." + w })),
]);
process.stdout.write(JSON.stringify({ exp, param }));
`,
    );
    const startAt = Date.now() + 4000;
    const runWorker = (w: number) =>
      new Promise<{ exp: string; param: string }>((ok, fail) => {
        const child = spawn(process.execPath, ["--import", "tsx", script, root, id, String(w), String(startAt)], {
          cwd: REPO,
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let stderr = "";
        child.stdout.on("data", (d) => {
          out += d;
        });
        child.stderr.on("data", (d) => {
          stderr += d;
        });
        child.on("error", fail);
        child.on("exit", (code) => (code === 0 ? ok(JSON.parse(out)) : fail(new Error(`worker ${w}: ${stderr}`))));
      });
    const results = await Promise.all([1, 2, 3, 4].map(runWorker));
    expect(results.map((r) => r.exp).sort()).toEqual([
      "RESOURCE_ALREADY_EXISTS",
      "RESOURCE_ALREADY_EXISTS",
      "RESOURCE_ALREADY_EXISTS",
      "ok",
    ]);
    expect(results.map((r) => r.param).sort()).toEqual([
      "INVALID_PARAMETER_VALUE",
      "INVALID_PARAMETER_VALUE",
      "INVALID_PARAMETER_VALUE",
      "ok",
    ]);
    const named = (await store.searchExperiments({ viewType: "ALL" })).items.filter((e) => e.name === "raced-name");
    expect(named).toHaveLength(1);
    const winner = results.findIndex((r) => r.param === "ok") + 1;
    expect((await store.getRun(id)).data.params).toEqual([{ key: "lr", value: `0.${winner}` }]);
    expect(existsSync(join(root, ".experiments.lock"))).toBe(false);
  });

  it("loses nothing when 4 processes log to one run at once", async () => {
    const id = await newRun("shared");
    const worker = join(REPO, "test", "fixtures", "log-worker.ts");
    const runWorker = (w: number) =>
      new Promise<void>((ok, fail) => {
        const child = spawn(process.execPath, ["--import", "tsx", worker, root, id, String(w)], {
          cwd: REPO,
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (d) => {
          stderr += d;
        });
        child.on("error", fail);
        child.on("exit", (code) => (code === 0 ? ok() : fail(new Error(`worker ${w} exited ${code}: ${stderr}`))));
      });
    await Promise.all([0, 1, 2, 3].map(runWorker));

    const run = await store.getRun(id);
    const params = new Map(run.data.params.map((p) => [p.key, p.value]));
    const tags = new Map(run.data.tags.map((t) => [t.key, t.value]));
    expect(params.size).toBe(4 * 200 + 1);
    expect(params.get("common")).toBe("same");
    for (let w = 0; w < 4; w++) {
      for (let i = 0; i < 200; i++) expect(params.get(`w${w}/p${i}`)).toBe(`value ${w}.${i}\nline two`);
      for (let i = 0; i < 50; i++) expect(tags.get(`w${w}.t${i}`)).toBe(`tag ${w} ${i}`);
    }
    const history = await store.getMetricHistory(id, "cv/shared");
    expect(history).toHaveLength(4 * 500);
    const text = await readFile(join(root, "0", id, "metrics", "cv", "shared"), "utf8");
    expect(text.split("\n").filter((l) => l !== "")).toHaveLength(2000);
    for (const line of text.trimEnd().split("\n")) expect(line).toMatch(/^\d+ \d+\.5 \d+$/);
    for (let w = 0; w < 4; w++) {
      const mine = history.filter((m) => Math.floor(m.value / 1000) === w);
      expect(mine.map((m) => m.step)).toEqual(Array.from({ length: 500 }, (_, i) => i));
      expect(mine.map((m) => m.value)).toEqual(Array.from({ length: 500 }, (_, i) => w * 1000 + i + 0.5));
    }
    // no temporary files left behind
    const { readdir } = await import("node:fs/promises");
    const leftovers = (await readdir(join(root, "0", id), { recursive: true })).filter((n) =>
      String(n).includes(".~tmp-"),
    );
    expect(leftovers).toEqual([]);
  });
});
