/**
 * The recognizer's model sources in Node (fetch and the core run the same there): a model file's JSON, its URL
 * over real HTTP on loopback, and refusals with the reason.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HAGRID_LABELS, HAND_DIM, warmUpHand } from "../core/index.js";
import { loadClassifier } from "./model-source.js";

const MODEL = new URL("../../models/default/model.json", import.meta.url);

describe("loadClassifier", () => {
  const text = readFileSync(MODEL, "utf8");
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/model.json") res.writeHead(200, { "Content-Type": "application/json" }).end(text);
      else if (req.url === "/api/ui/model") res.writeHead(200, { "X-Model-Version": "hand-gesture/7" }).end(text);
      else res.writeHead(404).end("no such file");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("runs a model file's JSON, one fetched from a URL, and a handgesture ui's model, alike", async () => {
    const fromJson = await loadClassifier(JSON.parse(text));
    const fromUrl = await loadClassifier(`${base}/model.json`);
    const fromServer = await loadClassifier({ server: `${base}/` });
    expect(fromJson.kind).toBe("local");
    expect([...fromJson.classes].sort()).toEqual([...HAGRID_LABELS].sort());
    expect(fromUrl.name).toBe("model.json");
    expect(fromServer.name).toBe("hand-gesture/7");
    const rows = new Float64Array(HAND_DIM);
    warmUpHand(3, rows);
    const out = (c: typeof fromJson) => {
      const p = [new Float64Array(c.classes.length)];
      return c.classify(rows, 1, p).then(() => Array.from(p[0]));
    };
    const a = await out(fromJson);
    expect(a.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 9);
    expect(await out(fromUrl)).toEqual(a);
    expect(await out(fromServer)).toEqual(a);
  });

  it("says why a model is refused", async () => {
    await expect(loadClassifier(`${base}/missing.json`)).rejects.toThrow(/cannot load the model .*missing\.json: 404/);
    await expect(loadClassifier({ format: "something-else" })).rejects.toThrow(/not a handgesture model/);
  });
});
