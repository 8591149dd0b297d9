import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatLandmarkCsv, type LandmarkTable, parseDecimal, parseLandmarkCsv } from "./csv.js";
import { DataError, HandgestureError } from "./errors.js";
import { COLUMNS } from "./landmarks.js";
import { fromRows, matrix } from "./matrix.js";

const HEADER = `${COLUMNS.join(",")},label`;
const GROUPED = ["x", "y", "z"].flatMap((a) => Array.from({ length: 21 }, (_, i) => `${a}${i + 1}`)).join(",");

/** 63 distinct values for row r, value j = r * 100 + j + 0.25. */
const vals = (r: number) => Array.from({ length: 63 }, (_, j) => r * 100 + j + 0.25);
const row = (r: number, label = "palm", fields: (string | number)[] = vals(r)) => [...fields, label].join(",");

function parse(text: string, skipInvalid = false): LandmarkTable {
  return parseLandmarkCsv(text, { file: "data.csv", skipInvalid });
}

function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error("expected a DataError");
}

/** Row 1 of a file with a good row 0 before it, with field j replaced by token. */
function withToken(j: number, token: string): string {
  const f: (string | number)[] = vals(1);
  f[j] = token;
  return [HEADER, row(0), row(1, "palm", f)].join("\n");
}

describe("parseLandmarkCsv: accepted forms", () => {
  it("reads the interleaved header, values, labels and source lines", () => {
    const t = parse([HEADER, row(0, "palm"), row(1, "fist")].join("\n"));
    expect(t.X.rows).toBe(2);
    expect(t.X.cols).toBe(63);
    expect(Array.from(t.X.data)).toEqual([...vals(0), ...vals(1)]);
    expect(t.labels).toEqual(["palm", "fist"]);
    expect(Array.from(t.lines)).toEqual([2, 3]);
    expect(t.skipped).toEqual([]);
    expect(t.file).toBe("data.csv");
  });

  it("maps the grouped order x1..x21,y1..y21,z1..z21 to the interleaved order", () => {
    const grouped = (r: number) =>
      ["x", "y", "z"].flatMap((_, a) => Array.from({ length: 21 }, (_, i) => vals(r)[3 * i + a]));
    const t = parse([`${GROUPED},label`, row(0, "ok", grouped(0)), row(1, "ok", grouped(1))].join("\n"));
    expect(Array.from(t.X.data)).toEqual([...vals(0), ...vals(1)]);
  });

  it("maps any permutation by name, case-insensitive, quoted, with spaces; label anywhere", () => {
    const names = [...COLUMNS].reverse();
    const header = [' "LABEL" ', ...names.map((n, k) => (k % 2 ? ` ${n.toUpperCase()} ` : `"${n}"`))].join(",");
    const fields = ["one", ...names.map((n) => vals(0)[COLUMNS.indexOf(n)])];
    const t = parse(`${header}\n${fields.join(",")}\n`);
    expect(Array.from(t.X.data)).toEqual(vals(0));
    expect(t.labels).toEqual(["one"]);
  });

  it("takes CRLF, lone CR, mixed endings, a BOM, blank lines and no final newline", () => {
    const text = `\uFEFF${HEADER}\r\n${row(0)}\r\n\r\n${row(1)}\n  \n${row(2)}\r${row(3)}\r\n\n\r\n`;
    const t = parse(text);
    expect(t.X.rows).toBe(4);
    expect(Array.from(t.lines)).toEqual([2, 4, 6, 7]);
    expect(parse(`${HEADER}\r\n${row(0)}`).X.rows).toBe(1);
  });

  it("reads quoted fields: numbers, commas, doubled quotes, newlines (and counts those lines)", () => {
    const f: (string | number)[] = vals(0);
    f[0] = '"0.25"';
    const text = [HEADER, row(0, '"a,b"', f), row(1, '"say ""hi"""'), row(2, '"two\r\nlines"'), row(3, "c")].join("\n");
    const t = parse(text);
    expect(t.labels).toEqual(["a,b", 'say "hi"', "two\r\nlines", "c"]);
    expect(t.X.data[0]).toBe(0.25);
    expect(Array.from(t.lines)).toEqual([2, 3, 4, 6]);
  });

  it("keeps spaces inside quotes and trims them outside", () => {
    const t = parse(
      [
        HEADER,
        row(0, '" a "'),
        row(1, "  b  "),
        row(
          2,
          "c",
          vals(2).map((v) => ` ${v} `),
        ),
      ].join("\n"),
    );
    expect(t.labels).toEqual([" a ", "b", "c"]);
    expect(Array.from(t.X.data.subarray(126))).toEqual(vals(2));
  });

  it("reads numbers as spreadsheets write them", () => {
    const tokens = ["-3.6492E-07", "0.004223748", "321", "+1.5", ".5", "1.", "1e5", "1E+05", "-0", "5e-324"];
    tokens.push("1.7976931348623157e308", "123456789012345678901234567890", "0.30000000000000004", "00012.50");
    const f: (string | number)[] = vals(0);
    tokens.forEach((tok, j) => {
      f[j] = tok;
    });
    const t = parse([HEADER, row(0, "x", f)].join("\n"));
    tokens.forEach((tok, j) => {
      expect(Object.is(t.X.data[j], Number(tok)), tok).toBe(true);
    });
  });

  it("returns no rows for a header alone, and grows past its first guess on CR-only files", () => {
    expect(parse(`${HEADER}\n`).X.rows).toBe(0);
    const rows = Array.from({ length: 300 }, (_, r) => row(r));
    const t = parse([HEADER, ...rows].join("\r"));
    expect(t.X.rows).toBe(300);
    expect(t.X.data.length).toBe(300 * 63);
    expect(t.X.data[299 * 63 + 62]).toBe(vals(299)[62]);
    expect(t.lines[299]).toBe(301);
  });
});

