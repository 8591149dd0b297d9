/**
 * Hyperparameter grids for `train`: each model family is a named pipeline and, per `step__param` key, the
 * values to try. The defaults are the seed notebook's three grids plus a small one for our default pipeline;
 * a grid file (JSON, or YAML parsed by the caller) replaces them.
 */
import { HandgestureError } from "./errors.js";
import type { Params, ParamValue } from "./params.js";
import { buildPipeline, PIPELINES } from "./pipelines.js";

/** Values to try per parameter; keys are the pipeline's `step__param` names. */
export type Grid = Readonly<Record<string, readonly ParamValue[]>>;

/** A model family: what `train --models` names, one parent run in the tracking store. */
export interface GridFamily {
  readonly name: string;
  /** A name in PIPELINES. */
  readonly pipeline: string;
  readonly grid: Grid;
}

const family = (name: string, pipeline: string, grid: Record<string, ParamValue[]>): GridFamily =>
  Object.freeze({ name, pipeline, grid: Object.freeze(Object.fromEntries(Object.entries(grid))) });

/**
 * The seed's grids (12 + 12 + 18 points), then small grids around the settings of our stronger pipelines: the
 * default vote (4 points), the MLP ensemble (2) and logistic regression on hand-shape features (3).
 */
export const DEFAULT_FAMILIES: readonly GridFamily[] = Object.freeze([
  family("knn", "seed-knn", {
    knn__n_neighbors: [3, 5, 7],
    knn__weights: ["uniform", "distance"],
    knn__metric: ["euclidean", "manhattan"],
  }),
  family("logreg", "seed-logreg", {
    logreg__C: [0.1, 1, 10],
    logreg__penalty: ["l2", "none"],
    logreg__max_iter: [500, 1000],
  }),
  family("rf", "seed-rf", {
    rf__n_estimators: [50, 100, 200],
    rf__max_depth: [10, 20, null],
    rf__min_samples_split: [2, 5],
  }),
  family("vote", "handshape-vote", {
    vote__forest__rf__n_estimators: [50, 100],
    vote__mlp__mlp__alpha: [0.1, 0.3],
  }),
  family("mlp", "handshape-mlp", { mlp__alpha: [0.1, 0.3] }),
  family("shape-logreg", "handshape-logreg", { logreg__C: [0.1, 0.3, 1] }),
]);

/** The seed notebook's three families (the 42 grid points). */
export const SEED_FAMILY_NAMES: readonly string[] = Object.freeze(["knn", "logreg", "rf"]);

/** A default family by name; an unknown name lists the known ones. */
export function defaultFamily(name: string): GridFamily {
  const f = DEFAULT_FAMILIES.find((x) => x.name === name);
  if (!f) {
    throw new HandgestureError(
      `unknown model family "${name}"; known families: ${DEFAULT_FAMILIES.map((x) => x.name).join(", ")}`,
    );
  }
  return f;
}

/** Number of points in a grid (1 for an empty grid: the pipeline's defaults). */
export function gridSize(grid: Grid): number {
  return Object.values(grid).reduce((n, values) => n * values.length, 1);
}

/**
 * Every combination of the grid's values, in scikit-learn's ParameterGrid order: keys sorted, the last key
 * varying fastest. An empty grid gives one empty point (the pipeline's defaults), as ParameterGrid does.
 */
export function expandGrid(grid: Grid): Params[] {
  const keys = Object.keys(grid).sort();
  let points: Params[] = [{}];
  for (const key of keys) {
    const next: Params[] = [];
    for (const p of points) for (const v of grid[key]) next.push({ ...p, [key]: v });
    points = next;
  }
  return points;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isParamValue = (v: unknown): v is ParamValue =>
  v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));

/**
 * Checks a family against its pipeline and returns it with each value in the form the pipeline stores it
 * ("none" becomes null for a nullable number, "5" becomes 5), so that a point's params are what gets logged.
 * Errors name the family and the key: unknown pipeline, unknown parameter, a bad or repeated value, an empty list.
 */
