import { mkdtemp, readdir, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunInfo } from "../../tracking/entities.js";
import { FileStore } from "../../tracking/file-store.js";
import type { TrackingStore } from "../../tracking/store.js";
import { listen, type RunningServer } from "../http.js";
import { createTrackingApp } from "./app.js";
import { checkArtifactPath, hasDotSegment } from "./artifacts.js";

/**
 * The proxied artifact API and the tracking API's artifacts/list over real HTTP, and every way a path could try
 * to leave the run's artifact root: each is refused with 400 before the store is called.
 */
let root: string;
let backing: FileStore;
let server: RunningServer;
let run: RunInfo;
let other: RunInfo;
/** Store methods called, in order (the server is given a recording proxy of the file store). */
const storeCalls: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "hg-tracking-artifacts-"));
  backing = new FileStore(join(root, "mlruns"));
  const recording = new Proxy(backing, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        storeCalls.push(String(prop));
        return v.apply(target, args);
      };
    },
  }) as TrackingStore;
  server = await listen(createTrackingApp({ store: recording }).fetch, { port: 0 });
  const exp = await backing.createExperiment("artifacts");
  run = (await backing.createRun({ experimentId: exp })).info;
  other = (await backing.createRun({ experimentId: exp })).info;
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  storeCalls.length = 0;
});

