import { describe, expect, it } from "vitest";
import { expectError, type Json, trackingApi, useTrackingServer } from "../../../test/tracking-server.js";

/** The model registry endpoints over real HTTP on loopback, backed by a file store in a temp folder. */
const srv = useTrackingServer("hg-tracking-registry-");
const { api, ok, newRun } = trackingApi(() => srv.url);

describe("tracking server: model registry", () => {
  it("registered models: create, get, search (GET), rename, update (PATCH), tags, delete", async () => {
    const created = await ok("POST", "registered-models/create", {
      name: "reg-a",
      tags: [{ key: "task", value: "gestures" }],
      description: "forest",
    });
    expect(created.registered_model).toMatchObject({ name: "reg-a", description: "forest" });
    expectError(await api("POST", "registered-models/create", { name: "reg-a" }), 400, "RESOURCE_ALREADY_EXISTS");
    expect((await ok("GET", "registered-models/get", { name: "reg-a" })).registered_model.tags).toEqual([
      { key: "task", value: "gestures" },
    ]);
    expectError(await api("GET", "registered-models/get", { name: "nope" }), 404, "RESOURCE_DOES_NOT_EXIST");
    const found = await ok("GET", "registered-models/search", { filter: "name LIKE 'reg-%'", max_results: 10 });
    expect(found.registered_models.map((m: Json) => m.name)).toEqual(["reg-a"]);
    await ok("POST", "registered-models/set-tag", { name: "reg-a", key: "owner", value: "me" });
    await ok("DELETE", "registered-models/delete-tag", { name: "reg-a", key: "task" });
    const updated = await ok("PATCH", "registered-models/update", { name: "reg-a", description: "a forest" });
    expect(updated.registered_model).toMatchObject({ description: "a forest", tags: [{ key: "owner", value: "me" }] });
    const renamed = await ok("POST", "registered-models/rename", { name: "reg-a", new_name: "reg-b" });
    expect(renamed.registered_model.name).toBe("reg-b");
    await ok("DELETE", "registered-models/delete", { name: "reg-b" });
    expectError(await api("GET", "registered-models/get", { name: "reg-b" }), 404, "RESOURCE_DOES_NOT_EXIST");
  });

  it("model versions: create, get, search, update, stages, latest versions, aliases, tags, download URI, delete", async () => {
    const run = await newRun("reg");
    const source = `${run.artifact_uri}/model`;
    await ok("POST", "registered-models/create", { name: "hand" });
    const v1 = (await ok("POST", "model-versions/create", { name: "hand", source, run_id: run.run_id })).model_version;
    expect(v1).toMatchObject({ name: "hand", version: "1", current_stage: "None", status: "READY", source });
    const v2 = (
      await ok("POST", "model-versions/create", { name: "hand", source, run_id: run.run_id, description: "two" })
    ).model_version;
    expect(v2.version).toBe("2");
    expect((await ok("GET", "model-versions/get", { name: "hand", version: "2" })).model_version.description).toBe(
      "two",
    );
    expectError(await api("GET", "model-versions/get", { name: "hand", version: "9" }), 404, "RESOURCE_DOES_NOT_EXIST");
    const patched = await ok("PATCH", "model-versions/update", { name: "hand", version: "1", description: "one" });
    expect(patched.model_version.description).toBe("one");

    const p1 = await ok("POST", "model-versions/transition-stage", {
      name: "hand",
      version: "1",
      stage: "Production",
      archive_existing_versions: false,
    });
    expect(p1.model_version.current_stage).toBe("Production");
    await ok("POST", "model-versions/transition-stage", {
      name: "hand",
      version: "2",
      stage: "production",
      archive_existing_versions: true,
    });
    expect((await ok("GET", "model-versions/get", { name: "hand", version: "1" })).model_version.current_stage).toBe(
      "Archived",
    );
    expectError(
      await api("POST", "model-versions/transition-stage", { name: "hand", version: "1", stage: "Live" }),
      400,
      "INVALID_PARAMETER_VALUE",
      /stage/,
    );
    const latest = await ok("POST", "registered-models/get-latest-versions", { name: "hand", stages: ["Production"] });
    expect(latest.model_versions.map((v: Json) => v.version)).toEqual(["2"]);
    const latestGet = await ok("GET", "registered-models/get-latest-versions", { name: "hand" });
    expect(latestGet.model_versions.map((v: Json) => v.current_stage).sort()).toEqual(["Archived", "Production"]);

    await ok("POST", "registered-models/alias", { name: "hand", alias: "champion", version: "2" });
    const champion = await ok("GET", "registered-models/alias", { name: "hand", alias: "champion" });
    expect(champion.model_version).toMatchObject({ version: "2", aliases: ["champion"] });
    expect((await ok("GET", "registered-models/get", { name: "hand" })).registered_model.aliases).toEqual([
      { alias: "champion", version: "2" },
    ]);
    await ok("DELETE", "registered-models/alias", { name: "hand", alias: "champion" });
    expectError(
      await api("GET", "registered-models/alias", { name: "hand", alias: "champion" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );

    await ok("POST", "model-versions/set-tag", { name: "hand", version: "1", key: "validated", value: "yes" });
    expect((await ok("GET", "model-versions/get", { name: "hand", version: "1" })).model_version.tags).toEqual([
      { key: "validated", value: "yes" },
    ]);
    await ok("DELETE", "model-versions/delete-tag", { name: "hand", version: "1", key: "validated" });
    expect((await ok("GET", "model-versions/get", { name: "hand", version: "1" })).model_version.tags).toBeUndefined();
    const found = await ok("GET", "model-versions/search", { filter: "name = 'hand'" });
    expect(found.model_versions.map((v: Json) => v.version).sort()).toEqual(["1", "2"]);
    expect(await ok("GET", "model-versions/get-download-uri", { name: "hand", version: "1" })).toEqual({
      artifact_uri: source,
    });
    await ok("DELETE", "model-versions/delete", { name: "hand", version: "1" });
    expectError(await api("GET", "model-versions/get", { name: "hand", version: "1" }), 404, "RESOURCE_DOES_NOT_EXIST");
  });
});
