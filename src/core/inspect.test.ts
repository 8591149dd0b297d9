import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatInspection, inspectTable } from "./inspect.js";
import { fromRows, matrix } from "./matrix.js";

/** A plausible hand in dataset units: x, y pixels around 100..300, z small. */
const hand = (r: number) =>
  Array.from({ length: 63 }, (_, j) => (j % 3 === 2 ? -0.001 * (Math.floor(j / 3) + r + 1) : 100 + r + j));

describe("inspectTable", () => {
  it("counts rows and classes (sorted by name) and carries the skipped count and file", () => {
    const X = fromRows([hand(0), hand(1), hand(2), hand(3)]);
    const ins = inspectTable({ X, labels: ["palm", "fist", "palm", "call"], file: "d.csv", skipped: [{}, {}] });
    expect(ins.rows).toBe(4);
    expect(ins.file).toBe("d.csv");
    expect(ins.skipped).toBe(2);
    expect(ins.classes).toEqual([
      { label: "call", count: 1 },
      { label: "fist", count: 1 },
      { label: "palm", count: 2 },
    ]);
    expect(ins.duplicates).toBe(0);
    expect(ins.conflicts).toBe(0);
    expect(ins.offColumns).toEqual([]);
  });

  it("tells exact duplicates from conflicting ones, with source lines", () => {
    const a = hand(0);
    const aNegZero = a.map((v, j) => (j === 5 ? 0 : v));
    const aPosZero = [...aNegZero];
    aNegZero[5] = -0;
    const X = fromRows([a, a, a, a, hand(1), aNegZero, aPosZero]);
    const labels = ["palm", "palm", "fist", "fist", "palm", "ok", "ok"];
    const ins = inspectTable({ X, labels, lines: [2, 3, 5, 6, 7, 8, 9] });
    expect(ins.duplicates).toBe(3);
    expect(ins.conflicts).toBe(1);
    expect(ins.duplicateExamples).toEqual([
      { line: 3, label: "palm", firstLine: 2, firstLabel: "palm" },
      { line: 6, label: "fist", firstLine: 5, firstLabel: "fist" },
      { line: 9, label: "ok", firstLine: 8, firstLabel: "ok" },
    ]);
    expect(ins.conflictExamples).toEqual([{ line: 5, label: "fist", firstLine: 2, firstLabel: "palm" }]);
  });

  it("without source lines, assumes a header and no blank lines", () => {
    const ins = inspectTable({ X: fromRows([hand(0), hand(0)]), labels: ["a", "a"] });
    expect(ins.duplicateExamples[0]).toMatchObject({ line: 3, firstLine: 2 });
  });

  it("gives ranges per axis and per column, and flags columns in the wrong convention", () => {
    const rows = [hand(0), hand(5)];
    for (const r of rows) {
      r[3] = r === rows[0] ? 0.2 : 0.7; // x2 normalized 0..1
      r[5] = 250; // z2 in pixels (and constant)
      r[2] = 0; // z1: the wrist depth is 0 by construction, not flagged as constant
    }
    const ins = inspectTable({ X: fromRows(rows), labels: ["a", "b"] });
    expect(ins.columns).toHaveLength(63);
    expect(ins.columns[0]).toEqual({ column: "x1", min: 100, max: 105 });
    expect(ins.ranges?.x).toEqual({ min: 0.2, max: 165 });
    expect(ins.ranges?.y).toEqual({ min: 101, max: 166 });
    expect(ins.ranges?.z.max).toBe(250);
    expect(ins.ranges?.z.min).toBeCloseTo(-0.026, 12);
    expect(ins.offColumns.map((c) => c.column)).toEqual(["x2", "z2"]);
    expect(ins.offColumns[0].reason).toMatch(/normalized/);
    expect(ins.offColumns[1].reason).toMatch(/pixels.*; constant/);
  });

  it("handles an empty table and is plain JSON", () => {
    const empty = inspectTable({ X: matrix(0, 63), labels: [] });
    expect(empty).toMatchObject({ rows: 0, classes: [], ranges: null, columns: [], offColumns: [] });
    const ins = inspectTable({ X: fromRows([hand(0), hand(0)]), labels: ["a", "b"] });
    expect(JSON.parse(JSON.stringify(ins))).toEqual(ins);
    expect(JSON.parse(JSON.stringify(empty))).toEqual(empty);
  });

  it("refuses a table of the wrong shape", () => {
    expect(() => inspectTable({ X: fromRows([[1, 2]]), labels: ["a"] })).toThrow(/63 columns/);
    expect(() => inspectTable({ X: fromRows([hand(0)]), labels: [] })).toThrow(/labels/);
  });

  it("counts duplicates and conflicts as a naive string-keyed count does", () => {
    const value = fc.constantFrom(0, -0, 1, 2.5, 1e-300);
    const rowArb = fc.tuple(fc.array(value, { minLength: 63, maxLength: 63 }), fc.constantFrom("a", "b", "c"));
    // Few distinct rows so that repeats are common: each row is one of four prototypes.
    const tableArb = fc.tuple(
      fc.array(rowArb, { minLength: 1, maxLength: 4 }),
      fc.array(fc.nat(99), { maxLength: 40 }),
    );
    fc.assert(
      fc.property(tableArb, ([protos, picks]) => {
        const rows = picks.map((p) => protos[p % protos.length]);
        const ins = inspectTable({ X: fromRows(rows.map((r) => r[0])), labels: rows.map((r) => r[1]) });
        const seen = new Map<string, Set<string>>();
        let dup = 0;
        let conf = 0;
        for (const [v, l] of rows) {
          const key = v.map((x) => String(x)).join(","); // String(-0) is "0", as -0 === 0
          const labels = seen.get(key);
          if (!labels) seen.set(key, new Set([l]));
          else if (labels.has(l)) dup++;
          else {
            conf++;
            labels.add(l);
          }
        }
        expect([ins.duplicates, ins.conflicts]).toEqual([dup, conf]);
      }),
      { numRuns: 200 },
    );
  });
});

