import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HandgestureError } from "../core/errors.js";
import { FileStore } from "./file-store.js";
import { canonicalStage, parseModelUri, resolveModelUri } from "./model-uri.js";

const RUN = "0123456789abcdef0123456789abcdef";

function parseError(uri: string): HandgestureError {
  try {
    parseModelUri(uri);
  } catch (e) {
    return e as HandgestureError;
  }
  throw new Error(`${uri} parsed`);
}

describe("parseModelUri", () => {
  it("parses runs:/ URIs", () => {
    expect(parseModelUri(`runs:/${RUN}/model`)).toEqual({ kind: "runs", runId: RUN, artifactPath: "model" });
    expect(parseModelUri(`runs:/${RUN}/a/b/`)).toEqual({ kind: "runs", runId: RUN, artifactPath: "a/b" });
    expect(parseModelUri(`runs:/${RUN}`)).toEqual({ kind: "runs", runId: RUN, artifactPath: "" });
  });

  it("parses models:/ URIs: version, stage (any case), latest, alias", () => {
    expect(parseModelUri("models:/hand/3")).toEqual({ kind: "models-version", name: "hand", version: "3" });
    expect(parseModelUri("models:/hand/007")).toEqual({ kind: "models-version", name: "hand", version: "7" });
    expect(parseModelUri("models:/hand/Production")).toEqual({
      kind: "models-stage",
      name: "hand",
      stage: "Production",
    });
    expect(parseModelUri("models:/hand/staging")).toEqual({ kind: "models-stage", name: "hand", stage: "Staging" });
    expect(parseModelUri("models:/hand/NONE")).toEqual({ kind: "models-stage", name: "hand", stage: "None" });
    expect(parseModelUri("models:/hand/latest")).toEqual({ kind: "models-latest", name: "hand" });
    expect(parseModelUri("models:/hand@champion")).toEqual({ kind: "models-alias", name: "hand", alias: "champion" });
    expect(parseModelUri("models:/my model@v-2")).toEqual({ kind: "models-alias", name: "my model", alias: "v-2" });
  });

  it("parses paths and file: URIs into absolute paths", () => {
    expect(parseModelUri("/abs/model")).toEqual({ kind: "path", path: "/abs/model" });
    expect(parseModelUri("rel/model")).toEqual({ kind: "path", path: resolve("rel/model") });
    expect(parseModelUri("file:///abs/model")).toEqual({ kind: "path", path: "/abs/model" });
    expect(parseModelUri("file:/abs/model")).toEqual({ kind: "path", path: "/abs/model" });
    expect(parseModelUri(pathToFileURL("/a b/m").href)).toEqual({ kind: "path", path: "/a b/m" });
  });

  it("refuses malformed URIs, saying which forms are accepted", () => {
    const bad = [
      "",
      "runs:",
      "runs:/",
      "runs://host/x",
      `runs:/${RUN}/../other`,
      "models:",
      "models:/",
      "models:/hand",
      "models:/hand/",
      "models:/hand/Gold",
      "models:/hand/1/extra",
      "models:/@champion",
      "models:/hand@",
      "models:/ /1",
      "models://hand/1",
      "s3://bucket/model",
      "http://example.com/model",
      "file://remote-host/x",
    ];
    for (const uri of bad) {
      const e = parseError(uri);
      expect(e, uri).toBeInstanceOf(HandgestureError);
      expect(e.code, uri).toBe("INVALID_PARAMETER_VALUE");
      expect(e.message, uri).toMatch(/accepted forms: runs:\/<run_id>\/<path>, models:\/<name>\/<version>/);
      expect(e.message, uri).toContain("models:/<name>@<alias>");
    }
    expect(parseError("models:/hand/Gold").message).toMatch(/'Gold' is neither a version number, a stage nor 'latest'/);
    expect(parseError("s3://b/m").message).toMatch(/unsupported scheme 's3:'/);
  });

  it("canonicalStage follows MLflow's case-insensitive names", () => {
    expect(canonicalStage("pRoDuCtIoN")).toBe("Production");
    expect(canonicalStage("archived")).toBe("Archived");
    expect(canonicalStage("prod")).toBeUndefined();
  });
});

