import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT, TSX } from "./processes.js";
import { DEV_CSV, hasShared } from "./shared.js";

/** V8's de-optimisations while the default model predicts the 942 real hands, after a warm-up of the given kind. */
function deoptsOnRealHands(how: "warmUp" | "naive"): string[] {
  const r = spawnSync(
    process.execPath,
    ["--trace-deopt", "--import", TSX, "test/fixtures/deopt-probe.ts", "models/default/model.json", DEV_CSV, how],
    { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  expect(r.status, r.stderr).toBe(0);
  const after = r.stdout.slice(r.stdout.indexOf("=== real hands"), r.stdout.indexOf("=== done"));
  return after
    .split("\n")
    .filter((l) => l.includes("bailout") && l.includes("deoptimizing") && !l.includes("probeLoop"));
}

/**
 * A de-optimised function runs interpreted until it is compiled again: a live frame's classification then takes
 * milliseconds instead of 60 µs. core's warmUp leaves none for real hands to trigger; the naive warm-up the page
 * and server used to do (one whole-number hand, or zeros) leaves some.
 */
describe.skipIf(!hasShared("data", "hagrid_sample_dev.csv"))("warmUp", () => {
  it("leaves no de-optimisation for real hands; one whole-number hand does", () => {
    const naive = deoptsOnRealHands("naive");
    expect(naive.length).toBeGreaterThan(0);
    expect(deoptsOnRealHands("warmUp")).toEqual([]);
  }, 120_000);
});
