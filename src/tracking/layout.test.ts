/**
 * The file store's bytes on disk, compared with expected text written by hand from MLflow 2.12's layout
 * (/work/shared/docs/mlflow-compat.md): every file of a small fixed store, with pinned clock, ids and user.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileTrackingStore } from "./file-tracking.js";

const NOW = 1795504138784;
const EXP = "123456789012345678";
const OLD_EXP = "876543210987654321";
const RUN = "0123456789abcdef0123456789abcdef";
const DELETED_RUN = "fedcba9876543210fedcba9876543210";

let tmp: string;
let root: string;
let files: Map<string, string>;
let dirs: Set<string>;

async function walk(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    const rel = relative(root, full).split(sep).join("/");
    if (e.isDirectory()) {
      dirs.add(rel);
      await walk(full);
    } else {
      files.set(rel, await readFile(full, "utf8"));
    }
  }
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "hg-layout-"));
  root = join(tmp, "mlruns");
  const runIds = [RUN, DELETED_RUN];
  const expIds = [EXP, OLD_EXP];
  const store = new FileTrackingStore(root, {
    now: () => NOW,
    newRunId: () => runIds.shift() ?? "",
    newExperimentId: () => expIds.shift() ?? "",
    user: "alice",
  });
  await store.createExperiment("hand-gestures", [{ key: "team", value: "vision" }]);
  await store.createRun({ experimentId: EXP, runName: "layout-run", startTime: 1795504138000 });
  await store.logBatch(RUN, {
    metrics: [
      { key: "f1", value: 0.9, timestamp: NOW, step: 0 },
      { key: "f1", value: 1, timestamp: NOW + 1, step: 1 },
      { key: "loss", value: Number.NaN, timestamp: NOW, step: 0 },
      { key: "cv/f1", value: Number.POSITIVE_INFINITY, timestamp: NOW, step: 0 },
      { key: "cv/f1", value: Number.NEGATIVE_INFINITY, timestamp: NOW + 1, step: 1 },
    ],
    params: [
      { key: "model", value: "rf" },
      { key: "cv/folds", value: "5" },
      { key: "notes", value: "two\nlines" },
    ],
    tags: [{ key: "mlflow.note.content", value: "hello" }],
  });
  await store.logInputs(RUN, [
    {
      tags: [{ key: "mlflow.data.context", value: "training" }],
      dataset: {
        name: "hagrid_sample",
        digest: "1a2b3c4d",
        source_type: "local",
        source: '{"uri": "/data/hagrid.csv"}',
        schema: '{"mlflow_colspec": [{"type": "double", "name": "x1", "required": true}]}',
        profile: '{"num_rows": 2, "num_elements": 4}',
      },
    },
  ]);
  await store.logArtifact(RUN, "model/MLmodel", "artifact_path: model\n");
  await store.updateRunInfo(RUN, "FINISHED", 1795504139000);
  await store.createRun({ experimentId: EXP, runName: "deleted-run", startTime: 1795504138500, userId: "bob" });
  await store.deleteRun(DELETED_RUN);
  await store.createExperiment("old");
  await store.deleteExperiment(OLD_EXP);

  files = new Map();
  dirs = new Set();
  await walk(root);
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("mlruns/ layout, byte for byte", () => {
  it("writes exactly the files MLflow writes, with MLflow's bytes", () => {
    const datasetId = createHash("md5").update("hagrid_sample").update("1a2b3c4d").digest("hex");
    const inputId = createHash("md5").update(datasetId).update(RUN).digest("hex");
    const uri = `file://${root}`;
    const r = `${EXP}/${RUN}`;
    const d = `${EXP}/${DELETED_RUN}`;
    const expected: Record<string, string> = {
      "0/meta.yaml":
        `artifact_location: ${uri}/0\n` +
        "creation_time: 1795504138784\n" +
        "experiment_id: '0'\n" +
        "last_update_time: 1795504138784\n" +
        "lifecycle_stage: active\n" +
        "name: Default\n",
      [`${EXP}/meta.yaml`]:
        `artifact_location: ${uri}/${EXP}\n` +
        "creation_time: 1795504138784\n" +
        `experiment_id: '${EXP}'\n` +
        "last_update_time: 1795504138784\n" +
        "lifecycle_stage: active\n" +
        "name: hand-gestures\n",
      [`${EXP}/tags/team`]: "vision",
      [`${EXP}/datasets/${datasetId}/meta.yaml`]:
        "digest: 1a2b3c4d\n" +
        "name: hagrid_sample\n" +
        `profile: '{"num_rows": 2, "num_elements": 4}'\n` +
        `schema: '{"mlflow_colspec": [{"type": "double", "name": "x1", "required": true}]}'\n` +
        `source: '{"uri": "/data/hagrid.csv"}'\n` +
        "source_type: local\n",
      [`${r}/meta.yaml`]:
        `artifact_uri: ${uri}/${EXP}/${RUN}/artifacts\n` +
        "end_time: 1795504139000\n" +
        "entry_point_name: ''\n" +
        `experiment_id: '${EXP}'\n` +
        "lifecycle_stage: active\n" +
        `run_id: ${RUN}\n` +
        "run_name: layout-run\n" +
        `run_uuid: ${RUN}\n` +
        "source_name: ''\n" +
        "source_type: 4\n" +
        "source_version: ''\n" +
        "start_time: 1795504138000\n" +
        "status: 3\n" +
        "tags: []\n" +
        "user_id: alice\n",
      [`${r}/metrics/f1`]: "1795504138784 0.9 0\n1795504138785 1.0 1\n",
      [`${r}/metrics/loss`]: "1795504138784 nan 0\n",
      [`${r}/metrics/cv/f1`]: "1795504138784 inf 0\n1795504138785 -inf 1\n",
      [`${r}/params/model`]: "rf",
      [`${r}/params/cv/folds`]: "5",
      [`${r}/params/notes`]: "two\nlines",
      [`${r}/tags/mlflow.runName`]: "layout-run",
      [`${r}/tags/mlflow.user`]: "alice",
      [`${r}/tags/mlflow.source.type`]: "LOCAL",
      [`${r}/tags/mlflow.note.content`]: "hello",
      [`${r}/inputs/${inputId}/meta.yaml`]:
        `destination_id: ${RUN}\n` +
        "destination_type: RUN\n" +
        `source_id: ${datasetId}\n` +
        "source_type: DATASET\n" +
        "tags:\n" +
        "  mlflow.data.context: training\n",
      [`${r}/artifacts/model/MLmodel`]: "artifact_path: model\n",
      [`${d}/meta.yaml`]:
        `artifact_uri: ${uri}/${EXP}/${DELETED_RUN}/artifacts\n` +
        "deleted_time: 1795504138784\n" +
        "end_time: null\n" +
        "entry_point_name: ''\n" +
        `experiment_id: '${EXP}'\n` +
        "lifecycle_stage: deleted\n" +
        `run_id: ${DELETED_RUN}\n` +
        "run_name: deleted-run\n" +
        `run_uuid: ${DELETED_RUN}\n` +
        "source_name: ''\n" +
        "source_type: 4\n" +
        "source_version: ''\n" +
        "start_time: 1795504138500\n" +
        "status: 1\n" +
        "tags: []\n" +
        "user_id: bob\n",
      [`${d}/tags/mlflow.runName`]: "deleted-run",
      [`${d}/tags/mlflow.user`]: "bob",
      [`${d}/tags/mlflow.source.type`]: "LOCAL",
      [`.trash/${OLD_EXP}/meta.yaml`]:
        `artifact_location: ${uri}/${OLD_EXP}\n` +
        "creation_time: 1795504138784\n" +
        `experiment_id: '${OLD_EXP}'\n` +
        "last_update_time: 1795504138784\n" +
        "lifecycle_stage: deleted\n" +
        "name: old\n",
    };
    expect([...files.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [path, text] of Object.entries(expected)) {
      expect(files.get(path), path).toBe(text);
    }
  });

  it("creates the folders MLflow creates (metrics/, params/, artifacts/ at run creation; .trash/)", () => {
    for (const run of [RUN, DELETED_RUN]) {
      for (const sub of ["metrics", "params", "artifacts", "tags"]) expect(dirs.has(`${EXP}/${run}/${sub}`)).toBe(true);
    }
    expect(dirs.has(".trash")).toBe(true);
    expect(dirs.has(OLD_EXP)).toBe(false);
  });

  it("never leaves a trailing newline in params and tags, always one after each metric point", () => {
    for (const [path, text] of files) {
      if (/\/(params|tags)\//.test(path)) expect(text.endsWith("\n"), path).toBe(false);
      if (/\/metrics\//.test(path)) expect(text).toMatch(/^(\d+ (-?inf|nan|-?\d+\.\d+(e[-+]\d+)?) -?\d+\n)+$/);
    }
  });
});