export function checkFamily(f: { name: unknown; pipeline: unknown; grid: unknown }): GridFamily {
  if (typeof f.name !== "string" || f.name === "") throw new HandgestureError("a model family needs a non-empty name");
  const at = `model family "${f.name}"`;
  if (typeof f.pipeline !== "string" || !PIPELINES[f.pipeline]) {
    throw new HandgestureError(
      `${at}: unknown pipeline ${JSON.stringify(f.pipeline)}; known pipelines: ${Object.keys(PIPELINES).join(", ")}`,
    );
  }
  const pipeline = f.pipeline;
  if (!isRecord(f.grid)) {
    throw new HandgestureError(`${at}: "grid" must be an object of parameter name -> list of values`);
  }
  const grid: Record<string, ParamValue[]> = {};
  for (const [key, values] of Object.entries(f.grid)) {
    if (!Array.isArray(values)) {
      throw new HandgestureError(`${at}: parameter "${key}" must have a list of values, got ${JSON.stringify(values)}`);
    }
    if (values.length === 0) throw new HandgestureError(`${at}: parameter "${key}" has an empty list of values`);
    const seen = new Set<string>();
    grid[key] = values.map((v) => {
      if (!isParamValue(v)) {
        throw new HandgestureError(
          `${at}: parameter "${key}": values must be numbers, strings, booleans or null, got ${JSON.stringify(v)}`,
        );
      }
      let canonical: ParamValue | undefined;
      try {
        canonical = buildPipeline(pipeline)
          .setParams({ [key]: v })
          .getParams()[key];
      } catch (e) {
        throw new HandgestureError(`${at}: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (canonical === undefined) throw new HandgestureError(`${at}: unknown parameter "${key}"`);
      const id = JSON.stringify(canonical);
      if (seen.has(id)) throw new HandgestureError(`${at}: parameter "${key}" lists the value ${id} twice`);
      seen.add(id);
      return canonical;
    });
  }
  return family(f.name, pipeline, grid);
}

/**
 * Reads a grid file: `{"families": {"knn": {"pipeline": "seed-knn", "grid": {"knn__n_neighbors": [3, 5]}}}}`.
 * `input` is JSON text, or (format "object") a value already parsed, e.g. from YAML by the caller. A family
 * named like a default one may leave out "pipeline". Families come back in the file's order, each checked by
 * checkFamily.
 */
export function parseGridFile(
  input: unknown,
  format: "json" | "object" = typeof input === "string" ? "json" : "object",
): GridFamily[] {
  let doc = input;
  if (format === "json") {
    if (typeof input !== "string") throw new HandgestureError("grid file: expected JSON text");
    try {
      doc = JSON.parse(input);
    } catch (e) {
      throw new HandgestureError(`grid file: not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (!isRecord(doc) || !isRecord(doc.families)) {
    throw new HandgestureError('grid file: expected an object with "families": { name: { pipeline, grid } }');
  }
  const extra = Object.keys(doc).filter((k) => k !== "families");
  if (extra.length > 0) throw new HandgestureError(`grid file: unknown top-level key "${extra[0]}"`);
  const names = Object.keys(doc.families);
  if (names.length === 0) throw new HandgestureError("grid file: no families");
  return names.map((name) => {
    const spec = (doc.families as Record<string, unknown>)[name];
    if (!isRecord(spec)) throw new HandgestureError(`model family "${name}": expected an object { pipeline, grid }`);
    const unknown = Object.keys(spec).filter((k) => k !== "pipeline" && k !== "grid");
    if (unknown.length > 0) {
      throw new HandgestureError(`model family "${name}": unknown key "${unknown[0]}" (expected pipeline, grid)`);
    }
    const pipeline = spec.pipeline ?? DEFAULT_FAMILIES.find((f) => f.name === name)?.pipeline;
    if (pipeline === undefined) throw new HandgestureError(`model family "${name}": no "pipeline" given`);
    if (spec.grid === undefined) throw new HandgestureError(`model family "${name}": no "grid" given`);
    return checkFamily({ name, pipeline, grid: spec.grid });
  });
}
