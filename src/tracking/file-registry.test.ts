import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HandgestureError } from "../core/errors.js";
import { FileRegistry } from "./file-registry.js";

const RUN = "0123456789abcdef0123456789abcdef";
const T0 = 1795504138784;

let root: string;
let clock: number;
let reg: FileRegistry;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "hg-registry-"));
  clock = T0;
  reg = new FileRegistry(root, { now: () => clock });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, "expected a rejection").toBeInstanceOf(HandgestureError);
  expect((e as HandgestureError).code).toBe(code);
  if (message) expect((e as Error).message).toMatch(message);
}

const text = (...parts: string[]) => readFile(join(root, "models", ...parts), "utf8");

describe("FileRegistry: registered models", () => {
  it("creates a model in MLflow's layout and reads it back", async () => {
    const m = await reg.createRegisteredModel("hand", [{ key: "team", value: "vision" }], "gestures");
    expect(m).toEqual({
      name: "hand",
      creation_timestamp: T0,
      last_updated_timestamp: T0,
      description: "gestures",
      latest_versions: [],
      tags: [{ key: "team", value: "vision" }],
      aliases: [],
    });
    expect(await reg.getRegisteredModel("hand")).toEqual(m);
    expect(await text("hand", "tags", "team")).toBe("vision");
    expect(await text("hand", "meta.yaml")).toBe(
      `aliases: {}\ncreation_timestamp: ${T0}\ndescription: gestures\nlast_updated_timestamp: ${T0}\nname: hand\n`,
    );
  });

  it("writes description: null when none is given, and reads it as ''", async () => {
    await reg.createRegisteredModel("m");
    expect(await text("m", "meta.yaml")).toContain("description: null\n");
    expect((await reg.getRegisteredModel("m")).description).toBe("");
  });

  it("refuses duplicates and unknown models", async () => {
    await reg.createRegisteredModel("m");
    await rejectsWith(reg.createRegisteredModel("m"), "RESOURCE_ALREADY_EXISTS", /name=m\) already exists/);
    await rejectsWith(reg.getRegisteredModel("nope"), "RESOURCE_DOES_NOT_EXIST", /name=nope not found/);
    await rejectsWith(reg.updateRegisteredModel("nope", "x"), "RESOURCE_DOES_NOT_EXIST");
    await rejectsWith(reg.deleteRegisteredModel("nope"), "RESOURCE_DOES_NOT_EXIST");
    await rejectsWith(reg.setRegisteredModelTag("nope", "k", "v"), "RESOURCE_DOES_NOT_EXIST");
  });

  it("refuses names that could leave models/", async () => {
    for (const bad of ["", "a/b", "..", "../x", "a..b", "a\0b", "a\\b", "/abs", "."]) {
      await rejectsWith(reg.createRegisteredModel(bad), "INVALID_PARAMETER_VALUE", /registered model name/);
    }
    await rejectsWith(reg.getRegisteredModel("../etc"), "INVALID_PARAMETER_VALUE", /must not contain/);
    expect(await readdir(root)).toEqual([]);
  });

  it("updates the description and the timestamp", async () => {
    await reg.createRegisteredModel("m");
    clock = T0 + 5;
    const m = await reg.updateRegisteredModel("m", "new text");
    expect(m.description).toBe("new text");
    expect(m.last_updated_timestamp).toBe(T0 + 5);
    expect(m.creation_timestamp).toBe(T0);
  });

  it("sets and deletes tags (keys with '/' become folders; bad keys refused)", async () => {
    await reg.createRegisteredModel("m");
    await reg.setRegisteredModelTag("m", "cv/f1", "0.9");
    await reg.setRegisteredModelTag("m", "a", "1");
    await reg.setRegisteredModelTag("m", "a", "2");
    expect(await text("m", "tags", "cv", "f1")).toBe("0.9");
    expect((await reg.getRegisteredModel("m")).tags).toEqual([
      { key: "a", value: "2" },
      { key: "cv/f1", value: "0.9" },
    ]);
    await reg.deleteRegisteredModelTag("m", "a");
    await reg.deleteRegisteredModelTag("m", "never-set");
    expect((await reg.getRegisteredModel("m")).tags).toEqual([{ key: "cv/f1", value: "0.9" }]);
    await rejectsWith(reg.setRegisteredModelTag("m", "../escape", "x"), "INVALID_PARAMETER_VALUE");
    await rejectsWith(reg.setRegisteredModelTag("m", "/abs", "x"), "INVALID_PARAMETER_VALUE");
    await rejectsWith(reg.createRegisteredModel("n", [{ key: "a//b", value: "x" }]), "INVALID_PARAMETER_VALUE");
    expect(existsSync(join(root, "models", "n"))).toBe(false);
  });

  it("deletes a model with its versions", async () => {
    await reg.createRegisteredModel("m");
    await reg.createModelVersion({ name: "m", source: "/x" });
    await reg.deleteRegisteredModel("m");
    expect(existsSync(join(root, "models", "m"))).toBe(false);
    await rejectsWith(reg.getModelVersion("m", "1"), "RESOURCE_DOES_NOT_EXIST");
    await reg.createRegisteredModel("m");
    expect((await reg.createModelVersion({ name: "m", source: "/x" })).version).toBe("1");
  });

  it("renames: moves the folder, updates the versions, keeps aliases and tags", async () => {
    await reg.createRegisteredModel("old", [{ key: "k", value: "v" }]);
    await reg.createModelVersion({ name: "old", source: "/a" });
    await reg.createModelVersion({ name: "old", source: "/b" });
    await reg.setRegisteredModelAlias("old", "champion", "2");
    clock = T0 + 100;
    const m = await reg.renameRegisteredModel("old", "new");
    expect(m.name).toBe("new");
    expect(m.last_updated_timestamp).toBe(T0 + 100);
    expect(m.tags).toEqual([{ key: "k", value: "v" }]);
    expect(m.aliases).toEqual([{ alias: "champion", version: "2" }]);
    expect(existsSync(join(root, "models", "old"))).toBe(false);
    await rejectsWith(reg.getRegisteredModel("old"), "RESOURCE_DOES_NOT_EXIST");
    const v1 = await reg.getModelVersion("new", "1");
    expect(v1.name).toBe("new");
    expect(v1.last_updated_timestamp).toBe(T0 + 100);
    expect(await text("new", "version-2", "meta.yaml")).toContain("name: new\n");
    expect((await reg.getModelVersionByAlias("new", "champion")).version).toBe("2");
    await reg.createRegisteredModel("other");
    await rejectsWith(reg.renameRegisteredModel("new", "other"), "RESOURCE_ALREADY_EXISTS");
    await rejectsWith(reg.renameRegisteredModel("new", "a/b"), "INVALID_PARAMETER_VALUE");
    await rejectsWith(reg.renameRegisteredModel("gone", "x"), "RESOURCE_DOES_NOT_EXIST");
  });

  it("searches by name (=, !=, LIKE, ILIKE), tags, with order_by and pages", async () => {
    for (const [i, n] of ["alpha", "Alpine", "beta", "gamma"].entries()) {
      clock = T0 + i;
      await reg.createRegisteredModel(n, [{ key: "kind", value: i % 2 ? "odd" : "even" }]);
    }
    const names = async (filter?: string, orderBy?: string[]) =>
      (await reg.searchRegisteredModels({ filter, orderBy })).items.map((m) => m.name);
    expect(await names()).toEqual(["Alpine", "alpha", "beta", "gamma"]);
    expect(await names("name = 'beta'")).toEqual(["beta"]);
    expect(await names("name != 'beta'")).toEqual(["Alpine", "alpha", "gamma"]);
    expect(await names("name LIKE 'al%'")).toEqual(["alpha"]);
    expect(await names("name ILIKE 'al%'")).toEqual(["Alpine", "alpha"]);
    expect(await names("name like '_eta'")).toEqual(["beta"]);
    expect(await names("tags.kind = 'odd'")).toEqual(["Alpine", "gamma"]);
    expect(await names("tags.`kind` = 'even' and name LIKE '%a'")).toEqual(["alpha", "beta"]);
    expect(await names(`name = "gamma"`)).toEqual(["gamma"]);
    expect(await names(undefined, ["last_updated_timestamp DESC"])).toEqual(["gamma", "beta", "Alpine", "alpha"]);
    const first = await reg.searchRegisteredModels({ maxResults: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.next_page_token).toBeTruthy();
    const second = await reg.searchRegisteredModels({ maxResults: 3, pageToken: first.next_page_token });
    expect(second.items.map((m) => m.name)).toEqual(["gamma"]);
    expect(second.next_page_token).toBeUndefined();
  });

  it("refuses bad filters, order_by, max_results and page tokens", async () => {
    await reg.createRegisteredModel("m");
    await rejectsWith(
      reg.searchRegisteredModels({ filter: "run_id = 'x'" }),
      "INVALID_PARAMETER_VALUE",
      /unknown attribute 'run_id'/,
    );
    await rejectsWith(reg.searchRegisteredModels({ filter: "name = " }), "INVALID_PARAMETER_VALUE");
    await rejectsWith(reg.searchRegisteredModels({ filter: "name ~ 'x'" }), "INVALID_PARAMETER_VALUE");
    await rejectsWith(reg.searchRegisteredModels({ filter: "name = 'a' OR name = 'b'" }), "INVALID_PARAMETER_VALUE");
    await rejectsWith(reg.searchRegisteredModels({ orderBy: ["size"] }), "INVALID_PARAMETER_VALUE", /order_by/);
    await rejectsWith(reg.searchRegisteredModels({ maxResults: 0 }), "INVALID_PARAMETER_VALUE", /max_results/);
    await rejectsWith(reg.searchRegisteredModels({ maxResults: 1001 }), "INVALID_PARAMETER_VALUE");
    await rejectsWith(reg.searchRegisteredModels({ pageToken: "garbage" }), "INVALID_PARAMETER_VALUE", /page token/);
  });
});

