import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { HAND_DIM } from "../src/core/landmarks.js";
import { fromModelFile } from "../src/core/model-file.js";

/**
 * Scavenges (young-generation collections) while `work` runs: garbage made in a loop is collected by them. Major
 * collections are left out: they come from what was allocated before (a model file parsed in each test) and land
 * in the wait after the loop, where a CI run counted two of them against the loop.
 */
async function scavengesDuring(work: () => void): Promise<number> {
  let scavenges = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  work();
  await new Promise((r) => setTimeout(r, 100)); // the observer hears of collections a little later
  observer.disconnect();
  return scavenges;
}

const MODEL = resolve(dirname(fileURLToPath(import.meta.url)), "..", "models", "default", "model.json");

/**
 * The live path leaves (almost) no garbage: a garbage collection that starts inside a frame's classification costs
 * 0.2 to 1 ms, the whole budget. Counted as the collections V8 reports during 200,000 predictions of the shipped
 * default model under Vitest: 24 before `Pipeline.predictProbaRow` stopped building arrays and HandShapeFeatures stopped
 * calling Math.hypot (which allocates in V8), 3 to 5 after.
 */
describe("the default model's per-hand path", () => {
  it("leaves next to no garbage: at most 10 collections in 200,000 predictions", async () => {
    const { model } = fromModelFile(readFileSync(MODEL, "utf8"));
    const x = Float64Array.from({ length: HAND_DIM }, (_, k) =>
      k % 3 === 2 ? -0.01 * (k % 7) : 100 + ((k * 37) % 200),
    );
    const out = new Float64Array(model.classes.length);
    for (let i = 0; i < 20_000; i++) model.predictProbaRow(x, out); // warm-up: let the JIT finish its work
    const collections = await scavengesDuring(() => {
      for (let i = 0; i < 200_000; i++) {
        x[3 * (i % 21)] += 1e-3; // a slightly different hand each time
        model.predictProbaRow(x, out);
      }
    });
    console.log(`${collections} scavenges during 200,000 predictions`);
    expect(collections).toBeLessThanOrEqual(10);
    expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it("scores rejection without garbage too: at most 3 collections in 20,000 scored hands", async () => {
    const { model } = fromModelFile(readFileSync(MODEL, "utf8"));
    const rejector = model.rejector;
    if (!rejector) throw new Error("the default model has no rejector");
    const x = Float64Array.from({ length: HAND_DIM }, (_, k) =>
      k % 3 === 2 ? -0.01 * (k % 7) : 100 + ((k * 37) % 200),
    );
    const out = new Float64Array(model.classes.length);
    for (let i = 0; i < 5_000; i++) {
      model.predictProbaRow(x, out);
      rejector.scoreRow(x, out);
    }
    let sum = 0;
    const collections = await scavengesDuring(() => {
      for (let i = 0; i < 20_000; i++) {
        x[3 * (i % 21)] += 1e-3;
        model.predictProbaRow(x, out);
        sum += rejector.scoreRow(x, out);
      }
    });
    console.log(`${collections} scavenges during 20,000 scored hands`);
    expect(collections).toBeLessThanOrEqual(3);
    expect(Number.isFinite(sum)).toBe(true);
  });
});