describe("resolveModelUri", () => {
  let root: string;
  let reg: FileStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "hg-model-uri-"));
    reg = new FileStore(root);
    await reg.createRegisteredModel("hand");
    await reg.createModelVersion({ name: "hand", source: `runs:/${RUN}/model`, runId: RUN }); // 1
    await reg.createModelVersion({
      name: "hand",
      source: `file://${root}/0/${RUN}/artifacts/models/forest`,
      runId: RUN,
    }); // 2
    await reg.createModelVersion({ name: "hand", source: "/somewhere/else/model" }); // 3
    await reg.transitionModelVersionStage("hand", "1", "Production", false);
    await reg.transitionModelVersionStage("hand", "2", "Staging", false);
    await reg.setRegisteredModelAlias("hand", "champion", "2");
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function rejection(uri: string): Promise<HandgestureError> {
    return resolveModelUri(uri, reg).then(
      () => {
        throw new Error(`${uri} resolved`);
      },
      (e: HandgestureError) => e,
    );
  }

  it("runs:/ and paths need no store", async () => {
    expect(await resolveModelUri(`runs:/${RUN}/model`, reg)).toEqual({ runId: RUN, artifactPath: "model" });
    expect(await resolveModelUri("file:///x/y", reg)).toEqual({ artifactPath: "/x/y" });
    expect(await resolveModelUri("/x/y", reg)).toEqual({ artifactPath: "/x/y" });
  });

  it("models:/<name>/<version> follows the version's runs:/ source", async () => {
    expect(await resolveModelUri("models:/hand/1", reg)).toEqual({
      runId: RUN,
      artifactPath: "model",
      name: "hand",
      version: "1",
      source: `runs:/${RUN}/model`,
    });
  });

  it("a source inside the version's run artifacts resolves to that run", async () => {
    expect(await resolveModelUri("models:/hand/2", reg)).toMatchObject({
      runId: RUN,
      artifactPath: "models/forest",
      version: "2",
    });
  });

  it("a plain path source stays a path", async () => {
    expect(await resolveModelUri("models:/hand/3", reg)).toEqual({
      artifactPath: "/somewhere/else/model",
      name: "hand",
      version: "3",
      source: "/somewhere/else/model",
    });
  });

  it("models:/<name>/<stage> takes the latest version in that stage, any case", async () => {
    await reg.createModelVersion({ name: "hand", source: `runs:/${RUN}/newer` }); // 4
    await reg.transitionModelVersionStage("hand", "4", "Production", false);
    expect(await resolveModelUri("models:/hand/production", reg)).toMatchObject({
      version: "4",
      artifactPath: "newer",
    });
    expect(await resolveModelUri("models:/hand/Staging", reg)).toMatchObject({ version: "2" });
    expect(await resolveModelUri("models:/hand/latest", reg)).toMatchObject({ version: "4" });
  });

  it("models:/<name>@<alias> follows the alias, and its moves", async () => {
    expect(await resolveModelUri("models:/hand@champion", reg)).toMatchObject({ version: "2", runId: RUN });
    await reg.setRegisteredModelAlias("hand", "champion", "1");
    expect(await resolveModelUri("models:/hand@champion", reg)).toMatchObject({ version: "1", artifactPath: "model" });
  });

  it("a models:/ source is followed to the version it names", async () => {
    await reg.createRegisteredModel("copy");
    await reg.createModelVersion({ name: "copy", source: "models:/hand/1" });
    expect(await resolveModelUri("models:/copy/1", reg)).toEqual({
      runId: RUN,
      artifactPath: "model",
      name: "copy",
      version: "1",
      source: "models:/hand/1",
    });
  });

  it("missing versions, stages and aliases are RESOURCE_DOES_NOT_EXIST naming model and stage/alias", async () => {
    const cases: [string, RegExp][] = [
      ["models:/hand/9", /registered model 'hand' has no version 9/],
      ["models:/hand/Archived", /registered model 'hand' has no version in stage 'Archived'/],
      ["models:/hand@challenger", /registered model 'hand' has no alias 'challenger'/],
      ["models:/nope/1", /registered model 'nope' has no version 1/],
      ["models:/nope@champion", /'nope' has no alias 'champion'/],
    ];
    for (const [uri, message] of cases) {
      const e = await rejection(uri);
      expect(e.code, uri).toBe("RESOURCE_DOES_NOT_EXIST");
      expect(e.message, uri).toMatch(message);
    }
    expect((await rejection("models:/nope/Production")).code).toBe("RESOURCE_DOES_NOT_EXIST");
    const empty = await reg.createRegisteredModel("empty").then(() => rejection("models:/empty/latest"));
    expect(empty.message).toMatch(/'empty' has no versions/);
  });

  it("a source this project cannot read is refused clearly", async () => {
    await reg.createModelVersion({ name: "hand", source: "s3://bucket/model" }); // 4
    const e = await rejection("models:/hand/4");
    expect(e.code).toBe("INVALID_PARAMETER_VALUE");
    expect(e.message).toMatch(/model 'hand' version 4: its source 's3:\/\/bucket\/model'/);
  });

  it("malformed URIs are refused before any lookup", async () => {
    expect((await rejection("models:/hand")).code).toBe("INVALID_PARAMETER_VALUE");
  });
});

describe("resolveModelUri over a FileStore (tracking + registry in one mlruns/)", () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "hg-file-store-"));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("registers a logged model and reads it back through models:/ and an alias", async () => {
    const store = new FileStore(root);
    const run = await store.createRun({ experimentId: "0" });
    const runId = run.info.run_id;
    await store.logArtifact(runId, "model/model.json", '{"ok":true}');
    await store.createRegisteredModel("hand").catch(() => undefined);
    const v = await store.createModelVersion({ name: "hand", source: `runs:/${runId}/model`, runId });
    await store.setRegisteredModelAlias("hand", "champion", v.version);
    for (const uri of ["models:/hand/1", "models:/hand@champion", "models:/hand/none", `runs:/${runId}/model`]) {
      const where = await resolveModelUri(uri, store);
      expect(where.runId, uri).toBe(runId);
      const bytes = await store.readArtifact(where.runId as string, `${where.artifactPath}/model.json`);
      expect(new TextDecoder().decode(bytes), uri).toBe('{"ok":true}');
    }
    expect((await store.searchExperiments()).items.map((e) => e.name)).toContain("Default");
    expect((await store.searchRegisteredModels()).items.map((m) => m.name)).toEqual(["hand"]);
  });
});