describe("FileRegistry: model versions", () => {
  beforeEach(async () => {
    await reg.createRegisteredModel("m");
  });

  it("numbers versions from 1, needs the model, returns MLflow's entity", async () => {
    clock = T0 + 1;
    const v1 = await reg.createModelVersion({
      name: "m",
      source: `runs:/${RUN}/model`,
      runId: RUN,
      tags: [{ key: "k", value: "v" }],
      description: "first",
    });
    expect(v1).toEqual({
      name: "m",
      version: "1",
      creation_timestamp: T0 + 1,
      last_updated_timestamp: T0 + 1,
      current_stage: "None",
      description: "first",
      source: `runs:/${RUN}/model`,
      run_id: RUN,
      run_link: "",
      status: "READY",
      tags: [{ key: "k", value: "v" }],
      aliases: [],
    });
    expect(await reg.getModelVersion("m", "1")).toEqual(v1);
    expect((await reg.createModelVersion({ name: "m", source: "/x" })).version).toBe("2");
    expect((await reg.getRegisteredModel("m")).last_updated_timestamp).toBe(T0 + 1);
    await rejectsWith(reg.createModelVersion({ name: "nope", source: "/x" }), "RESOURCE_DOES_NOT_EXIST", /nope/);
    await rejectsWith(reg.createModelVersion({ name: "m", source: "" }), "INVALID_PARAMETER_VALUE");
  });

  it("refuses unknown and malformed versions", async () => {
    await reg.createModelVersion({ name: "m", source: "/x" });
    await rejectsWith(reg.getModelVersion("m", "2"), "RESOURCE_DOES_NOT_EXIST", /name=m, version=2/);
    await rejectsWith(reg.getModelVersion("m", "abc"), "INVALID_PARAMETER_VALUE", /positive integer/);
    await rejectsWith(reg.getModelVersion("m", "../1"), "INVALID_PARAMETER_VALUE");
    await rejectsWith(reg.getModelVersion("x", "1"), "RESOURCE_DOES_NOT_EXIST", /name=x not found/);
    await rejectsWith(reg.updateModelVersion("m", "9", "d"), "RESOURCE_DOES_NOT_EXIST");
    await rejectsWith(reg.deleteModelVersion("m", "9"), "RESOURCE_DOES_NOT_EXIST");
    await rejectsWith(reg.setModelVersionTag("m", "9", "k", "v"), "RESOURCE_DOES_NOT_EXIST");
    await rejectsWith(reg.getModelVersionDownloadUri("m", "9"), "RESOURCE_DOES_NOT_EXIST");
  });

  it("updates descriptions and tags", async () => {
    await reg.createModelVersion({ name: "m", source: "/x" });
    clock = T0 + 7;
    const v = await reg.updateModelVersion("m", "1", "better");
    expect(v.description).toBe("better");
    expect(v.last_updated_timestamp).toBe(T0 + 7);
    await reg.setModelVersionTag("m", "1", "stage/why", "ok");
    await reg.setModelVersionTag("m", "1", "x", "y");
    await reg.deleteModelVersionTag("m", "1", "x");
    expect((await reg.getModelVersion("m", "1")).tags).toEqual([{ key: "stage/why", value: "ok" }]);
    expect(await text("m", "version-1", "tags", "stage", "why")).toBe("ok");
    await rejectsWith(reg.setModelVersionTag("m", "1", "..", "v"), "INVALID_PARAMETER_VALUE");
  });

  it("soft-deletes versions as MLflow does: gone for readers, number never reused", async () => {
    await reg.createModelVersion({ name: "m", source: "/a" });
    await reg.createModelVersion({ name: "m", source: "/b" });
    await reg.setRegisteredModelAlias("m", "champion", "2");
    await reg.deleteModelVersion("m", "2");
    await rejectsWith(reg.getModelVersion("m", "2"), "RESOURCE_DOES_NOT_EXIST");
    expect(await text("m", "version-2", "meta.yaml")).toContain("current_stage: Deleted_Internal\n");
    expect((await reg.searchModelVersions()).items.map((v) => v.version)).toEqual(["1"]);
    expect((await reg.getRegisteredModel("m")).aliases).toEqual([]);
    await rejectsWith(reg.getModelVersionByAlias("m", "champion"), "RESOURCE_DOES_NOT_EXIST", /champion/);
    expect(existsSync(join(root, "models", "m", "aliases", "champion"))).toBe(false);
    expect((await reg.createModelVersion({ name: "m", source: "/c" })).version).toBe("3");
    await rejectsWith(reg.deleteModelVersion("m", "2"), "RESOURCE_DOES_NOT_EXIST");
  });

  it("searches versions by name, run_id (=, IN), source_path and tags", async () => {
    await reg.createRegisteredModel("other");
    await reg.createModelVersion({ name: "m", source: "/a", runId: "r1" });
    await reg.createModelVersion({ name: "m", source: "/b", runId: "r2", tags: [{ key: "t", value: "1" }] });
    await reg.createModelVersion({ name: "other", source: "/c", runId: "r1" });
    const found = async (filter?: string) =>
      (await reg.searchModelVersions({ filter, orderBy: ["name ASC", "version_number ASC"] })).items.map(
        (v) => `${v.name}/${v.version}`,
      );
    expect(await found()).toEqual(["m/1", "m/2", "other/1"]);
    expect(await found("name = 'm'")).toEqual(["m/1", "m/2"]);
    expect(await found("run_id = 'r1'")).toEqual(["m/1", "other/1"]);
    expect(await found("run_id IN ('r2', 'zz')")).toEqual(["m/2"]);
    expect(await found("name='m' AND run_id='r1'")).toEqual(["m/1"]);
    expect(await found("source_path = '/c'")).toEqual(["other/1"]);
    expect(await found("tags.t = '1'")).toEqual(["m/2"]);
    expect(await found("version_number = 2")).toEqual(["m/2"]);
    await rejectsWith(
      reg.searchModelVersions({ filter: "stage = 'x'" }),
      "INVALID_PARAMETER_VALUE",
      /expected name, run_id/,
    );
    const page = await reg.searchModelVersions({ maxResults: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.next_page_token).toBeTruthy();
  });

  it("download URI is the storage location; a models:/ source is resolved to it", async () => {
    await reg.createModelVersion({ name: "m", source: `runs:/${RUN}/model`, runId: RUN });
    expect(await reg.getModelVersionDownloadUri("m", "1")).toBe(`runs:/${RUN}/model`);
    await reg.createRegisteredModel("copy");
    const v = await reg.createModelVersion({ name: "copy", source: "models:/m/1" });
    expect(v.source).toBe("models:/m/1");
    expect(await reg.getModelVersionDownloadUri("copy", v.version)).toBe(`runs:/${RUN}/model`);
    await rejectsWith(reg.createModelVersion({ name: "copy", source: "models:/m/5" }), "RESOURCE_DOES_NOT_EXIST");
  });
});

describe("FileRegistry: stages", () => {
  beforeEach(async () => {
    await reg.createRegisteredModel("m");
    for (let i = 0; i < 4; i++) await reg.createModelVersion({ name: "m", source: `/v${i + 1}` });
  });

  it("transitions with MLflow's case-insensitive stage names and refuses others", async () => {
    clock = T0 + 9;
    const v = await reg.transitionModelVersionStage("m", "1", "staging" as "Staging", false);
    expect(v.current_stage).toBe("Staging");
    expect(v.last_updated_timestamp).toBe(T0 + 9);
    await rejectsWith(
      reg.transitionModelVersionStage("m", "1", "Prod" as "Production", false),
      "INVALID_PARAMETER_VALUE",
      /None, Staging, Production, Archived/,
    );
    await rejectsWith(reg.transitionModelVersionStage("m", "9", "Staging", false), "RESOURCE_DOES_NOT_EXIST");
  });

  it("archive_existing_versions archives the others in the target stage only", async () => {
    await reg.transitionModelVersionStage("m", "1", "Production", false);
    await reg.transitionModelVersionStage("m", "2", "Production", false);
    await reg.transitionModelVersionStage("m", "3", "Staging", false);
    clock = T0 + 50;
    await reg.transitionModelVersionStage("m", "4", "Production", true);
    const stages = await Promise.all(
      ["1", "2", "3", "4"].map(async (n) => (await reg.getModelVersion("m", n)).current_stage),
    );
    expect(stages).toEqual(["Archived", "Archived", "Staging", "Production"]);
    expect((await reg.getModelVersion("m", "1")).last_updated_timestamp).toBe(T0 + 50);
    expect((await reg.getModelVersion("m", "3")).last_updated_timestamp).toBe(T0);
    await rejectsWith(
      reg.transitionModelVersionStage("m", "1", "Archived", true),
      "INVALID_PARAMETER_VALUE",
      /Staging, Production/,
    );
  });

  it("getLatestVersions: the newest version per stage, optionally for some stages", async () => {
    await reg.transitionModelVersionStage("m", "1", "Production", false);
    await reg.transitionModelVersionStage("m", "2", "Production", false);
    await reg.transitionModelVersionStage("m", "3", "Staging", false);
    const latest = async (stages?: ("None" | "Staging" | "Production" | "Archived")[]) =>
      (await reg.getLatestVersions("m", stages)).map((v) => `${v.version}:${v.current_stage}`);
    expect(await latest()).toEqual(["2:Production", "3:Staging", "4:None"]);
    expect(await latest(["Production"])).toEqual(["2:Production"]);
    expect(await latest(["production" as "Production", "Staging"])).toEqual(["2:Production", "3:Staging"]);
    expect(await latest(["Archived"])).toEqual([]);
    expect((await reg.getRegisteredModel("m")).latest_versions.map((v) => v.version)).toEqual(["2", "3", "4"]);
    await rejectsWith(reg.getLatestVersions("nope"), "RESOURCE_DOES_NOT_EXIST");
    await rejectsWith(reg.getLatestVersions("m", ["Gold" as "Staging"]), "INVALID_PARAMETER_VALUE");
  });
});

describe("FileRegistry: aliases", () => {
  beforeEach(async () => {
    await reg.createRegisteredModel("m");
    await reg.createModelVersion({ name: "m", source: "/a" });
    await reg.createModelVersion({ name: "m", source: "/b" });
  });

  it("sets, moves and deletes an alias; files and meta.yaml follow", async () => {
    await reg.setRegisteredModelAlias("m", "champion", "1");
    expect(await text("m", "aliases", "champion")).toBe("1");
    expect((await reg.getModelVersionByAlias("m", "champion")).version).toBe("1");
    expect((await reg.getModelVersion("m", "1")).aliases).toEqual(["champion"]);
    await reg.setRegisteredModelAlias("m", "champion", "2");
    expect((await reg.getModelVersionByAlias("m", "champion")).version).toBe("2");
    expect((await reg.getModelVersion("m", "1")).aliases).toEqual([]);
    expect((await reg.getModelVersion("m", "2")).aliases).toEqual(["champion"]);
    expect(await text("m", "version-1", "meta.yaml")).toMatch(/^aliases: \[\]\n/);
    expect(await text("m", "version-2", "meta.yaml")).toMatch(/^aliases:\n- champion\n/);
    expect(await text("m", "meta.yaml")).toMatch(/^aliases:\n {2}champion: '2'\n/);
    await reg.setRegisteredModelAlias("m", "challenger", "1");
    expect((await reg.getRegisteredModel("m")).aliases).toEqual([
      { alias: "challenger", version: "1" },
      { alias: "champion", version: "2" },
    ]);
    await reg.deleteRegisteredModelAlias("m", "champion");
    expect((await reg.getRegisteredModel("m")).aliases).toEqual([{ alias: "challenger", version: "1" }]);
    expect(await text("m", "version-2", "meta.yaml")).toMatch(/^aliases: \[\]\n/);
    await rejectsWith(reg.getModelVersionByAlias("m", "champion"), "RESOURCE_DOES_NOT_EXIST", /alias champion/);
  });

  it("refuses bad aliases, unknown versions and models", async () => {
    for (const bad of ["latest", "v1", "V12", "a b", "", "../x", "a/b"]) {
      await rejectsWith(reg.setRegisteredModelAlias("m", bad, "1"), "INVALID_PARAMETER_VALUE");
    }
    await rejectsWith(reg.setRegisteredModelAlias("m", "champion", "9"), "RESOURCE_DOES_NOT_EXIST");
    await rejectsWith(reg.setRegisteredModelAlias("nope", "champion", "1"), "RESOURCE_DOES_NOT_EXIST");
    await rejectsWith(reg.getModelVersionByAlias("nope", "champion"), "RESOURCE_DOES_NOT_EXIST");
    expect(existsSync(join(root, "models", "m", "aliases"))).toBe(false);
  });
});

describe("FileRegistry: meta.yaml text (MLflow 2.12 / PyYAML layout)", () => {
  it("matches byte for byte after a fixed sequence", async () => {
    clock = 1795504100000;
    await reg.createRegisteredModel("hand-gestures", [{ key: "team", value: "vision" }], "HaGRID gestures");
    clock = 1795504200000;
    await reg.createModelVersion({ name: "hand-gestures", source: `runs:/${RUN}/model`, runId: RUN });
    clock = 1795504300000;
    await reg.createModelVersion({
      name: "hand-gestures",
      source: `file:///tmp/mlruns/0/${RUN}/artifacts/model`,
      runId: RUN,
      description: "retrained: 2 more epochs",
    });
    clock = 1795504400000;
    await reg.setRegisteredModelAlias("hand-gestures", "champion", "1");
    clock = 1795504500000;
    await reg.transitionModelVersionStage("hand-gestures", "1", "Production", true);

    expect(await text("hand-gestures", "meta.yaml")).toBe(
      [
        "aliases:",
        "  champion: '1'",
        "creation_timestamp: 1795504100000",
        "description: HaGRID gestures",
        "last_updated_timestamp: 1795504500000",
        "name: hand-gestures",
        "",
      ].join("\n"),
    );
    expect(await text("hand-gestures", "version-1", "meta.yaml")).toBe(
      [
        "aliases:",
        "- champion",
        "creation_timestamp: 1795504200000",
        "current_stage: Production",
        "description: null",
        "last_updated_timestamp: 1795504500000",
        "name: hand-gestures",
        `run_id: ${RUN}`,
        "run_link: null",
        `source: runs:/${RUN}/model`,
        "status: READY",
        "status_message: null",
        `storage_location: runs:/${RUN}/model`,
        "user_id: null",
        "version: 1",
        "",
      ].join("\n"),
    );
    expect(await text("hand-gestures", "version-2", "meta.yaml")).toBe(
      [
        "aliases: []",
        "creation_timestamp: 1795504300000",
        "current_stage: None",
        "description: 'retrained: 2 more epochs'",
        "last_updated_timestamp: 1795504300000",
        "name: hand-gestures",
        `run_id: ${RUN}`,
        "run_link: null",
        `source: file:///tmp/mlruns/0/${RUN}/artifacts/model`,
        "status: READY",
        "status_message: null",
        `storage_location: file:///tmp/mlruns/0/${RUN}/artifacts/model`,
        "user_id: null",
        "version: 2",
        "",
      ].join("\n"),
    );
    expect(await text("hand-gestures", "tags", "team")).toBe("vision");
    expect(await text("hand-gestures", "aliases", "champion")).toBe("1");
    // The entity MLflow returns for the model: latest version per stage, aliases as {alias, version}.
    const m = await reg.getRegisteredModel("hand-gestures");
    expect(m.latest_versions.map((v) => [v.version, v.current_stage])).toEqual([
      ["1", "Production"],
      ["2", "None"],
    ]);
    expect(m.aliases).toEqual([{ alias: "champion", version: "1" }]);
  });

  it("reads a registry folder written by hand in MLflow's format", async () => {
    const dir = join(root, "models", "legacy", "version-3");
    await mkdir(join(dir, "tags"), { recursive: true });
    await writeFile(
      join(root, "models", "legacy", "meta.yaml"),
      "aliases: {}\ncreation_timestamp: 1\ndescription: null\nlast_updated_timestamp: 2\nname: legacy\n",
    );
    await writeFile(
      join(dir, "meta.yaml"),
      "aliases: []\ncreation_timestamp: 3\ncurrent_stage: Staging\ndescription: ''\nlast_updated_timestamp: 4\n" +
        "name: legacy\nrun_id: null\nrun_link: ''\nsource: /models/x\nstatus: READY\nstatus_message: null\n" +
        "storage_location: /models/x\nuser_id: null\nversion: 3\n",
    );
    await writeFile(join(dir, "tags", "k"), "v");
    const v = await reg.getModelVersion("legacy", "3");
    expect(v).toMatchObject({ version: "3", current_stage: "Staging", run_id: "", source: "/models/x" });
    expect(v.tags).toEqual([{ key: "k", value: "v" }]);
    expect((await reg.createModelVersion({ name: "legacy", source: "/y" })).version).toBe("4");
  });
});

describe("FileRegistry: concurrent version creation", () => {
  it("20 concurrent createModelVersion calls get versions 1..20", async () => {
    await reg.createRegisteredModel("m");
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) => reg.createModelVersion({ name: "m", source: `/s${i}` })),
    );
    const numbers = created.map((v) => Number(v.version)).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const sources = new Set(
      await Promise.all(numbers.map(async (n) => (await reg.getModelVersion("m", String(n))).source)),
    );
    expect(sources.size).toBe(20);
  });

  it("two processes creating versions at once get distinct numbers", async () => {
    await reg.createRegisteredModel("m");
    const script = join(root, "worker.mts");
    const registry = fileURLToPath(new URL("./file-registry.ts", import.meta.url));
    await writeFile(
      script,
      `import { FileRegistry } from ${JSON.stringify(registry)};\n` +
        "const reg = new FileRegistry(process.argv[2]);\n" +
        "const vs = await Promise.all(Array.from({ length: 10 }, (_, i) =>\n" +
        "  reg.createModelVersion({ name: 'm', source: '/' + process.pid + '/' + i })));\n" +
        "console.log(JSON.stringify(vs.map((v) => v.version)));\n",
    );
    const run = () =>
      new Promise<string[]>((ok, fail) => {
        const child = spawn(process.execPath, ["--import", "tsx", script, root], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let errText = "";
        child.stdout.on("data", (d) => {
          out += d;
        });
        child.stderr.on("data", (d) => {
          errText += d;
        });
        child.on("error", fail);
        child.on("close", (code) =>
          code === 0 ? ok(JSON.parse(out)) : fail(new Error(`worker exited ${code}: ${errText}`)),
        );
      });
    const [a, b] = await Promise.all([run(), run()]);
    const all = [...a, ...b].map(Number).sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const listed = await reg.searchModelVersions({ filter: "name = 'm'" });
    expect(listed.items).toHaveLength(20);
  });
});
