import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BENCH_CSV, DEV_CSV, hasShared } from "../../test/shared.js";
import { DataError, HandgestureError } from "../core/errors.js";
import { inspectTable } from "../core/inspect.js";
import { HAGRID_LABELS } from "../core/labels.js";
import { readLandmarkCsv } from "./data.js";

const CLASSES = HAGRID_LABELS;

describe("readLandmarkCsv: files", () => {
  const dir = mkdtempSync(join(tmpdir(), "handgesture-data-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("says plainly when the file is not there (no raw ENOENT)", async () => {
    const path = join(dir, "nope.csv");
    const err = await readLandmarkCsv(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HandgestureError);
    expect((err as HandgestureError).message).toBe(`${path}: no such file`);
    expect((err as HandgestureError).code).toBe("RESOURCE_DOES_NOT_EXIST");
  });

  it("refuses a directory", async () => {
    await expect(readLandmarkCsv(dir)).rejects.toThrow(`${dir}: is a directory`);
  });

  it("refuses bytes that are not UTF-8", async () => {
    const path = join(dir, "latin1.csv");
    writeFileSync(path, Buffer.from([0x78, 0x31, 0xe9, 0x0a]));
    await expect(readLandmarkCsv(path)).rejects.toThrow(`${path}: not valid UTF-8 text`);
  });

  it("names the path as given in data errors, and passes skipInvalid through", async () => {
    const path = join(dir, "bad.csv");
    const header = ["x", "y", "z"].flatMap((a) => Array.from({ length: 21 }, (_, i) => `${a}${i + 1}`));
    writeFileSync(path, `${header.join(",")},label\n${"1,".repeat(63)}palm\n${"1,".repeat(62)}palm\n`);
    const err = await readLandmarkCsv(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe(`${path}:3:1: expected 64 fields (63 coordinates and label), got 63`);
    const t = await readLandmarkCsv(path, { skipInvalid: true });
    expect(t.file).toBe(path);
    expect(t.X.rows).toBe(1);
    expect(t.skipped).toEqual([{ line: 3, column: 1, reason: expect.stringContaining("got 63") }]);
  });
});

describe.skipIf(!hasShared("data", "hagrid_sample_dev.csv"))("readLandmarkCsv: the dev sample", () => {
  it("has 942 rows, 18 classes, 38 to 79 rows each", async () => {
    const t = await readLandmarkCsv(DEV_CSV);
    expect(t.X.rows).toBe(942);
    expect(t.X.cols).toBe(63);
    expect(t.skipped).toEqual([]);
    const ins = inspectTable(t);
    expect(ins.classes.map((c) => c.label)).toEqual(CLASSES);
    const counts = ins.classes.map((c) => c.count);
    expect(Math.min(...counts)).toBe(38);
    expect(Math.max(...counts)).toBe(79);
    expect(ins.duplicates + ins.conflicts).toBe(0);
    expect(ins.offColumns).toEqual([]);
    expect(ins.ranges?.x.min).toBeGreaterThan(8);
    expect(ins.ranges?.z.max).toBeLessThan(0.05);
  });

  it("matches the file text: the first values, and every value against a naive reading", async () => {
    const t = await readLandmarkCsv(DEV_CSV);
    expect(Array.from(t.X.data.subarray(0, 3))).toEqual([262.6699677, 257.3049011, -3.6492e-7]);
    expect(t.lines[0]).toBe(2);
    const lines = readFileSync(DEV_CSV, "utf8").split("\n").slice(1).filter(Boolean);
    expect(lines).toHaveLength(942);
    lines.forEach((line, i) => {
      const f = line.split(",");
      expect(t.labels[i]).toBe(f[63]);
      for (let j = 0; j < 63; j++) if (t.X.data[i * 63 + j] !== Number(f[j])) expect([i, j, f[j]]).toBe("equal");
    });
  });
});

describe.skipIf(!hasShared("data", "hagrid_bench_25k.csv"))("readLandmarkCsv: the 25k bench file", () => {
  it("has 25,675 rows", async () => {
    const t = await readLandmarkCsv(BENCH_CSV);
    expect(t.X.rows).toBe(25_675);
    expect(t.X.data.length).toBe(25_675 * 63);
    expect(t.labels).toHaveLength(25_675);
    expect(new Set(t.labels).size).toBe(18);
    expect(t.lines[25_674]).toBe(25_676);
  });
});