describe("parseLandmarkCsv: errors say where and what", () => {
  it("a non-number", () => {
    const e = dataError(() => parse(withToken(4, "abc")));
    expect(e.message).toBe('data.csv:3:5: expected a number for column y2, got "abc"');
    expect([e.file, e.line, e.column]).toEqual(["data.csv", 3, 5]);
    expect(e).toBeInstanceOf(HandgestureError);
    expect(e.code).toBe("INVALID_DATA");
  });

  it.each([
    "NaN",
    "Infinity",
    "-Infinity",
    "inf",
    "0x10",
    "1e",
    "1.2.3",
    "--1",
    "1 2",
    "1_000",
    "e5",
    ".",
    "+",
    "1e5.5",
  ])("refuses %j", (tok) => {
    const e = dataError(() => parse(withToken(62, tok)));
    expect(e.message).toBe(`data.csv:3:63: expected a number for column z21, got ${JSON.stringify(tok)}`);
  });

  it("an empty value, unquoted, blank or quoted", () => {
    for (const tok of ["", "   ", '""']) {
      const e = dataError(() => parse(withToken(0, tok)));
      expect(e.message).toBe("data.csv:3:1: empty value for column x1 (expected a number)");
    }
  });

  it("a number too large for a double", () => {
    expect(dataError(() => parse(withToken(2, "1e999"))).message).toBe(
      'data.csv:3:3: number out of range for column z1: "1e999"',
    );
  });

  it("too few or too many fields", () => {
    const short = [HEADER, row(0), `${vals(1).slice(1).join(",")},palm`].join("\n");
    expect(dataError(() => parse(short)).message).toBe(
      "data.csv:3:1: expected 64 fields (63 coordinates and label), got 63",
    );
    const long = [HEADER, `${row(0)},extra`].join("\n");
    expect(dataError(() => parse(long)).message).toBe(
      "data.csv:2:1: expected 64 fields (63 coordinates and label), got 65",
    );
    // The count explains more than the value error it causes, so it wins.
    expect(dataError(() => parse(`${HEADER}\nabc,1,2\n`)).message).toContain("got 3");
  });

  it("an empty label", () => {
    for (const label of ["", "  ", '""', '" "']) {
      expect(dataError(() => parse([HEADER, row(0, label)].join("\n"))).message).toBe("data.csv:2:64: empty label");
    }
  });

  it("an empty file, a missing header", () => {
    for (const text of ["", "\uFEFF", "\n\r\n  \n"]) {
      const e = dataError(() => parse(text));
      expect(e.message).toMatch(/^data\.csv:1:1: empty file/);
    }
    expect(dataError(() => parse(row(0))).message).toMatch(/^data\.csv:1:1: missing header/);
    expect(dataError(() => parseLandmarkCsv("")).message).toMatch(/^<csv>:1:1: /);
  });

  it("unknown, duplicate and missing columns", () => {
    const unknown = HEADER.replace("y2,", "why2,");
    expect(dataError(() => parse(unknown)).message).toMatch(/^data\.csv:1:5: unknown column "why2"/);
    const dup = HEADER.replace("y2,", "x1,");
    expect(dataError(() => parse(dup)).message).toBe("data.csv:1:5: duplicate column x1 (also column 1)");
    const noLabel = HEADER.replace(",label", "");
    expect(dataError(() => parse(`\n${noLabel}\n`)).message).toMatch(/^data\.csv:2:1: missing column label \(/);
    expect(dataError(() => parse("x1,y1")).message).toMatch(/missing columns z1, x2, .* and 56 more/);
  });

  it("quoting mistakes", () => {
    const open = [HEADER, row(0), row(1, '"palm')].join("\n");
    expect(dataError(() => parse(open, true)).message).toMatch(/^data\.csv:3:64: unterminated quoted field/);
    const after = [HEADER, row(0, '"palm"x')].join("\n");
    expect(dataError(() => parse(after)).message).toBe("data.csv:2:64: unexpected text after a closing quote");
    expect(dataError(() => parse(`"x1"y,${HEADER.slice(3)}`)).message).toBe(
      "data.csv:1:1: unexpected text after a closing quote",
    );
    const stray = [HEADER, row(0, 'pa"lm')].join("\n");
    expect(dataError(() => parse(stray)).message).toMatch(/^data\.csv:2:64: unexpected " in an unquoted field/);
  });

  it("counts physical lines past CRLF, blank lines and quoted newlines", () => {
    const text = `${HEADER}\r\n\r\n${row(0, '"a\nb\r\nc"')}\r\n${row(1, "x", ["oops", ...vals(1).slice(1)])}\r\n`;
    expect(dataError(() => parse(text)).line).toBe(6);
  });
});

describe("parseLandmarkCsv: skipInvalid", () => {
  it("records bad rows (line, column, reason), keeps the rest, never drops silently", () => {
    const bad = vals(2);
    const text = [HEADER, row(0), row(1, ""), row(2, "x", [...bad.slice(0, 9), "?", ...bad.slice(10)]), row(3), "1,2"];
    const t = parse(text.join("\n"), true);
    expect(t.X.rows).toBe(2);
    expect(Array.from(t.lines)).toEqual([2, 5]);
    expect(Array.from(t.X.data)).toEqual([...vals(0), ...vals(3)]);
    expect(t.skipped).toEqual([
      { line: 3, column: 64, reason: "empty label" },
      { line: 4, column: 10, reason: 'expected a number for column x4, got "?"' },
      { line: 6, column: 1, reason: "expected 64 fields (63 coordinates and label), got 2" },
    ]);
  });

  it("still throws on header errors", () => {
    expect(() => parse(`${HEADER.replace("x1", "xx")}\n${row(0)}`, true)).toThrow(DataError);
  });
});

describe("parseDecimal", () => {
  it("is strict where Number() is not", () => {
    for (const s of ["", " ", "0x10", "0b1", "Infinity", "NaN", "1 ", "1e", "e1", "1..2"])
      expect(parseDecimal(s)).toBeNaN();
    expect(parseDecimal("-3.6492E-07")).toBe(-3.6492e-7);
    expect(Object.is(parseDecimal("-0"), -0)).toBe(true);
  });
});

describe("formatLandmarkCsv", () => {
  it("writes the interleaved header, LF rows, quoted labels, -0", () => {
    const v = vals(0);
    v[1] = -0;
    const text = formatLandmarkCsv({ X: fromRows([v, vals(1)]), labels: ["a,b", " pad"] });
    const lines = text.split("\n");
    expect(lines[0]).toBe(HEADER);
    expect(lines[1].startsWith("0.25,-0,2.25,")).toBe(true);
    expect(lines[1].endsWith(',"a,b"')).toBe(true);
    expect(lines[2].endsWith(',162.25," pad"')).toBe(true);
    expect(lines[3]).toBe("");
  });

  it("writes an empty table as a header alone", () => {
    expect(formatLandmarkCsv({ X: fromRows([]), labels: [] })).toBe(`${HEADER}\n`);
  });

  it("refuses what it could not read back", () => {
    const bad = vals(0);
    bad[5] = Number.NaN;
    expect(() => formatLandmarkCsv({ X: fromRows([bad]), labels: ["a"] })).toThrow(/not finite/);
    expect(() => formatLandmarkCsv({ X: fromRows([vals(0)]), labels: [" "] })).toThrow(/empty label/);
    expect(() => formatLandmarkCsv({ X: fromRows([[1, 2]]), labels: ["a"] })).toThrow(/63 columns/);
    expect(() => formatLandmarkCsv({ X: fromRows([vals(0)]), labels: [] })).toThrow(/labels/);
  });
});

// ---- Properties -------------------------------------------------------------------------------------------------

const label = fc
  .string({ unit: fc.constantFrom("a", "Z", "_", "7", ",", " ", '"', "\n", "\r", "\t", "é", "✋"), maxLength: 8 })
  .filter((s) => s.trim() !== "");
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const table = fc
  .array(fc.tuple(fc.array(finite, { minLength: 63, maxLength: 63 }), label), { maxLength: 12 })
  .map((rows) => ({
    X: matrix(rows.length, 63, Float64Array.from(rows.flatMap((r) => r[0]))),
    labels: rows.map((r) => r[1]),
  }));
const eol = fc.constantFrom("\n", "\r\n", "\r");

/** 1-based line at which offset i starts, counted independently of the parser. */
const lineAt = (text: string, i: number) => (text.slice(0, i).match(/\r\n|\r|\n/g)?.length ?? 0) + 1;

const sameBits = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

/** Each row's text on its own (quoted labels may hold newlines, so rows are formatted one by one). */
function rowTexts(X: { data: Float64Array }, labels: string[]): string[] {
  return labels.map((l, i) => {
    const one = formatLandmarkCsv({ X: { rows: 1, cols: 63, data: X.data.slice(i * 63, i * 63 + 63) }, labels: [l] });
    return one.slice(HEADER.length + 1, -1);
  });
}

describe("properties", () => {
  it("formatLandmarkCsv then parseLandmarkCsv gives back the same table, bit for bit", () => {
    fc.assert(
      fc.property(table, ({ X, labels }) => {
        const t = parseLandmarkCsv(formatLandmarkCsv({ X, labels }));
        expect(sameBits(t.X.data, X.data)).toBe(true);
        expect(t.labels).toEqual(labels);
      }),
      { numRuns: 200 },
    );
  });

  it("round-trips with any line endings, BOM, blank lines and final newline, and reports true lines", () => {
    const layout = fc.record({ bom: fc.boolean(), ends: fc.array(eol, { minLength: 13, maxLength: 13 }) });
    const blanks = fc.array(fc.constantFrom("", "", "", "\n", "\r\n", " \t\r"), { minLength: 13, maxLength: 13 });
    fc.assert(
      fc.property(table, layout, blanks, fc.boolean(), ({ X, labels }, { bom, ends }, extra, last) => {
        let text = (bom ? "\uFEFF" : "") + HEADER + ends[12];
        const starts: number[] = [];
        rowTexts(X, labels).forEach((r, i) => {
          text += extra[i];
          starts.push(text.length);
          text += r + (i < labels.length - 1 || last ? ends[i] : "");
        });
        const t = parseLandmarkCsv(text);
        expect(sameBits(t.X.data, X.data)).toBe(true);
        expect(t.labels).toEqual(labels);
        expect(Array.from(t.lines)).toEqual(starts.map((s) => lineAt(text, s)));
      }),
      { numRuns: 200 },
    );
  });

  const corruption = fc.oneof(
    fc.record({ kind: fc.constant("drop" as const), j: fc.nat(62) }),
    fc.record({ kind: fc.constant("extra" as const), j: fc.nat(62) }),
    fc.record({
      kind: fc.constant("token" as const),
      j: fc.nat(62),
      token: fc.constantFrom(
        "abc",
        "",
        " ",
        "NaN",
        "Infinity",
        "-Infinity",
        "1e999",
        "0x10",
        "1,5e",
        "--2",
        '"x"',
        "1e",
      ),
    }),
    fc.record({ kind: fc.constant("label" as const), token: fc.constantFrom("", "  ", '""') }),
  );

  it("refuses a corrupted row with a DataError on that row's line; skipInvalid skips exactly it", () => {
    const input = table.filter((t) => t.labels.length > 0);
    fc.assert(
      fc.property(input, fc.nat(), corruption, eol, fc.boolean(), ({ X, labels }, pick, c, end, bom) => {
        const bad = pick % labels.length;
        const rows = rowTexts(X, labels);
        const fields = [...X.data.subarray(bad * 63, bad * 63 + 63)].map((v) => (Object.is(v, -0) ? "-0" : String(v)));
        const quoted = `"${labels[bad].replaceAll('"', '""')}"`;
        if (c.kind === "drop") fields.splice(c.j, 1);
        else if (c.kind === "extra") fields.splice(c.j, 0, "1");
        else if (c.kind === "token") fields[c.j] = c.token;
        rows[bad] = [...fields, c.kind === "label" ? c.token : quoted].join(",");
        const text = (bom ? "\uFEFF" : "") + [HEADER, ...rows].join(end) + end;
        const offset = (bom ? 1 : 0) + [HEADER, ...rows.slice(0, bad)].reduce((n, r) => n + r.length + end.length, 0);
        const badLine = lineAt(text, offset);
        const e = dataError(() => parseLandmarkCsv(text, { file: "f.csv" }));
        expect(e.line).toBe(badLine);
        expect(e.message.startsWith(`f.csv:${badLine}:`)).toBe(true);
        const t = parseLandmarkCsv(text, { skipInvalid: true });
        expect(t.skipped.map((s) => s.line)).toEqual([badLine]);
        expect(t.labels).toEqual(labels.filter((_, i) => i !== bad));
      }),
      { numRuns: 300 },
    );
  });
});
