import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "./cli.js";
import { DEV_CSV, hasShared, TILES_JSON } from "./shared.js";

const dir = mkdtempSync(join(tmpdir(), "handgesture-cli-"));
const ready = hasShared("data", "hagrid_sample_dev.csv") && hasShared("media", "tiles", "mediapipe-landmarks.json");

describe("CLI usage errors", () => {
  it("lists the pipelines and their parameters in fit --help", () => {
    const r = cli(["fit", "--help"]);
    expect(r.status).toBe(0);
    for (const name of ["handshape-vote-aug (default)", "seed-knn", "seed-logreg", "seed-rf", "knn__n_neighbors"]) {
      expect(r.stdout).toContain(name);
    }
  });

  it("exits 2 with a message for a missing file, an unknown pipeline, a bad parameter", () => {
    const missing = cli(["fit", "--data", join(dir, "nope.csv"), "--out", join(dir, "m.json")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.csv.*no such file/);
    const pipe = cli(["fit", "--data", DEV_CSV, "--out", join(dir, "m.json"), "--pipeline", "svm"]);
    expect(pipe.status).toBe(2);
    expect(pipe.stderr).toMatch(/unknown pipeline "svm".*seed-knn/);
    const param = cli(["cv", "--data", DEV_CSV, "--pipeline", "seed-knn", "--param", "knn__n_neighbors=zero"]);
    expect(param.status).toBe(2);
    expect(param.stderr).toMatch(/n_neighbors.*integer/);
  });

  it("names file, line and column of a malformed row", () => {
    const bad = join(dir, "bad.csv");
    const header = `${Array.from({ length: 63 }, (_, k) => `${"xyz"[k % 3]}${Math.floor(k / 3) + 1}`).join(",")},label`;
    const good = `${Array.from({ length: 63 }, (_, k) => k + 1).join(",")},fist`;
    writeFileSync(bad, `${header}\n${good}\n${good.replace(/^1,2,3,4,5/, "1,2,3,4,abc")}\n`);
    const r = cli(["fit", "--data", bad, "--out", join(dir, "m.json"), "--pipeline", "seed-knn"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad\.csv:3:5: .*column y2.*"abc"/);
    // --skip-invalid fits on the good rows and says which row it left out, and why.
    const skip = cli(["fit", "--data", bad, "--out", join(dir, "m.json"), "--pipeline", "seed-knn", "--skip-invalid"]);
    expect(skip.status, skip.stderr).toBe(0);
    expect(skip.stderr).toMatch(/skipped 1 invalid row:\n {2}.*bad\.csv:3:5: .*y2/);
    expect(JSON.parse(readFileSync(join(dir, "m.json"), "utf8")).training.rows).toBe(1);
  });
});

describe.skipIf(!ready)("CLI on the dev sample", () => {
  const model = join(dir, "knn.json");

  it("fits, evaluates (--json) and predicts from CSV and from live hands", () => {
    const fit = cli([
      "fit",
      "--data",
      DEV_CSV,
      "--out",
      model,
      "--pipeline",
      "seed-knn",
      "--param",
      "knn__n_neighbors=1",
    ]);
    expect(fit.status, fit.stderr).toBe(0);
    const file = JSON.parse(readFileSync(model, "utf8"));
    expect(file.format).toBe("handgesture-model");
    expect(file.training.rows).toBe(942);

    const ev = cli(["evaluate", "--model", model, "--data", DEV_CSV, "--json"]);
    expect(ev.status, ev.stderr).toBe(0);
    const report = JSON.parse(ev.stdout);
    // 1-NN on its own training rows is right except where identical hands carry different labels.
    expect(report.accuracy).toBeGreaterThan(0.99);
    for (const key of ["accuracy", "macro_f1", "weighted_f1", "per_class", "confusion"])
      expect(report).toHaveProperty(key);
    expect(Object.keys(report.per_class)).toHaveLength(18);
    expect(report.confusion.matrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(942);

    const pred = cli(["predict", "--model", model, "--data", DEV_CSV]);
    expect(pred.status, pred.stderr).toBe(0);
    const lines = pred.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(942);
    expect(lines[0]).toMatchObject({ line: 2, expected: expect.any(String), label: expect.any(String) });

    const { results } = JSON.parse(readFileSync(TILES_JSON, "utf8")) as {
      results: { width: number; height: number; landmarks: number[][][]; handedness: { label: string }[] }[];
    };
    const hands = results
      .map((t) =>
        JSON.stringify({
          landmarks: t.landmarks[0],
          width: t.width,
          height: t.height,
          handedness: t.handedness[0].label,
        }),
      )
      .join("\n");
    const live = cli(["predict", "--model", model, "--hands", "-"], hands);
    expect(live.status, live.stderr).toBe(0);
    const out = live.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(out).toHaveLength(8);
    expect(out[0].top).toHaveLength(3);
    expect(out[0].label).toBe("call");
    expect(out[0].probability).toBeGreaterThan(0);
  });

  it("refuses a malformed live hand with its line number", () => {
    const r = cli(
      ["predict", "--model", model, "--hands", "-"],
      '{"landmarks": [[0.1, 0.2, 0]], "width": 640, "height": 480}\n',
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/stdin:1: a hand needs 21 landmarks, got 1/);
  });

  it("cross-validates the seed's KNN near scikit-learn's 0.940 macro-F1", () => {
    const r = cli(["cv", "--data", DEV_CSV, "--pipeline", "seed-knn", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.macro_f1.mean).toBeGreaterThan(0.925);
    expect(res.macro_f1.mean).toBeLessThan(0.955);
    expect(res.macro_f1.values).toHaveLength(5);
  });
});
