/** The flat meta.yaml reader (the search hot path) must read exactly what PyYAML-style parseYaml reads. */
import { describe, expect, it } from "vitest";
import { parseFlatYaml, parseYaml, toYaml } from "./fs-util.js";

const VALUES: unknown[] = [
  "plain",
  "two words",
  "",
  "yes",
  "No",
  "null",
  "~",
  "1e5",
  "1.0",
  "010",
  "0x1f",
  "1:30",
  "-1",
  "it's",
  "a: b",
  "#hash",
  "x #y",
  "ends:",
  "file:///tmp/mlruns/0/abc/artifacts",
  "ünïcødé ✋",
  "two\nlines",
  "tab\there",
  "x".repeat(120),
  `${"word ".repeat(30)}end`,
  "'quoted'",
  '"double"',
  "[list]",
  "{map}",
  "- dash",
  "@at",
  0,
  42,
  -7,
  1796305318862,
  0.5,
  null,
  true,
  [],
  {},
];

describe("parseFlatYaml", () => {
  it("agrees with parseYaml on every value toYaml writes, or declines (null)", () => {
    for (const v of VALUES) {
      const text = toYaml({ key: v, experiment_id: "0", status: 3 });
      const flat = parseFlatYaml(text);
      if (flat !== null) expect(flat, JSON.stringify(v)).toEqual(parseYaml(text));
    }
  });

  it("takes the common meta.yaml shapes itself (no fallback)", () => {
    const meta = toYaml({
      artifact_uri: "file:///tmp/mlruns/1/r/artifacts",
      end_time: null,
      entry_point_name: "",
      experiment_id: "1",
      lifecycle_stage: "active",
      run_id: "r",
      run_name: "brave-otter-1",
      source_type: 4,
      start_time: 1796305318862,
      tags: [],
      user_id: "root",
    });
    expect(parseFlatYaml(meta)).toEqual(parseYaml(meta));
    expect(parseFlatYaml("tags:\n  a: b\n")).toBeNull();
    expect(parseFlatYaml("")).toBeNull();
    expect(parseFlatYaml("--- \nx: 1\n")).toBeNull();
  });
});
