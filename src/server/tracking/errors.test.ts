import { describe, expect, it, vi } from "vitest";
import { expectError, trackingApi, useTrackingServer } from "../../../test/tracking-server.js";
import { HandgestureError } from "../../core/errors.js";
import { createTrackingApp } from "./app.js";

/** Requests that are not what an endpoint takes: each a 4xx in MLflow's error shape, never a crash. */
const srv = useTrackingServer("hg-tracking-errors-");
/** MLflow 3's sqlstate and error_class of INVALID_PARAMETER_VALUE (mlflow3-compat.md §2). */
const CLASSIFIED_INVALID = { sqlstate: "KAM00", error_class: "INVALID_PARAMETER_VALUE" };
const { api } = trackingApi(() => srv.url);

describe("tracking server: malformed requests", () => {
  const raw = (path: string, init: RequestInit) => fetch(`${srv.url}/api/2.0/mlflow/${path}`, init);

  it("refuses a POST without JSON's content type, as MLflow does", async () => {
    const missing = await raw("experiments/create", { method: "POST", body: new Uint8Array([123, 125]) });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error_code: "INVALID_PARAMETER_VALUE",
      message: "Bad Request. Content-Type header is missing.",
      ...CLASSIFIED_INVALID,
    });
    const text = await raw("experiments/create", {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: '{"name": "x"}',
    });
    expect(text.status).toBe(400);
    expect(await text.json()).toEqual({
      error_code: "INVALID_PARAMETER_VALUE",
      message: "Bad Request. Content-Type must be one of ['application/json'].",
      ...CLASSIFIED_INVALID,
    });
    const charset = await raw("experiments/create", {
      method: "POST",
      headers: { "Content-Type": "application/json; charset=utf-8" },
      body: '{"name": "with-charset"}',
    });
    expect(charset.status).toBe(200);
  });

  it("answers a body that is not a JSON object with 400, and takes a double-encoded one", async () => {
    for (const body of ["{", '{"name": ', "[1, 2]", "null", "42", "\u0000"]) {
      const r = await raw("experiments/create", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
      });
      expect(r.status, body).toBe(400);
      expect((await r.json()).message, body).toMatch(/^Malformed request/);
    }
    const twice = await raw("experiments/create", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(JSON.stringify({ name: "double-encoded" })),
    });
    expect(twice.status).toBe(200);
    const del = await raw("registered-models/delete", {
      method: "DELETE",
      headers: { "Content-Type": "application/json" },
      body: "{oops",
    });
    expect(del.status).toBe(400);
  });

  it("refuses parameters of the wrong type with a message naming them", async () => {
    expectError(await api("POST", "experiments/create", { name: { a: 1 } }), 400, "INVALID_PARAMETER_VALUE", /'name'/);
    expectError(
      await api("POST", "experiments/create", { name: "t", tags: "x" }),
      400,
      "INVALID_PARAMETER_VALUE",
      /tags/,
    );
    expectError(await api("POST", "experiments/create", { name: "t", tags: [null] }), 400, "INVALID_PARAMETER_VALUE");
    expectError(
      await api("POST", "experiments/create", { name: "t", tags: [{ key: "k", value: [1] }] }),
      400,
      "INVALID_PARAMETER_VALUE",
      /'value'/,
    );
    expectError(
      await api("POST", "runs/search", { experiment_ids: [{}] }),
      400,
      "INVALID_PARAMETER_VALUE",
      /experiment_ids/,
    );
    expectError(
      await api("POST", "model-versions/transition-stage", {
        name: "n",
        version: "1",
        stage: "Staging",
        archive_existing_versions: "maybe",
      }),
      400,
      "INVALID_PARAMETER_VALUE",
      /archive_existing_versions/,
    );
  });

  it("answers a name or artifact path too long for the file system with 400, not 500", async () => {
    const long = "x".repeat(300);
    expectError(
      await api("POST", "registered-models/create", { name: long }),
      400,
      "INVALID_PARAMETER_VALUE",
      /too long/,
    );
    // The fuzz test's find: a name whose first segment is too long, read (not created).
    const odd = `[${"x".repeat(280)}{"/y`;
    expect([400, 404]).toContain((await api("GET", "registered-models/get", { name: odd })).status);
    const exp = await srv.store.createExperiment("long");
    const run = (await srv.store.createRun({ experimentId: exp })).info;
    const put = await fetch(`${srv.url}/api/2.0/mlflow-artifacts/artifacts/${exp}/${run.run_id}/artifacts/${long}`, {
      method: "PUT",
      body: "x",
    });
    expect(put.status).toBe(400);
    expect((await put.json()).message).toMatch(/longer than 255 bytes/);
  });

  it("answers the store's internal errors with 500 and no message of theirs (they may name paths)", async () => {
    const failing = new Proxy(srv.store, {
      get: (target, prop, receiver) =>
        prop === "getRun"
          ? async () => {
              throw new HandgestureError("could not write /srv/secret/mlruns/x: EIO", "INTERNAL_ERROR");
            }
          : Reflect.get(target, prop, receiver),
    });
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const res = await createTrackingApp({ store: failing }).request("/api/2.0/mlflow/runs/get?run_id=abc");
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({
        error_code: "INTERNAL_ERROR",
        message: "internal server error",
        sqlstate: "XXM00", // mlflow3-compat.md §2
        error_class: "CLIENT_INTERNAL_ERROR",
      });
      expect(quiet).toHaveBeenCalled();
    } finally {
      quiet.mockRestore();
    }
  });

  it("answers an unknown endpoint 404 and a wrong verb 405, in MLflow's error shape", async () => {
    const none = await api("GET", "nothing/here");
    expectError(none, 404, "ENDPOINT_NOT_FOUND");
    const wrongVerb = await api("GET", "runs/create");
    expectError(wrongVerb, 405, "BAD_REQUEST", /POST/);
    expect(wrongVerb.headers.get("allow")).toBe("POST");
    expect((await api("PUT", "registered-models/alias")).headers.get("allow")).toBe("POST, GET, DELETE");
    expectError(await api("PUT", "runs/get"), 405, "BAD_REQUEST", /GET/);
    expectError(await api("POST", "registered-models/update", { name: "x" }), 405, "BAD_REQUEST", /PATCH/);
    expectError(await api("POST", "artifacts/list"), 405, "BAD_REQUEST");
    expect((await fetch(`${srv.url}/api/2.0/mlflow-artifacts/artifacts`, { method: "POST" })).status).toBe(405);
    expect(
      (await fetch(`${srv.url}/api/2.0/mlflow-artifacts/artifacts/0/r/artifacts/x`, { method: "DELETE" })).status,
    ).toBe(405);
    expect((await fetch(`${srv.url}/`)).status).toBe(404);
  });
});
