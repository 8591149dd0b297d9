import { describe, expect, it } from "vitest";
import { COLUMNS, HAND_DIM } from "../../core/landmarks.js";
import { HttpError } from "../errors.js";
import { parseCsvInput, parseJsonInput, pyList, type Rows } from "./inputs.js";

/** The parsers alone: every form reads the same rows, and shape errors name what is wrong. */
const values = (r: number) => Array.from({ length: HAND_DIM }, (_, k) => r * 100 + k + 0.25);

function read(rows: Rows): number[][] {
  const out = new Float64Array(HAND_DIM);
  return Array.from({ length: rows.count }, (_, i) => {
    rows.fill(i, out);
    return Array.from(out);
  });
}

function refused(f: () => unknown): HttpError {
  try {
    f();
  } catch (e) {
    if (e instanceof HttpError) return e;
    throw e;
  }
  throw new Error("not refused");
}

describe("scoring inputs", () => {
  const want = [values(0), values(1)];
  const records = want.map((r) => Object.fromEntries(COLUMNS.map((c, k) => [c, r[k]])));

  it("reads the same rows from every JSON form", () => {
    const forms = [
      { dataframe_split: { columns: COLUMNS, data: want } },
      { dataframe_split: { data: want } }, // no names: the 63 values in order
      { dataframe_records: records },
      { instances: records },
      { inputs: Object.fromEntries(COLUMNS.map((c, k) => [c, want.map((r) => r[k])])) },
      { inputs: want, params: { output: "proba" } },
    ];
    for (const body of forms)
      expect(read(parseJsonInput(JSON.stringify(body)).rows), JSON.stringify(body).slice(0, 30)).toEqual(want);
    expect(parseJsonInput(JSON.stringify(forms[5])).params).toEqual({ output: "proba" });
  });

  it("reads CSV with a BOM, quotes, CRLF and blank lines, columns in any order", () => {
    const cols = [...COLUMNS].reverse();
    const line = (r: number[]) =>
      cols.map((c, k) => (k === 0 ? `"${r[COLUMNS.indexOf(c)]}"` : r[COLUMNS.indexOf(c)])).join(",");
    const csv = `\uFEFF"note",${cols.join(",")}\r\n"a, ""quoted"" note",${line(want[0])}\r\n\r\nplain,${line(want[1])}`;
    expect(read(parseCsvInput(csv).rows)).toEqual(want);
    expect(refused(() => parseCsvInput(`${COLUMNS.join(",")}\n"open`)).message).toMatch(/not closed/);
    expect(refused(() => parseCsvInput("")).message).toMatch(/no header/);
  });

  it("names the problem: ragged columns, bad rows, missing columns", () => {
    const ragged = Object.fromEntries(COLUMNS.map((c, k) => [c, k === 5 ? [1] : [1, 2]]));
    expect(refused(() => parseJsonInput(JSON.stringify({ inputs: ragged }))).message).toMatch(/z2 has 1, x1 has 2/);
    const split = parseJsonInput(JSON.stringify({ dataframe_split: { columns: COLUMNS, data: [want[0], 7] } }));
    expect(refused(() => read(split.rows)).message).toMatch(/row 1 must be a list of 63 values/);
    const recs = parseJsonInput(JSON.stringify({ dataframe_records: [records[0], "x"] }));
    expect(refused(() => read(recs.rows)).message).toMatch(/row 1 must be an object/);
    const e = refused(() => parseJsonInput(JSON.stringify({ dataframe_split: { columns: ["a"], data: [] } })));
    expect(e.status).toBe(400);
    expect(e.errorCode).toBe("INVALID_PARAMETER_VALUE");
    expect(e.message).toMatch(
      /^Model is missing inputs \['x1', 'y1', .*\]\. Note that there were extra inputs: \['a'\]$/,
    );
    expect(refused(() => parseJsonInput('{"instances": 5}')).message).toMatch(/list of records/);
    expect(refused(() => parseJsonInput('{"dataframe_split": {"data": [], "index": [1]}}')).message).toMatch(/index/);
    expect(pyList(["it's"])).toBe("['it\\'s']");
  });
});
