/**
 * GET /api/ui/datasets/profile over real HTTP on loopback: a CSV under the data root, a run's dataset input, and
 * every way of reaching outside the root or feeding it bad data.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LANDMARK_CSV_HEADER } from "../src/core/csv.js";
import type { DatasetProfile } from "../src/core/profile.js";
import type { RunningServer } from "../src/server/http.js";
import { listenOn } from "../src/server/tracking/serve.js";
import { createUiApp } from "../src/server/ui/app.js";
import { mediapipeRoot } from "../src/server/ui/serve.js";
import { TrackingClient } from "../src/tracking/client.js";
import { FileStore } from "../src/tracking/file-store.js";
import { loadTable } from "./data.js";
import { DEV_CSV, hasShared } from "./shared.js";

const ready = hasShared("data", "hagrid_sample_dev.csv");

describe.skipIf(!ready)("dataset profiles served by handgesture ui", () => {
  const dir = mkdtempSync(join(tmpdir(), "hg-profile-"));
  const root = join(dir, "root");
  const outside = join(dir, "outside");
  let running: RunningServer;
  let client: TrackingClient;
  const row = (v: (k: number) => number, label: string) =>
    `${Array.from({ length: 63 }, (_, k) => v(k)).join(",")},${label}`;

  beforeAll(async () => {
    mkdirSync(join(root, "data"), { recursive: true });
    mkdirSync(outside);
    copyFileSync(DEV_CSV, join(root, "data", "dev.csv"));
    copyFileSync(DEV_CSV, join(outside, "secret.csv"));
    symlinkSync(join(outside, "secret.csv"), join(root, "link.csv"));
    symlinkSync(outside, join(root, "linkdir"));
    symlinkSync(join(root, "data", "dev.csv"), join(root, "inner-link.csv")); // a link that stays inside: fine
    const lines = readFileSync(DEV_CSV, "utf8").split("\n");
    writeFileSync(join(root, "bad.csv"), `${lines[0]}\n${lines[1]}\n${lines[2].replace(/^[^,]+,[^,]+,/, "1,x,")}\n`);
    writeFileSync(join(root, "empty.csv"), `${LANDMARK_CSV_HEADER}\n`);
    writeFileSync(
      join(root, "huge.csv"),
      // Hands far out (near the largest double) but of ordinary size: their sum overflows, their shape does not.
      `${LANDMARK_CSV_HEADER}\n${row((k) => (k % 3 === 2 ? 1e-300 : 1.2e308 + k * (k % 3 ? 1e305 : 2e305)), "a")}\n${row((k) => (k % 3 === 2 ? 0 : 1.3e308 + k * (k % 3 ? 1e305 : 2e305)), "a")}\n`,
    );
    const store = new FileStore(join(dir, "mlruns"));
    client = new TrackingClient(store);
    const app = createUiApp({
      store,
      model: { current: undefined as never }, // these routes never ask for the model
      webRoot: join(dir, "web"),
      mediapipeRoot: mediapipeRoot(),
      dataRoot: root,
    });
    running = await listenOn(app.fetch, "127.0.0.1", 0);
  });
  afterAll(async () => running?.close());

  const get = async (query: string) => {
    const r = await fetch(`${running.url}/api/ui/datasets/profile?${query}`);
    return { status: r.status, body: await r.json() };
  };

  it("profiles a CSV under the data root: the file's class counts, 942 rows, the spread of each coordinate", async () => {
    const { status, body } = await get("path=data/dev.csv");
    expect(status).toBe(200);
    const p: DatasetProfile = body.profile;
    // Counted from the file's text, apart from the library's reader.
    const text = readFileSync(DEV_CSV, "utf8").trim().split("\n").slice(1);
    const counts: Record<string, number> = {};
    for (const l of text) {
      const label = l.slice(l.lastIndexOf(",") + 1).trim();
      counts[label] = (counts[label] ?? 0) + 1;
    }
    expect(p.rows).toBe(942);
    expect(Object.fromEntries(p.classes.map((c) => [c.label, c.count]))).toEqual(counts);
    expect(p.classes).toHaveLength(18);
    const x1 = text.map((l) => Number(l.split(",")[0]));
    expect(p.spread.raw.min[0]).toBe(Math.min(...x1));
    expect(p.spread.raw.max[0]).toBe(Math.max(...x1));
    expect(p.spread.raw.mean[0]).toBeCloseTo(x1.reduce((s, v) => s + v, 0) / x1.length, 8);
    for (const c of p.classes) {
      expect(c.medoid?.raw).toHaveLength(63);
      expect(counts[c.label]).toBeGreaterThan(0);
      // The medoid is a real row of its class.
      expect(loadTable(DEV_CSV).labels[c.medoid?.row as number]).toBe(c.label);
    }
    expect(body.source.digest).toMatch(/^[0-9a-f]{8}$/);
    expect((await get("path=inner-link.csv")).status).toBe(200);
    expect((await get(`path=${encodeURIComponent(join(root, "data", "dev.csv"))}`)).status).toBe(200);
  });

  it("refuses paths outside the root: ../, an absolute path, a symlink out, a linked folder", async () => {
    for (const path of [
      "../outside/secret.csv",
      "data/../../outside/secret.csv",
      join(outside, "secret.csv"),
      "link.csv",
      "linkdir/secret.csv",
      "/etc/passwd",
    ]) {
      const { status, body } = await get(`path=${encodeURIComponent(path)}`);
      expect(status, path).toBe(403);
      expect(body.message, path).toMatch(/outside the data root/);
      if (!path.startsWith("/")) expect(body.message, path).not.toContain(dir); // no server paths in answers
    }
  });

  it("answers 4xx with a message for a missing file, a folder, bad CSV, no rows, no parameters", async () => {
    let r = await get("path=nothing.csv");
    expect(r.status).toBe(404);
    expect(r.body.message).toBe("nothing.csv: no such file under the data root");
    r = await get("path=data");
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/not a file/);
    r = await get("path=bad.csv");
    expect(r.status).toBe(400);
    // File, line and column, with the path as the user gave it (not the server's absolute path).
    expect(r.body.message).toMatch(/^bad\.csv:3:2: /);
    expect(r.body.message).not.toContain(root);
    r = await get("path=empty.csv");
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/no data rows/);
    r = await get("");
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/path=FILE\.csv/);
    r = await get("path=");
    expect(r.status).toBe(400);
  });

  it("keeps huge coordinates finite (a plain sum of two would overflow)", async () => {
    const { status, body } = await get("path=huge.csv");
    expect(status).toBe(200);
    const p: DatasetProfile = body.profile;
    expect(p.classes[0].mean_raw[0]).toBeCloseTo(1.25e308, -300);
    expect(p.spread.raw.std[0]).toBeCloseTo(5e306, -300);
    expect(p.unnormalizable).toBe(0);
    expect(p.classes[0].mean_normalized).toHaveLength(63);
    for (const v of [...p.spread.raw.mean, ...p.spread.raw.std, ...p.spread.normalized.std]) {
      expect(typeof v).toBe("number"); // JSON's null would mean NaN or Infinity
    }
  });

  it("profiles a run's dataset input: the logged counts, and the source file's profile with its digest checked", async () => {
    const exp = await client.getOrCreateExperiment("profiles");
    const run = await client.startRun(exp);
    const id = run.info.run_id;
    const table = loadTable(DEV_CSV);
    await client.logDataset(id, table, { name: "dev", source: "data/dev.csv" });
    const half = { X: { rows: 10, cols: 63, data: table.X.data.slice(0, 630) }, labels: table.labels.slice(0, 10) };
    await client.logDataset(id, half, { name: "dev-part", source: "data/dev.csv", context: "evaluation" });
    await client.logDataset(id, table, { name: "elsewhere", source: join(outside, "secret.csv") });
    await client.logDataset(id, table, { name: "remote", source: "s3://bucket/dev.csv" });

    let r = await get(`run_id=${id}&dataset=dev`);
    expect(r.status).toBe(200);
    expect(r.body.source.matches).toBe(true);
    expect(r.body.note).toBeNull();
    expect(r.body.profile.rows).toBe(942);
    expect(r.body.logged.num_rows).toBe(942);
    expect(Object.values(r.body.logged.class_counts as Record<string, number>).reduce((s, v) => s + v, 0)).toBe(942);

    r = await get(`run_id=${id}&dataset=dev-part`);
    expect(r.body.dataset.context).toBe("evaluation");
    expect(r.body.source.matches).toBe(false);
    expect(r.body.note).toMatch(/digest/);
    expect(r.body.logged.num_rows).toBe(10);

    r = await get(`run_id=${id}&dataset=elsewhere`);
    expect(r.status).toBe(200);
    expect(r.body.profile).toBeNull();
    expect(r.body.note).toMatch(/outside the data root/);
    expect(r.body.logged.num_rows).toBe(942);

    r = await get(`run_id=${id}&dataset=remote`);
    expect(r.body.profile).toBeNull();
    expect(r.body.note).toMatch(/not a local file/);

    r = await get(`run_id=${id}&dataset=nope`);
    expect(r.status).toBe(404);
    expect(r.body.message).toMatch(/has no dataset "nope" \(it has: /);
    r = await get("run_id=0123456789abcdef0123456789abcdef&dataset=dev");
    expect(r.status).toBe(404);
  });
});
