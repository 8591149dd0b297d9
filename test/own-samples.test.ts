/**
 * The own-gesture recordings on the server (POST/GET /api/ui/own/<dataset>, DELETE .../<session>) over real HTTP
 * on loopback: sessions kept apart, a CSV `handgesture fit` reads as it is, bad input refused in words with nothing
 * lost, a session dropped on request, and rows a crash left without a session kept.
 */
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLandmarkCsv } from "../src/core/csv.js";
import type { RunningServer } from "../src/server/http.js";
import { listenOn } from "../src/server/tracking/serve.js";
import { createUiApp } from "../src/server/ui/app.js";
import { mediapipeRoot } from "../src/server/ui/serve.js";
import { FileStore } from "../src/tracking/file-store.js";
import { cli } from "./cli.js";
import { loadTable } from "./data.js";
import { DEV_CSV, hasShared } from "./shared.js";

const ready = hasShared("data", "hagrid_sample_dev.csv");

describe.skipIf(!ready)("own-gesture recordings on the server", () => {
  const root = mkdtempSync(join(tmpdir(), "hg-own-"));
  let running: RunningServer;
  const dev = ready ? loadTable(DEV_CSV) : undefined;
  const rowsOf = (label: string, from: number, n: number) => {
    const t = dev as NonNullable<typeof dev>;
    const idx = t.labels.flatMap((l, i) => (l === label ? [i] : [])).slice(from, from + n);
    return idx.map((i) => Array.from(t.X.data.subarray(i * 63, (i + 1) * 63)));
  };

  beforeAll(async () => {
    const app = createUiApp({
      store: new FileStore(join(root, "mlruns")),
      model: { current: undefined as never },
      webRoot: join(root, "web"),
      mediapipeRoot: mediapipeRoot(),
      dataRoot: root,
    });
    running = await listenOn(app.fetch, "127.0.0.1", 0);
  });
  afterAll(async () => running?.close());

  const post = async (dataset: string, body: unknown) => {
    const r = await fetch(`${running.url}/api/ui/own/${dataset}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: r.status, body: await r.json() };
  };

  it("keeps sessions apart in a CSV that handgesture fit reads as it is", async () => {
    const sessions = [
      ["call-1", "my_call", rowsOf("call", 0, 25)],
      ["rock-1", "my_rock", rowsOf("rock", 0, 25)],
      ["call-2", "my_call", rowsOf("call", 25, 25)],
    ] as const;
    for (const [session, label, rows] of sessions) {
      const r = await post("mine", { session, label, rows });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.added).toBe(25);
    }
    const got = await (await fetch(`${running.url}/api/ui/own/mine`)).json();
    expect(got.file).toBe("own-gestures/mine.csv");
    expect(got.sessions).toEqual(sessions.map(([session, label]) => ({ session, label, rows: 25 })));
    const table = parseLandmarkCsv(readFileSync(join(root, got.file), "utf8"), { file: got.file });
    expect(table.X.rows).toBe(75);
    expect(table.labels.slice(50)).toEqual(Array(25).fill("my_call"));
    // The hands as sent, bit for bit (the CSV writes shortest round-trip numbers).
    expect(Array.from(table.X.data.subarray(25 * 63, 26 * 63))).toEqual(sessions[1][2][0]);
    const fit = cli(["fit", "--data", join(root, got.file), "--pipeline", "seed-knn", "--out", join(root, "m.json")]);
    expect(fit.status, fit.stderr).toBe(0);
  });

  it("refuses bad input with a message and loses nothing already kept", async () => {
    const before = readFileSync(join(root, "own-gestures", "mine.csv"), "utf8");
    const bad = [
      [{ session: "s", label: "thumbs up!", rows: rowsOf("call", 0, 2) }, /label/],
      [{ session: "s", label: "ok", rows: [[1, 2, 3]] }, /63 numbers/],
      [{ session: "../x", label: "ok", rows: rowsOf("call", 0, 2) }, /session/],
      [{ session: "s", label: "ok", rows: [] }, /rows/],
      ["{not json", /not valid JSON/],
    ] as const;
    for (const [body, message] of bad) {
      const r = await post("mine", body);
      expect(r.status).toBe(400);
      expect(r.body.message).toMatch(message);
    }
    const dup = await post("mine", { session: "call-1", label: "my_call", rows: rowsOf("call", 0, 2) });
    expect(dup.status).toBe(409);
    expect(dup.body.message).toMatch(/already/);
    expect((await post("bad name!", { session: "s", label: "ok", rows: rowsOf("call", 0, 2) })).status).toBe(400);
    expect(readFileSync(join(root, "own-gestures", "mine.csv"), "utf8")).toBe(before);
  });

  it("drops a session on request, and keeps rows a crash left without a session", async () => {
    const r = await fetch(`${running.url}/api/ui/own/mine/rock-1`, { method: "DELETE" });
    expect(r.status).toBe(200);
    const after = await r.json();
    expect(after.sessions.map((s: { session: string }) => s.session)).toEqual(["call-1", "call-2"]);
    const table = parseLandmarkCsv(readFileSync(join(root, "own-gestures", "mine.csv"), "utf8"));
    expect(table.X.rows).toBe(50);
    expect(new Set(table.labels)).toEqual(new Set(["my_call"]));
    expect((await fetch(`${running.url}/api/ui/own/mine/rock-1`, { method: "DELETE" })).status).toBe(404);
    // A crash between the data write and the sessions write: the rows stay, named as unsorted.
    const line = readFileSync(join(root, "own-gestures", "mine.csv"), "utf8")
      .trim()
      .split("\n")[1];
    appendFileSync(join(root, "own-gestures", "mine.csv"), `${line}\n${line}\n`);
    const got = await (await fetch(`${running.url}/api/ui/own/mine`)).json();
    expect(got.sessions[2]).toEqual({ session: "unsorted-1", label: "my_call", rows: 2 });
  });
});
