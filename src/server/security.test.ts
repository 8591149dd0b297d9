import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HandgestureError } from "../core/errors.js";
import { HttpError, notFound, onError } from "./errors.js";
import { listen, type RunningServer } from "./http.js";
import { secure } from "./security.js";

/** A small app behind the shared middleware, served over real HTTP on loopback. */
describe("server security and error mapping", () => {
  let open: RunningServer;
  let locked: RunningServer;
  function app(authReads: boolean) {
    const a = new Hono();
    secure(a, { authToken: "s3cret", authReads, corsOrigins: ["http://allowed.example"], maxBodyBytes: 1024 });
    a.get("/read", (c) => c.text("ok"));
    a.post("/write", async (c) => c.json({ got: (await c.req.text()).length }));
    a.get("/missing", () => {
      throw new HandgestureError("Run 'x' not found", "RESOURCE_DOES_NOT_EXIST");
    });
    a.get("/teapot", () => {
      throw new HttpError(415, "BAD_REQUEST", "no tea");
    });
    a.get("/boom", () => {
      throw new Error("secret internals");
    });
    a.onError(onError);
    a.notFound(notFound);
    return a;
  }
  beforeAll(async () => {
    open = await listen(app(false).fetch, { port: 0 });
    locked = await listen(app(true).fetch, { port: 0 });
  });
  afterAll(async () => {
    await open.close();
    await locked.close();
  });

  it("listens on 127.0.0.1 by default", () => {
    expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("requires the bearer token on writes, on reads only when asked, and compares it exactly", async () => {
    expect((await fetch(`${open.url}/read`)).status).toBe(200);
    const noToken = await fetch(`${open.url}/write`, { method: "POST", body: "x" });
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toEqual({
      error_code: "UNAUTHENTICATED",
      message: expect.stringMatching(/Bearer/),
    });
    for (const auth of ["Bearer s3cre", "Bearer s3cret2", "Basic s3cret", "s3cret"]) {
      const r = await fetch(`${open.url}/write`, { method: "POST", body: "x", headers: { authorization: auth } });
      expect(r.status, auth).toBe(401);
    }
    const ok = await fetch(`${open.url}/write`, {
      method: "POST",
      body: "xy",
      headers: { authorization: "Bearer s3cret" },
    });
    expect(await ok.json()).toEqual({ got: 2 });
    expect((await fetch(`${locked.url}/read`)).status).toBe(401);
    expect((await fetch(`${locked.url}/read`, { headers: { authorization: "Bearer s3cret" } })).status).toBe(200);
  });

  it("refuses a body over the limit with 413, and answers CORS only for allowed origins", async () => {
    const big = await fetch(`${open.url}/write`, {
      method: "POST",
      body: "x".repeat(2000),
      headers: { authorization: "Bearer s3cret" },
    });
    expect(big.status).toBe(413);
    expect((await big.json()).error_code).toBe("REQUEST_LIMIT_EXCEEDED");
    const allowed = await fetch(`${open.url}/read`, { headers: { origin: "http://allowed.example" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://allowed.example");
    const other = await fetch(`${open.url}/read`, { headers: { origin: "http://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("maps errors to MLflow's shape and statuses, and hides internals of a 500", async () => {
    const missing = await fetch(`${open.url}/missing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error_code: "RESOURCE_DOES_NOT_EXIST",
      message: "Run 'x' not found",
      sqlstate: "KAM00", // mlflow3-compat.md §2
      error_class: "RESOURCE_NOT_FOUND",
    });
    expect((await fetch(`${open.url}/teapot`)).status).toBe(415);
    const boom = await fetch(`${open.url}/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.text()).not.toContain("secret internals");
    const none = await fetch(`${open.url}/nope`);
    expect(none.status).toBe(404);
    expect((await none.json()).error_code).toBe("ENDPOINT_NOT_FOUND");
  });
});
