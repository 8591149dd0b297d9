/**
 * Several real processes on one database: 8 writers logging to one run at once lose nothing (SQLite file and
 * PostgreSQL); readers keep reading while a writer writes (WAL); a writer killed with SIGKILL in the middle of its
 * batches leaves a readable database in which each batch is all there or not at all.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { TSX } from "../../../test/processes.js";
import { openSqlStore } from "./sql-store.js";
import { freshPostgresDatabase, POSTGRES_URL } from "./testing.js";

const WRITER = resolve(dirname(fileURLToPath(import.meta.url)), "fixtures", "batch-writer.ts");
const dir = mkdtempSync(join(tmpdir(), "hg-sql-conc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writer(uri: string, runId: string, index: number, batches: number, mode: "concurrent" | "crash") {
  const child = spawn(process.execPath, ["--import", TSX, WRITER, uri, runId, String(index), String(batches), mode], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: string | null; stderr: string }>((ok) =>
    child.once("exit", (code, signal) => ok({ code, signal, stderr })),
  );
  return { child, exited };
}

/** Resolves once the child has printed `batch <n>` for n >= atLeast. */
function afterBatches(child: ChildProcess, atLeast: number): Promise<void> {
  return new Promise((ok, fail) => {
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
      const last = [...out.matchAll(/batch (\d+)/g)].at(-1);
      if (last && Number(last[1]) >= atLeast) ok();
    });
    child.once("exit", () => fail(new Error("writer exited early")));
  });
}

const WRITERS = 8;
const BATCHES = 15;

async function eightWriters(uri: string): Promise<void> {
  const store = await openSqlStore(uri);
  try {
    const run = await store.createRun({ experimentId: "0" });
    const runId = run.info.run_id;
    const results = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) => writer(uri, runId, i, BATCHES, "concurrent").exited),
    );
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    const history = await store.getMetricHistory(runId, "m");
    expect(history.length).toBe(WRITERS * BATCHES * 100);
    expect(new Set(history.map((p) => p.step)).size).toBe(WRITERS * BATCHES * 100);
    const got = await store.getRun(runId);
    const params = new Map(got.data.params.map((p) => [p.key, p.value]));
    expect(params.size).toBe(WRITERS * BATCHES + 1);
    expect(params.get("shared")).toBe("same");
    for (let w = 0; w < WRITERS; w++) {
      for (let j = 0; j < BATCHES; j++) expect(params.get(`w${w}_${j}`)).toBe(String(j));
      expect(got.data.tags.find((t) => t.key === `last_${w}`)?.value).toBe(String(BATCHES - 1));
    }
    // the latest point is the one with the greatest step, whoever wrote it last
    const latest = got.data.metrics.find((m) => m.key === "m")!;
    expect(latest.step).toBe((WRITERS - 1) * 1_000_000 + (BATCHES - 1) * 100 + 99);
  } finally {
    await store.close();
  }
}

describe("several processes on one SQLite file", () => {
  it("8 processes logging to one run at once lose nothing", async () => {
    await eightWriters(`sqlite:///${join(dir, "eight.db")}`);
  }, 120_000);

  it("readers read while a writer writes (WAL)", async () => {
    const path = join(dir, "wal.db");
    const uri = `sqlite:///${path}`;
    const store = await openSqlStore(uri);
    const runId = (await store.createRun({ experimentId: "0" })).info.run_id;
    const w = writer(uri, runId, 1, 0, "crash");
    await afterBatches(w.child, 2);
    // While the child keeps committing batches, reads go on and always see whole batches.
    const reader = await openSqlStore(uri);
    for (let i = 0; i < 20; i++) {
      const run = await reader.getRun(runId);
      for (const m of run.data.metrics) expect(m.step).toBe(899);
      expect(run.data.params.length % 100).toBe(0);
    }
    w.child.kill("SIGKILL");
    await w.exited;
    await reader.close();
    await store.close();
  }, 60_000);

  it("a writer killed with SIGKILL mid-batch leaves a readable database, every batch all or nothing", async () => {
    const path = join(dir, "killed.db");
    const uri = `sqlite:///${path}`;
    const store = await openSqlStore(uri);
    const runId = (await store.createRun({ experimentId: "0" })).info.run_id;
    await store.close();
    for (let round = 0; round < 5; round++) {
      const w = writer(uri, runId, round, 0, "crash");
      await afterBatches(w.child, 0);
      await new Promise((r) => setTimeout(r, Math.random() * 40));
      w.child.kill("SIGKILL");
      const { signal } = await w.exited;
      expect(signal).toBe("SIGKILL");
    }
    const db = new Database(path);
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    const metricCounts = db
      .prepare("SELECT key, COUNT(*) AS n FROM metrics WHERE run_uuid = ? GROUP BY key")
      .all(runId) as { key: string; n: number }[];
    const paramCounts = new Map<string, number>();
    for (const { key } of db.prepare("SELECT key FROM params WHERE run_uuid = ?").all(runId) as { key: string }[]) {
      const batch = key.replace(/_\d+$/, "");
      paramCounts.set(batch, (paramCounts.get(batch) ?? 0) + 1);
    }
    db.close();
    expect(metricCounts.length).toBeGreaterThanOrEqual(5);
    for (const { key, n } of metricCounts) {
      expect(n, key).toBe(900);
      expect(paramCounts.get(key), key).toBe(100);
    }
    expect(paramCounts.size).toBe(metricCounts.length);
    const reopened = await openSqlStore(uri);
    expect((await reopened.getRun(runId)).data.metrics.length).toBe(metricCounts.length);
    await reopened.close();
  }, 120_000);
});

describe.skipIf(!POSTGRES_URL)("several processes on one PostgreSQL database", () => {
  it("8 processes logging to one run at once lose nothing", async () => {
    const { uri, drop } = await freshPostgresDatabase();
    try {
      await (await openSqlStore(uri)).close();
      await eightWriters(uri);
    } finally {
      await drop();
    }
  }, 120_000);

  it("a writer killed with SIGKILL mid-batch leaves every batch all or nothing", async () => {
    const { uri, drop } = await freshPostgresDatabase();
    try {
      const store = await openSqlStore(uri);
      const runId = (await store.createRun({ experimentId: "0" })).info.run_id;
      for (let round = 0; round < 3; round++) {
        const w = writer(uri, runId, round, 0, "crash");
        await afterBatches(w.child, 0);
        await new Promise((r) => setTimeout(r, Math.random() * 40));
        w.child.kill("SIGKILL");
        await w.exited;
      }
      const counts = await store.db.all<{ key: string; n: number }>(
        "SELECT key, COUNT(*) AS n FROM metrics WHERE run_uuid = ? GROUP BY key",
        [runId],
      );
      const params = await store.db.all<{ key: string }>("SELECT key FROM params WHERE run_uuid = ?", [runId]);
      expect(counts.length).toBeGreaterThanOrEqual(3);
      for (const { key, n } of counts) {
        expect(n, key).toBe(900);
        expect(params.filter((p) => p.key.startsWith(`${key}_`)).length, key).toBe(100);
      }
      expect(params.length).toBe(counts.length * 100);
      await store.close();
    } finally {
      await drop();
    }
  }, 120_000);
});