describe("formatInspection", () => {
  it("prints counts, a bar chart scaled to the largest class, ranges and flags", () => {
    const rows = [hand(0), hand(1), hand(2), hand(3), hand(3)];
    const text = formatInspection(
      inspectTable({ X: fromRows(rows), labels: ["palm", "palm", "palm", "two_up_inverted", "fist"], file: "d.csv" }),
    );
    expect(text).toContain("d.csv: 5 rows, 3 classes");
    expect(text).toContain("exact duplicate rows: 0");
    expect(text).toContain("conflicting duplicates (same values, another label): 1");
    expect(text).toContain("line 6 (fist) has the values of line 5 (two_up_inverted)");
    const bars = text.split("\n").filter((l) => l.includes("█"));
    expect(bars).toHaveLength(3);
    expect(bars[0]).toMatch(/^fist\s+1 █{13}$/);
    expect(bars[1]).toMatch(/^palm\s+3 █{40}$/);
    expect(bars[2]).toMatch(/^two_up_inverted\s+1 █{13}$/);
    expect(bars[0].indexOf("█")).toBe(bars[2].indexOf("█")); // aligned columns
    expect(text).toMatch(/^x\s+100\s+163$/m);
    expect(text).toContain("columns whose range looks off: none");
  });

  it("lists off columns and skipped rows", () => {
    const r = hand(0);
    r[0] = 0.5;
    const text = formatInspection(inspectTable({ X: fromRows([r]), labels: ["a"], skipped: [{}] }));
    expect(text).toContain("skipped invalid rows: 1");
    expect(text).toMatch(/columns whose range looks off: 1\n {2}x1 {2}0\.5 \.\. 0\.5: all within 0\.\.1\.5/);
  });

  it("reports an empty table without ranges", () => {
    expect(formatInspection(inspectTable({ X: matrix(0, 63), labels: [] }))).toBe(
      "table: 0 rows, 0 classes\nexact duplicate rows: 0\nconflicting duplicates (same values, another label): 0",
    );
  });
});