/** A request with the path exactly as given: node:http sends it as is (fetch would fold `..` away first). */
function raw(method: string, path: string, body?: string) {
  return new Promise<{ status: number; text: string }>((ok, fail) => {
    const req = request({ host: "127.0.0.1", port: server.port, method, path }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => {
        text += d;
      });
      res.on("end", () => ok({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", fail);
    req.end(body);
  });
}

const prefix = () => `/api/2.0/mlflow-artifacts/artifacts/${run.experiment_id}/${run.run_id}/artifacts`;

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}

describe("proxied artifact API", () => {
  it("uploads raw bytes, downloads them, and lists a folder with names relative to it", async () => {
    const bytes = "\u0000\u0001binary\u00ff";
    for (const name of ["model/model.json", "model/weights.bin", "a%20b.txt", "100%25.txt", "%2541.txt"]) {
      const put = await raw("PUT", `${prefix()}/${name}`, name === "model/weights.bin" ? bytes : name);
      expect(put.status, `${name}: ${put.text}`).toBe(200);
      expect(JSON.parse(put.text)).toEqual({});
    }
    const get = await fetch(`${server.url}${prefix()}/model/weights.bin`);
    expect(get.headers.get("content-type")).toBe("application/octet-stream");
    expect(new Uint8Array(await get.arrayBuffer())).toEqual(new TextEncoder().encode(bytes));
    expect(new TextDecoder().decode(await backing.readArtifact(run.run_id, "100%.txt"))).toBe("100%25.txt");
    expect(new TextDecoder().decode(await backing.readArtifact(run.run_id, "%41.txt"))).toBe("%2541.txt");
    expect(new TextDecoder().decode(await backing.readArtifact(run.run_id, "a b.txt"))).toBe("a%20b.txt");

    const list = (path: string) =>
      fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(path)}`).then((r) => r.json());
    const top = `${run.experiment_id}/${run.run_id}/artifacts`;
    expect((await list(top)).files).toEqual([
      { path: "%41.txt", is_dir: false, file_size: 9 },
      { path: "100%.txt", is_dir: false, file_size: 10 },
      { path: "a b.txt", is_dir: false, file_size: 9 },
      { path: "model", is_dir: true },
    ]);
    expect((await list(`${top}/model`)).files).toEqual([
      { path: "model.json", is_dir: false, file_size: 16 },
      { path: "weights.bin", is_dir: false, file_size: 10 },
    ]);
  });

  it("answers a missing artifact, run or run in another experiment with 404", async () => {
    const missing = await raw("GET", `${prefix()}/nope.txt`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text).error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    const noRun = await raw("PUT", `/api/2.0/mlflow-artifacts/artifacts/0/${"f".repeat(32)}/artifacts/x`, "x");
    expect(noRun.status).toBe(404);
    const wrongExp = await raw("GET", `/api/2.0/mlflow-artifacts/artifacts/999/${run.run_id}/artifacts/nope.txt`);
    expect(wrongExp.status).toBe(404);
    expect(JSON.parse(wrongExp.text).message).toMatch(/not in experiment '999'/);
    const shape = await raw("GET", `/api/2.0/mlflow-artifacts/artifacts/${run.experiment_id}/${run.run_id}/other/x`);
    expect(shape.status).toBe(400);
    expect(JSON.parse(shape.text).message).toMatch(/<experiment_id>\/<run_id>\/artifacts/);
  });
});

describe("artifact paths that try to leave the run's artifact root", () => {
  const attempts = [
    "../../../../etc/passwd",
    "model/../../../x",
    "./x",
    "%2e%2e/x",
    "%2E%2E/%2e%2E/x",
    ".%2e/x",
    "%2e/x",
    "..%2f..%2fx",
    "%2fetc%2fpasswd",
    "x%2fy",
    "x%5cy",
    "..%5c..%5cx",
    "x%00y",
    "%252e%252e/x",
    "%25252e%25252e/x",
    "%252fetc",
    "%255c",
    "a//b",
  ];

  it("refuses each in an upload or download with 400 INVALID_PARAMETER_VALUE, writing nothing", async () => {
    const before = await files(root);
    for (const attempt of attempts) {
      for (const method of ["PUT", "GET"]) {
        const r = await raw(method, `${prefix()}/${attempt}`, method === "PUT" ? "pwned" : undefined);
        expect(r.status, `${method} ${attempt}: ${r.text}`).toBe(400);
        expect(JSON.parse(r.text).error_code, attempt).toBe("INVALID_PARAMETER_VALUE");
      }
    }
    // A literal backslash never reaches the app: Node's adapter refuses such a request line with a bare 400.
    expect((await raw("PUT", `${prefix()}/a\\..\\..\\x`, "pwned")).status).toBe(400);
    // Leaving by the prefix, or into another run of the same store.
    for (const path of [
      "/api/2.0/mlflow-artifacts/artifacts/../../../../etc/passwd",
      `/api/2.0/mlflow-artifacts/artifacts/%2e%2e/%2e%2e/x`,
      `${prefix()}/../../${other.run_id}/artifacts/x`,
      `/api/2.0/mlflow/%2e%2e/mlflow/runs/get?run_id=${run.run_id}`,
    ]) {
      const r = await raw("PUT", path, "pwned");
      expect(r.status, path).toBe(400);
      expect(JSON.parse(r.text).error_code).toBe("INVALID_PARAMETER_VALUE");
    }
    const encodedPrefix = await raw("PUT", `/api/2.0/mlflow-artifacts/artifact%73/${prefix().slice(36)}/x`, "x");
    expect(encodedPrefix.status).toBe(400);
    expect(JSON.parse(encodedPrefix.text).message).toMatch(/prefix unencoded/);
    expect(storeCalls).toEqual([]);
    expect(await files(root)).toEqual(before);
  });

  it("refuses each in a listing's path parameter, before the store is asked", async () => {
    const top = `${run.experiment_id}/${run.run_id}/artifacts`;
    const listings = [
      // The parameter's value as the server reads it (decoded once): the attempts, percent-escapes and all.
      ...attempts.map((a) => `${top}/${a}`),
      `${top}/a\\b`,
      `${top}/..`,
      "/etc/passwd",
      "../../x",
    ];
    for (const path of listings) {
      const q = encodeURIComponent(path);
      const proxied = await raw("GET", `/api/2.0/mlflow-artifacts/artifacts?path=${q}`);
      expect(proxied.status, `${path}: ${proxied.text}`).toBe(400);
      expect(JSON.parse(proxied.text).error_code).toBe("INVALID_PARAMETER_VALUE");
    }
    for (const path of [
      "..",
      "../x",
      "model/../..",
      "/etc",
      "C:/x",
      "a\\b",
      "a\u0000b",
      "%2e%2e",
      "%252e%252e/x",
      "a%2fb",
    ]) {
      const r = await raw(
        "GET",
        `/api/2.0/mlflow/artifacts/list?run_id=${run.run_id}&path=${encodeURIComponent(path)}`,
      );
      expect(r.status, `${path}: ${r.text}`).toBe(400);
      expect(JSON.parse(r.text).error_code).toBe("INVALID_PARAMETER_VALUE");
    }
    expect(storeCalls).toEqual([]);
  });

  it("checks paths the same way without a server", () => {
    expect(checkArtifactPath("model/", true)).toBe("model");
    expect(checkArtifactPath("", true)).toBe("");
    expect(() => checkArtifactPath("", false)).toThrow(/path/);
    expect(checkArtifactPath("a b/100%.txt", false)).toBe("a b/100%.txt");
    for (const bad of ["..", "a/../b", "/x", "a\\b", "a\u0000", "%2e%2e", "%25%32%65%25%32%65", "x%2F", "D:x"]) {
      expect(() => checkArtifactPath(bad, false), bad).toThrow(/Invalid artifact path/);
    }
    expect(hasDotSegment("/a/b%2ec/d")).toBe(false);
    expect(hasDotSegment("/a/%252E%252e/d")).toBe(true);
    expect(hasDotSegment("/a/./d")).toBe(true);
  });
});
