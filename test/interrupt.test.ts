import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { FileStore } from "../src/tracking/file-store.js";

describe("Ctrl-C during tracked work", () => {
  it("marks the runs still open KILLED, leaves finished ones alone, and exits 130", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "handgesture-int-")), "mlruns");
    const child = spawn(process.execPath, ["--import", "tsx", resolve("test/fixtures/interrupted-run.ts"), dir], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const ids: string[] = await new Promise((ok, fail) => {
      child.stdout.once("data", (d) => ok(JSON.parse(String(d))));
      child.once("exit", () => fail(new Error("exited before starting its runs")));
    });
    const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    const store = new FileStore(dir);
    const status = await Promise.all(ids.map(async (id) => (await store.getRun(id)).info));
    expect(status.map((s) => s.status)).toEqual(["KILLED", "KILLED", "FINISHED"]);
    expect(status[0].end_time).toBeGreaterThan(0);
  });
});
