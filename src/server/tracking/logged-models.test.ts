import { describe, expect, it } from "vitest";
import { expectError, type Json, trackingApi, useTrackingServer } from "../../../test/tracking-server.js";

/**
 * MLflow 3's LoggedModel API and the run/registry calls around it, over real HTTP, checked against the exchanges
 * recorded from the real MLflow 3.11 server (docs/mlflow3-compat.md §3–§5).
 */
const srv = useTrackingServer("hg-tracking-logged-models-");
const { api, ok, newRun } = trackingApi(() => srv.url);
const MODEL_ID = /^m-[0-9a-f]{32}$/;

async function newExperiment(): Promise<string> {
  return (await ok("POST", "experiments/create", { name: `lm-${Math.random()}` })).experiment_id;
}

describe("tracking server: logged models (§3)", () => {
  it("creates a model as §3.3 shows: PENDING, model_type and source_run_id always there, tags and params sorted", async () => {
    const exp = await newExperiment();
    const { model } = await ok("POST", "logged-models", {
      experiment_id: exp,
      name: "external",
      model_type: "agent",
      params: [{ key: "p", value: "1" }],
      tags: [
        { key: "k", value: "v" },
        { key: "a", value: "b" },
      ],
    });
    expect(Object.keys(model).sort()).toEqual(["data", "info"]);
    expect(model.info.model_id).toMatch(MODEL_ID);
    expect(model.info).toMatchObject({
      experiment_id: exp,
      name: "external",
      status: "LOGGED_MODEL_PENDING",
      model_type: "agent",
      source_run_id: "",
      tags: [
        { key: "a", value: "b" },
        { key: "k", value: "v" },
      ],
    });
    expect(model.info.creation_timestamp_ms).toBe(model.info.last_updated_timestamp_ms);
    expect(model.info.artifact_uri).toMatch(new RegExp(`/${exp}/models/${model.info.model_id}/artifacts$`));
    expect(model.data).toEqual({ params: [{ key: "p", value: "1" }] });

    // No name: a generated one. Nothing else given: model_type and source_run_id are "", data is {}.
    const bare = (await ok("POST", "logged-models", { experiment_id: exp })).model;
    expect(bare.info.name).not.toBe("");
    expect(bare.info.model_type).toBe("");
    expect(bare.info.source_run_id).toBe("");
    expect(bare.data).toEqual({});
    expect(bare.info.tags).toBeUndefined();
  });

  it("refuses what MLflow refuses on create (§3.2), with its messages", async () => {
    expectError(
      await api("POST", "logged-models", {}),
      400,
      "INVALID_PARAMETER_VALUE",
      /^Missing value for required parameter 'experiment_id'/,
    );
    expectError(
      await api("POST", "logged-models", { experiment_id: 1 }),
      400,
      "INVALID_PARAMETER_VALUE",
      /^Invalid value 1 for parameter 'experiment_id' supplied/,
    );
    expectError(await api("POST", "logged-models", { experiment_id: "999999" }), 404, "RESOURCE_DOES_NOT_EXIST");
    const exp = await newExperiment();
    expectError(
      await api("POST", "logged-models", { experiment_id: exp, params: "x" }),
      400,
      "INVALID_PARAMETER_VALUE",
      /params/,
    );
    const bad = await api("POST", "logged-models", { experiment_id: exp, name: "bad/name" });
    expectError(bad, 400, "INVALID_PARAMETER_VALUE", /^Invalid model name \('bad\/name'\) provided/);
    expect(bad.body.sqlstate).toBe("KAM00");
    expect(bad.body.error_class).toBe("INVALID_PARAMETER_VALUE");
  });

  it("gets, finalizes (names or integers; bad values 400), and soft-deletes", async () => {
    const exp = await newExperiment();
    const { model } = await ok("POST", "logged-models", { experiment_id: exp, name: "init-model" });
    const id = model.info.model_id;
    expect((await ok("GET", `logged-models/${id}`)).model).toEqual(model);

    const missing = await api("GET", "logged-models/not-an-id");
    expectError(missing, 404, "RESOURCE_DOES_NOT_EXIST", /^Logged model with ID 'not-an-id' not found\.$/);
    expect(missing.body).toMatchObject({ sqlstate: "KAM00", error_class: "RESOURCE_NOT_FOUND" });

    const ready = (await ok("PATCH", `logged-models/${id}`, { model_id: id, status: "LOGGED_MODEL_READY" })).model;
    expect(ready.info.status).toBe("LOGGED_MODEL_READY");
    expect(ready.info.last_updated_timestamp_ms).toBeGreaterThan(model.info.last_updated_timestamp_ms);
    const failed = (await ok("PATCH", `logged-models/${id}`, { model_id: id, status: 3 })).model;
    expect(failed.info.status).toBe("LOGGED_MODEL_UPLOAD_FAILED");
    expect((await ok("PATCH", `logged-models/${id}`, { model_id: id, status: 2 })).model.info.status).toBe(
      "LOGGED_MODEL_READY",
    );
    for (const status of ["READY", "LOGGED_MODEL_FAILED"]) {
      expectError(
        await api("PATCH", `logged-models/${id}`, { model_id: id, status }),
        400,
        "INVALID_PARAMETER_VALUE",
        new RegExp(`^Invalid value "${status}" for parameter 'status' supplied`),
      );
    }
    expectError(await api("PATCH", `logged-models/${id}`, { model_id: id }), 400, "INVALID_PARAMETER_VALUE", /status/);
    expectError(
      await api("PATCH", `logged-models/${id}`, { status: "LOGGED_MODEL_READY" }),
      400,
      "INVALID_PARAMETER_VALUE",
      /^Missing value for required parameter 'model_id'/,
    );
    expectError(
      await api("PATCH", "logged-models/m-00000000000000000000000000000000", {
        model_id: "m-00000000000000000000000000000000",
        status: "LOGGED_MODEL_READY",
      }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );

    // DELETE with the client's body; twice is fine; gone from get, back with allow_deleted.
    expect(await ok("DELETE", `logged-models/${id}`, { model_id: id })).toEqual({});
    expect(await ok("DELETE", `logged-models/${id}`, { model_id: id })).toEqual({});
    expectError(await api("GET", `logged-models/${id}`), 404, "RESOURCE_DOES_NOT_EXIST");
    expect((await ok("GET", `logged-models/${id}`, { allow_deleted: "true" })).model.info.model_id).toBe(id);
    expect((await ok("GET", `logged-models/${id}`, { allow_deleted: "True" })).model.info.model_id).toBe(id);
    expectError(await api("GET", `logged-models/${id}`, { allow_deleted: "yes" }), 404, "RESOURCE_DOES_NOT_EXIST");
    expectError(
      await api("DELETE", "logged-models/m-00000000000000000000000000000000"),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it("sets and deletes tags, logs params (a changed value is refused), as §3.3", async () => {
    const exp = await newExperiment();
    const id = (await ok("POST", "logged-models", { experiment_id: exp, name: "tagged" })).model.info.model_id;
    const tags = [
      { key: "stage", value: "dev" },
      { key: "owner", value: "me" },
    ];
    expect(await ok("PATCH", `logged-models/${id}/tags`, { tags })).toEqual({});
    expect((await ok("GET", `logged-models/${id}`)).model.info.tags).toEqual([tags[1], tags[0]]);
    // DELETE with no body at all (Content-Length: 0), as the client sends it.
    const del = await fetch(`${srv.url}/api/2.0/mlflow/logged-models/${id}/tags/owner`, { method: "DELETE" });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({});
    expect((await ok("GET", `logged-models/${id}`)).model.info.tags).toEqual([tags[0]]);
    expectError(
      await api("DELETE", `logged-models/${id}/tags/nokey`),
      404,
      "RESOURCE_DOES_NOT_EXIST",
      new RegExp(`^No tag with key 'nokey' found for model with ID '${id}'\\.$`),
    );
    expectError(
      await api("PATCH", "logged-models/m-00000000000000000000000000000000/tags", { tags }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );

    expect(
      await ok("POST", `logged-models/${id}/params`, { model_id: id, params: [{ key: "alpha", value: "0.1" }] }),
    ).toEqual({});
    await ok("POST", `logged-models/${id}/params`, { model_id: id, params: [{ key: "alpha", value: "0.1" }] });
    expect((await ok("GET", `logged-models/${id}`)).model.data.params).toEqual([{ key: "alpha", value: "0.1" }]);
    const changed = await api("POST", `logged-models/${id}/params`, {
      model_id: id,
      params: [{ key: "alpha", value: "2" }],
    });
    expect(changed.status).toBe(400);
    expect((await ok("GET", `logged-models/${id}`)).model.data.params).toEqual([{ key: "alpha", value: "0.1" }]);
    expectError(
      await api("POST", "logged-models/m-00000000000000000000000000000000/params", {
        model_id: "m-00000000000000000000000000000000",
        params: [],
      }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it("searches: newest first, deleted left out, MLflow's page token, {} when nothing matches (§3.3, §3.4)", async () => {
    const exp = await newExperiment();
    const ids: string[] = [];
    for (const name of ["one", "two", "three"]) {
      ids.push((await ok("POST", "logged-models", { experiment_id: exp, name })).model.info.model_id);
    }
    await ok("DELETE", `logged-models/${ids[1]}`, { model_id: ids[1] });
    const all = await ok("POST", "logged-models/search", { experiment_ids: [exp] });
    expect(all.models.map((m: Json) => m.info.name)).toEqual(["three", "one"]);
    expect(all.next_page_token).toBeUndefined();

    const first = await ok("POST", "logged-models/search", { experiment_ids: [exp], max_results: 1 });
    expect(first.models).toHaveLength(1);
    const token = JSON.parse(Buffer.from(first.next_page_token, "base64").toString());
    expect(token).toMatchObject({ experiment_ids: [exp], offset: 1 });
    const second = await ok("POST", "logged-models/search", {
      experiment_ids: [exp],
      max_results: 1,
      page_token: first.next_page_token,
    });
    expect(second.models.map((m: Json) => m.info.name)).toEqual(["one"]);

    const named = await ok("POST", "logged-models/search", { experiment_ids: [exp], filter: "name = 'one'" });
    expect(named.models.map((m: Json) => m.info.model_id)).toEqual([ids[0]]);
    expect(await ok("POST", "logged-models/search", { experiment_ids: ["424242"] })).toEqual({});
    expectError(await api("POST", "logged-models/search", {}), 400, "INVALID_PARAMETER_VALUE", /experiment_ids/);
    // A search is a read: GET on its path is not the model "search".
    expect((await api("GET", "logged-models/search")).status).toBe(405);
  });

  it("answers a wrong verb 405 and the /ajax-api/ prefix like /api/", async () => {
    const exp = await newExperiment();
    const id = (await ok("POST", "logged-models", { experiment_id: exp })).model.info.model_id;
    expect((await api("POST", `logged-models/${id}`, {})).status).toBe(405);
    const ajax = await fetch(`${srv.url}/ajax-api/2.0/mlflow/logged-models/${id}`);
    expect(ajax.status).toBe(200);
    expect((await ajax.json()).model.info.model_id).toBe(id);
  });
});

describe("tracking server: logged-model artifacts (§3.2, §4.1 step 7, §7)", () => {
  const artifacts = `${"/api/2.0/mlflow-artifacts/artifacts"}`;

  it("uploads through the proxied API at <exp>/models/<id>/artifacts/<path>, lists, downloads, and serves files", async () => {
    const exp = await newExperiment();
    const id = (await ok("POST", "logged-models", { experiment_id: exp, name: "model" })).model.info.model_id;
    const base = `${srv.url}${artifacts}/${exp}/models/${id}/artifacts`;
    for (const [path, body] of [
      ["MLmodel", "artifact_path: x\n"],
      ["model.pkl", "\u0000\u0001bytes"],
      ["sub/conda.yaml", "name: env\n"],
    ]) {
      const put = await fetch(`${base}/${path}`, { method: "PUT", body });
      expect(put.status, path).toBe(200);
      expect(await put.json()).toEqual({});
    }
    expect(await (await fetch(`${base}/MLmodel`)).text()).toBe("artifact_path: x\n");
    // Nothing of the model lands under a run's folder (§7): the files are in the model's own folder.
    const { model } = await ok("GET", `logged-models/${id}`);
    expect(model.info.artifact_uri).toMatch(new RegExp(`/models/${id}/artifacts$`));

    const list = await (await fetch(`${srv.url}${artifacts}?path=${exp}/models/${id}/artifacts`)).json();
    expect(list.files.map((f: Json) => [f.path, f.is_dir])).toEqual([
      ["MLmodel", false],
      ["model.pkl", false],
      ["sub", true],
    ]);
    const sub = await (await fetch(`${srv.url}${artifacts}?path=${exp}/models/${id}/artifacts/sub`)).json();
    expect(sub.files).toEqual([{ path: "conda.yaml", is_dir: false, file_size: 10 }]);

    const dirs = await ok("GET", `logged-models/${id}/artifacts/directories`);
    expect(dirs.root_uri).toBe(model.info.artifact_uri);
    expect(dirs.files.map((f: Json) => f.path)).toEqual(["MLmodel", "model.pkl", "sub"]);
    const subDirs = await ok("GET", `logged-models/${id}/artifacts/directories`, { artifact_directory_path: "sub" });
    expect(subDirs.files.map((f: Json) => f.path)).toEqual(["sub/conda.yaml"]);
    const none = await ok("GET", `logged-models/${id}/artifacts/directories`, { artifact_directory_path: "nope" });
    expect(none).toEqual({ root_uri: model.info.artifact_uri });
    expectError(
      await api("GET", "logged-models/m-00000000000000000000000000000000/artifacts/directories"),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );

    const file = await fetch(
      `${srv.url}/ajax-api/2.0/mlflow/logged-models/${id}/artifacts/files?artifact_file_path=MLmodel`,
    );
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await file.text()).toBe("artifact_path: x\n");
    const pkl = await fetch(
      `${srv.url}/ajax-api/2.0/mlflow/logged-models/${id}/artifacts/files?artifact_file_path=model.pkl`,
    );
    expect(pkl.headers.get("content-type")).toBe("application/octet-stream");
    const noQuery = await fetch(`${srv.url}/ajax-api/2.0/mlflow/logged-models/${id}/artifacts/files`);
    expect(noQuery.status).toBe(400);
    expect(await noQuery.json()).toMatchObject({
      error_code: "BAD_REQUEST",
      message: 'Request must include the "artifact_file_path" query parameter.',
      sqlstate: "KAM00",
      error_class: "INVALID_PARAMETER_VALUE",
    });
  });

  it("keeps logged-model artifacts inside the model's folder, as run artifacts", async () => {
    const exp = await newExperiment();
    const id = (await ok("POST", "logged-models", { experiment_id: exp })).model.info.model_id;
    const other = await newExperiment();
    const base = `${srv.url}${artifacts}`;
    for (const path of [`${exp}/models/${id}/artifacts/%2e%2e/x`, `${exp}/models/${id}/artifacts/a%2fb`]) {
      expect((await fetch(`${base}/${path}`, { method: "PUT", body: "x" })).status, path).toBe(400);
    }
    expect((await fetch(`${base}/${other}/models/${id}/artifacts/x`, { method: "PUT", body: "x" })).status).toBe(404);
    expect((await fetch(`${base}/${exp}/models/${id}/x`, { method: "PUT", body: "x" })).status).toBe(400);
    const file = await fetch(
      `${srv.url}/ajax-api/2.0/mlflow/logged-models/${id}/artifacts/files?artifact_file_path=${encodeURIComponent("../x")}`,
    );
    expect(file.status).toBe(400);
  });
});

describe("tracking server: runs, metrics and registry in MLflow 3 (§4, §5)", () => {
  it("records outputs and model inputs: runs/get always has inputs and outputs, runs/search drops model_inputs", async () => {
    const info = await newRun("outputs");
    const empty = (await ok("GET", "runs/get", { run_id: info.run_id })).run;
    expect(empty.inputs).toEqual({});
    expect(empty.outputs).toEqual({});

    const mid = (await ok("POST", "logged-models", { experiment_id: info.experiment_id, source_run_id: info.run_id }))
      .model.info.model_id;
    expect(await ok("POST", "runs/outputs", { run_id: info.run_id, models: [{ model_id: mid, step: 0 }] })).toEqual({});
    expect(
      await ok("POST", "runs/log-inputs", {
        run_id: info.run_id,
        datasets: [
          {
            tags: [{ key: "mlflow.data.context", value: "eval" }],
            dataset: { name: "iris-tail", digest: "abc123", source_type: "local", source: '{"uri": "iris.csv"}' },
          },
        ],
        models: [{ model_id: mid }],
      }),
    ).toEqual({});
    const { run } = await ok("GET", "runs/get", { run_id: info.run_id });
    expect(run.outputs).toEqual({ model_outputs: [{ model_id: mid, step: 0 }] });
    expect(run.inputs.model_inputs).toEqual([{ model_id: mid }]);
    expect(run.inputs.dataset_inputs[0].dataset.name).toBe("iris-tail");

    const { runs } = await ok("POST", "runs/search", { experiment_ids: [info.experiment_id], max_results: 10 });
    expect(runs[0].outputs).toEqual({ model_outputs: [{ model_id: mid, step: 0 }] });
    expect(runs[0].inputs.model_inputs).toBeUndefined();
    expect(runs[0].inputs.dataset_inputs).toHaveLength(1);

    expectError(await api("POST", "runs/outputs", { run_id: info.run_id }), 400, "INVALID_PARAMETER_VALUE", /'models'/);
    expectError(
      await api("POST", "runs/outputs", { run_id: info.run_id, models: [{ model_id: mid }] }),
      400,
      "INVALID_PARAMETER_VALUE",
      /step/,
    );
    expectError(
      await api("POST", "runs/outputs", {
        run_id: "ffffffffffffffffffffffffffffffff",
        models: [{ model_id: mid, step: 0 }],
      }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it("passes a metric's model_id and dataset to the store; the history leaves them out (§4.3)", async () => {
    const info = await newRun("linked");
    const mid = (await ok("POST", "logged-models", { experiment_id: info.experiment_id })).model.info.model_id;
    await ok("POST", "runs/log-metric", {
      run_uuid: info.run_id,
      run_id: info.run_id,
      key: "val_acc",
      value: 0.9,
      timestamp: 1796305325879,
      step: 0,
      model_id: mid,
      dataset_name: "iris-head",
      dataset_digest: "4198cf1b",
    });
    await ok("POST", "runs/log-batch", {
      run_id: info.run_id,
      metrics: [{ key: "acc", value: 0.5, timestamp: 1796305317867, step: 0, model_id: mid }],
    });
    const { model } = await ok("GET", `logged-models/${mid}`);
    // The order of a model's metrics is not part of what MLflow promises: compared by key.
    const byKey = (a: Json, b: Json) => (a.key < b.key ? -1 : 1);
    expect([...model.data.metrics].sort(byKey)).toEqual([
      { key: "acc", value: 0.5, timestamp: 1796305317867, step: 0, model_id: mid, run_id: info.run_id },
      {
        key: "val_acc",
        value: 0.9,
        timestamp: 1796305325879,
        step: 0,
        model_id: mid,
        run_id: info.run_id,
        dataset_name: "iris-head",
        dataset_digest: "4198cf1b",
      },
    ]);
    const history = await ok("GET", "metrics/get-history", {
      run_id: info.run_id,
      metric_key: "val_acc",
      max_results: 25000,
    });
    expect(history).toEqual({ metrics: [{ key: "val_acc", value: 0.9, timestamp: 1796305325879, step: 0 }] });
  });

  it("pages metrics/get-history as MLflow 3 with max_results, and answers every point without it (MLflow 2.12)", async () => {
    const info = await newRun("history");
    const points = [0, 1, 2].map((step) => ({ key: "acc", value: step / 10, timestamp: 1000 + step, step }));
    await ok("POST", "runs/log-batch", { run_id: info.run_id, metrics: points });
    const q = { run_id: info.run_id, metric_key: "acc" };
    // §4.4: with max_results=1, one point and the token {"offset": 1} (base64 of Python's json.dumps).
    const one = await ok("GET", "metrics/get-history", { ...q, max_results: 1 });
    expect(one.metrics).toEqual([points[0]]);
    expect(one.next_page_token).toBe(Buffer.from('{"offset": 1}').toString("base64"));
    const two = await ok("GET", "metrics/get-history", { ...q, max_results: 1, page_token: one.next_page_token });
    expect(two.metrics).toEqual([points[1]]);
    const rest = await ok("GET", "metrics/get-history", { ...q, max_results: 25000, page_token: two.next_page_token });
    expect(rest).toEqual({ metrics: [points[2]] });
    expect(await ok("GET", "metrics/get-history", { ...q, max_results: 25000 })).toEqual({ metrics: points });
    // MLflow 2.12's client sends no max_results and reads one answer (mlflow-compat.md): every point.
    expect(await ok("GET", "metrics/get-history", q)).toEqual({ metrics: points });
    expectError(
      await api("GET", "metrics/get-history", { ...q, page_token: "garbage!" }),
      400,
      "INVALID_PARAMETER_VALUE",
      /page token/i,
    );
  });

  it("creates a version from models:/<model_id> with the run taken from the model; downloads from its location (§4.1, §5)", async () => {
    const info = await newRun("register");
    const { model } = await ok("POST", "logged-models", {
      experiment_id: info.experiment_id,
      name: "model",
      source_run_id: info.run_id,
    });
    const mid = model.info.model_id;
    await ok("POST", "registered-models/create", { name: "m3" });
    const { model_version: v } = await ok("POST", "model-versions/create", {
      name: "m3",
      source: `models:/${mid}`,
      model_id: mid,
    });
    expect(v).toMatchObject({
      name: "m3",
      version: "1",
      source: `models:/${mid}`,
      run_id: info.run_id,
      current_stage: "None",
    });
    const { artifact_uri } = await ok("GET", "model-versions/get-download-uri", { name: "m3", version: "1" });
    expect(artifact_uri).toBe(model.info.artifact_uri);

    // MLflow 2 clients keep their calls: stages and get-latest-versions.
    await ok("POST", "model-versions/transition-stage", {
      name: "m3",
      version: "1",
      stage: "Production",
      archive_existing_versions: false,
    });
    const latest = await ok("POST", "registered-models/get-latest-versions", { name: "m3", stages: ["Production"] });
    expect(latest.model_versions.map((x: Json) => x.version)).toEqual(["1"]);

    const ghost = "m-00000000000000000000000000000000";
    const missing = await api("POST", "model-versions/create", {
      name: "m3",
      source: `models:/${ghost}`,
      model_id: ghost,
    });
    expect(missing.status).toBe(500);
    expect(missing.body).toEqual({
      error_code: "INTERNAL_ERROR",
      message: `Unable to fetch model from model URI source artifact location 'models:/${ghost}'.Error: Logged model with ID '${ghost}' not found.`,
      sqlstate: "XXM00",
      error_class: "CLIENT_INTERNAL_ERROR",
    });
  });
});
