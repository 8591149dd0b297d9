import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runInNewContext } from "node:vm";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { parseLandmarkCsv } from "../src/core/csv.js";
import { encodeLabels } from "../src/core/labels.js";
import { toModelFile } from "../src/core/model-file.js";
import { buildPipeline } from "../src/core/pipelines.js";
import { DEV_CSV, hasShared } from "./shared.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The core must run in a browser unchanged: bundle it for the browser platform (any Node built-in would fail the
 * build), run the bundle in a bare V8 context that has no Node APIs, and check a model fitted in Node predicts
 * exactly the same there.
 */
/** The core bundled as a browser would load it (any Node built-in fails the build). */
function bundleCore() {
  return build({
    entryPoints: [resolve(root, "src/core/index.ts")],
    bundle: true,
    platform: "browser",
    format: "iife",
    globalName: "handgesture",
    write: false,
    logLevel: "silent",
  });
}

describe("the core as a browser bundle", () => {
  it("bundles for the browser with no Node built-ins", async () => {
    const out = await bundleCore();
    expect(out.errors).toHaveLength(0);
    expect(out.outputFiles[0].text).not.toMatch(/require\(["']node:/);
  });

  it.skipIf(!hasShared("data", "hagrid_sample_dev.csv"))(
    "loads a model file and predicts bit-identically in a context without Node",
    async () => {
      const out = await bundleCore();
      const table = parseLandmarkCsv(readFileSync(DEV_CSV, "utf8"));
      const model = buildPipeline("seed-rf", { rf__n_estimators: 20 }).fit(table.X, encodeLabels(table.labels));
      const fileText = JSON.stringify(toModelFile(model));
      const rows = Array.from(table.X.data.subarray(0, 63 * 50));
      const expected = Array.from(model.predictProba({ rows: 50, cols: 63, data: Float64Array.from(rows) }).data);

      // Only what a browser page has in common with V8: no process, require, Buffer or fs.
      const sandbox: Record<string, unknown> = { TextDecoder, TextEncoder, performance, fileText, rows };
      const got = runInNewContext(
        `${out.outputFiles[0].text}
        ;(() => {
          if (typeof process !== "undefined" || typeof require !== "undefined") throw new Error("Node leaked in");
          const { model } = handgesture.fromModelFile(fileText);
          return Array.from(model.predictProba({ rows: 50, cols: 63, data: Float64Array.from(rows) }).data);
        })()`,
        sandbox,
      ) as number[];
      expect(got).toEqual(expected);
    },
  );
});
