import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HandgestureError } from "../core/errors.js";
import type { Experiment, ModelVersion, Run, RunStatus, Tag } from "./entities.js";
import {
  filterByName,
  filterExperiments,
  filterModelVersions,
  filterRuns,
  matchesRun,
  parseFilter,
  parseOrderBy,
  sortExperiments,
} from "./search.js";

const tags = (o: Record<string, string>): Tag[] => Object.entries(o).map(([key, value]) => ({ key, value }));

interface RunSpec {
  start: number;
  end?: number | null;
  status?: RunStatus;
  name?: string;
  user?: string;
  metrics?: Record<string, number>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  datasets?: { name: string; digest: string; context?: string }[];
}

function makeRun(id: string, spec: RunSpec): Run {
  return {
    info: {
      run_id: id,
      run_uuid: id,
      run_name: spec.name ?? id,
      experiment_id: "0",
      user_id: spec.user ?? "alice",
      status: spec.status ?? "FINISHED",
      start_time: spec.start,
      end_time: spec.end ?? null,
      artifact_uri: `file:///mlruns/0/${id}/artifacts`,
      lifecycle_stage: "active",
    },
    data: {
      metrics: Object.entries(spec.metrics ?? {}).map(([key, value]) => ({ key, value, timestamp: 0, step: 0 })),
      params: tags(spec.params ?? {}),
      tags: tags(spec.tags ?? {}),
    },
    inputs: {
      dataset_inputs: (spec.datasets ?? []).map((d) => ({
        tags: d.context === undefined ? [] : tags({ "mlflow.data.context": d.context }),
        dataset: { name: d.name, digest: d.digest, source_type: "local", source: "{}" },
      })),
    },
  };
}

const RUNS: Run[] = [
  makeRun("r1", {
    start: 1000,
    end: 2000,
    status: "FINISHED",
    name: "alpha",
    user: "alice",
    metrics: { f1: 0.95, "cv/f1": 0.9, loss: 0.1 },
    params: { model: "rf", "my key": "a b", lr: "0.01" },
    tags: { "mlflow.runName": "alpha", team: "Vision" },
    datasets: [{ name: "hagrid", digest: "d1", context: "training" }],
  }),
  makeRun("r2", {
    start: 3000,
    status: "FAILED",
    name: "beta",
    user: "bob",
    metrics: { f1: 0.85, loss: 0.3 },
    params: { model: "mlp", lr: "0.1", note: "it's" },
    tags: { team: "vision" },
  }),
  makeRun("r3", {
    start: 2000,
    status: "RUNNING",
    name: "gamma_1",
    user: "alice",
    metrics: { f1: Number.NaN, loss: 0.2 },
    params: { model: "knn" },
    datasets: [
      { name: "hagrid-dev", digest: "d2", context: "eval" },
      { name: "other", digest: "d3" },
    ],
  }),
  makeRun("r4", { start: 2000, end: 2500, status: "KILLED", name: "delta%", user: "carol", tags: { team: "audio" } }),
];

const ids = (runs: Run[]) => runs.map((r) => r.info.run_id);
const matching = (filter: string) => ids(filterRuns(RUNS, filter, undefined)).sort();

describe("filterRuns: a table of filters against hand-made runs", () => {
  const table: [string, string[]][] = [
    ["", ["r1", "r2", "r3", "r4"]],
    ["   ", ["r1", "r2", "r3", "r4"]],
    // metrics: every numeric comparator; NaN only satisfies !=; a run without the metric never matches
    ["metrics.f1 > 0.9", ["r1"]],
    ["metrics.f1 >= 0.85", ["r1", "r2"]],
    ["metrics.f1 < 0.9", ["r2"]],
    ["metrics.f1 <= 0.85", ["r2"]],
    ["metrics.f1 = 0.95", ["r1"]],
    ["metrics.f1 != 0.95", ["r2", "r3"]],
    ["metrics.f1 > -1", ["r1", "r2"]],
    ["metrics.f1 > 1e-1", ["r1", "r2"]],
    ["metrics.f1 > .9", ["r1"]],
    ["metrics.loss = 0", []],
    ["metric.loss < 0.25", ["r1", "r3"]],
    ["metrics.missing != 0", []],
    // quoted keys
    ["metrics.`cv/f1` = 0.9", ["r1"]],
    ['metrics."cv/f1" >= 0.9', ["r1"]],
    ["metrics.'cv/f1' > 0", ["r1"]],
    ["params.\"my key\" = 'a b'", ["r1"]],
    ["params.`my key` != 'a'", ["r1"]],
    // params: string comparison, single or double quotes, LIKE / ILIKE wildcards
    ["params.model = 'rf'", ["r1"]],
    ['params.model = "rf"', ["r1"]],
    ["params.model != 'rf'", ["r2", "r3"]],
    ["param.model LIKE 'k%'", ["r3"]],
    ["params.model like '%l%'", ["r2"]],
    ["params.model LIKE '_f'", ["r1"]],
    ["params.model LIKE '__'", ["r1"]],
    ["params.model LIKE 'r.'", []],
    ["params.model LIKE 'R%'", []],
    ["params.model ILIKE 'R%'", ["r1"]],
    ["params.model ilike '%N'", ["r3"]],
    ["parameters.lr = '0.1'", ["r2"]],
    ["parameter.lr = '0.10'", []],
    ["params.note = 'it''s'", ["r2"]],
    ['params.note = "it\'s"', ["r2"]],
    ["params.missing = 'x'", []],
    ["params.missing != 'x'", []],
    // tags, with dots in the key
    ["tags.team = 'vision'", ["r2"]],
    ["tags.team ILIKE 'VISION'", ["r1", "r2"]],
    ["tags.team != 'vision'", ["r1", "r4"]],
    ["tag.team LIKE '%io'", ["r4"]],
    ["tags.mlflow.runName = 'alpha'", ["r1"]],
    ["tags.`mlflow.runName` = 'alpha'", ["r1"]],
    ["tags.missing LIKE '%'", []],
    // attributes
    ["attributes.status = 'FINISHED'", ["r1"]],
    ["attribute.status != 'FINISHED'", ["r2", "r3", "r4"]],
    ["attr.run_name LIKE 'gamma_1'", ["r3"]],
    ["run.run_name = 'delta%'", ["r4"]],
    ["attributes.run_name LIKE 'delta%'", ["r4"]],
    ["attributes.run_name LIKE 'delta'", []],
    ["attributes.`run name` = 'beta'", ["r2"]],
    ["attributes.user_id = 'alice'", ["r1", "r3"]],
    ["attributes.artifact_uri LIKE '%/r2/artifacts'", ["r2"]],
    ["attributes.start_time >= 2000 AND attributes.start_time < 3000", ["r3", "r4"]],
    ["attributes.start_time = 1000", ["r1"]],
    ["attributes.created > 1500", ["r2", "r3", "r4"]],
    ["attributes.end_time > 0", ["r1", "r4"]],
    ["attributes.end_time != 2000", ["r4"]],
    ["attributes.run_id IN ('r1', 'r3')", ["r1", "r3"]],
    ['attributes.run_id in ("r2")', ["r2"]],
    ["attributes.run_id NOT IN ('r1','r3')", ["r2", "r4"]],
    ["attributes.run_id not  in ('r1')", ["r2", "r3", "r4"]],
    // datasets: any input matches
    ["datasets.name = 'hagrid'", ["r1"]],
    ["datasets.name LIKE 'hagrid%'", ["r1", "r3"]],
    ["datasets.context = 'eval'", ["r3"]],
    ["dataset.digest IN ('d1', 'd2')", ["r1", "r3"]],
    ["datasets.digest NOT IN ('d2')", ["r1", "r3"]],
    ["datasets.digest NOT IN ('d1')", ["r3"]],
    // AND in any case, spacing
    ["params.model = 'rf' AND metrics.f1 > 0.9 and tags.team = 'Vision'", ["r1"]],
    ["metrics.f1 > 0.8 AnD params.model = 'mlp'", ["r2"]],
    ["metrics.f1 > 0.8 and params.model = 'rf' and attributes.status = 'FAILED'", []],
    ["  metrics.f1>0.9  ", ["r1"]],
    ["params.model='mlp'and metrics.loss>=0.3", ["r2"]],
  ];
  it.each(table)("%s", (filter, expected) => {
    expect(matching(filter)).toEqual(expected);
  });

  it("treats an undefined filter as none and leaves the input array alone", () => {
    const input = [...RUNS];
    expect(ids(filterRuns(input, undefined, undefined))).toEqual(["r2", "r3", "r4", "r1"]);
    expect(ids(input)).toEqual(["r1", "r2", "r3", "r4"]);
  });

  it("matchesRun applies parsed clauses; no clauses match everything", () => {
    const clauses = parseFilter("metrics.f1 > 0.9");
    expect(RUNS.map((r) => matchesRun(r, clauses))).toEqual([true, false, false, false]);
    expect(RUNS.every((r) => matchesRun(r, []))).toBe(true);
  });
});

describe("parseFilter", () => {
  it("returns typed clauses with unquoted keys, upper-case comparators and resolved aliases", () => {
    expect(
      parseFilter(
        "metrics.f1 > 0.9 and params.model like 'rf%' and tags.mlflow.runName = \"a\" and attributes.created <= 5",
      ),
    ).toEqual([
      { type: "metric", key: "f1", comparator: ">", value: 0.9 },
      { type: "parameter", key: "model", comparator: "LIKE", value: "rf%" },
      { type: "tag", key: "mlflow.runName", comparator: "=", value: "a" },
      { type: "attribute", key: "start_time", comparator: "<=", value: 5 },
    ]);
    expect(parseFilter("attributes.run_id not in ('a', \"b\") AND datasets.context ILIKE 'train%'")).toEqual([
      { type: "attribute", key: "run_id", comparator: "NOT IN", value: ["a", "b"] },
      { type: "dataset", key: "context", comparator: "ILIKE", value: "train%" },
    ]);
    expect(parseFilter("params.`a b.c` = ''")).toEqual([
      { type: "parameter", key: "a b.c", comparator: "=", value: "" },
    ]);
    expect(parseFilter(undefined)).toEqual([]);
    expect(parseFilter(" \n ")).toEqual([]);
  });

  const errors: [string, string, number][] = [
    ["metrics.f1 >> 0.9", "invalid comparator '>>'", 12],
    ["metrics.f1 <> 0.9", "invalid comparator '<>'", 12],
    ["metrics.f1 == 0.9", "invalid comparator '=='", 12],
    ["metrics.f1 BETWEEN 0.9", "invalid comparator 'BETWEEN'", 12],
    ["metricz.f1 > 0.9", "unknown entity 'metricz'", 1],
    ["metrics.f1 > 0.9 and foo.x = 'a'", "unknown entity 'foo'", 22],
    ["f1 > 0.9", "expected '<entity>.<key>'", 1],
    ["params.model = 'rf", "unclosed quote '", 16],
    ['params."my key = 1', 'unclosed quote "', 8],
    ["metrics.`cv/f1 > 1", "unclosed quote `", 9],
    ["metrics.f1 LIKE '0.9'", "comparator 'LIKE' is not allowed on metrics.f1", 12],
    ["metrics.f1 ILIKE 0.9", "comparator 'ILIKE' is not allowed on metrics.f1", 12],
    ["metrics.f1 IN ('1')", "comparator 'IN' is not allowed on metrics.f1", 12],
    ["params.lr > '0.1'", "comparator '>' is not allowed on params.lr", 11],
    ["attributes.status IN ('FAILED')", "comparator 'IN' is not allowed on attributes.status", 19],
    ["attributes.start_time LIKE '1%'", "comparator 'LIKE' is not allowed", 23],
    ["metrics.f1 > '0.9'", "metrics.f1 needs a number, found '0.9'", 14],
    ["attributes.start_time > 'x'", "needs a number", 25],
    ["params.model = 1", "params.model needs a quoted string, found 1", 16],
    ["params.model = rf", "expected a quoted string or a number, found 'rf'", 16],
    ["metrics.f1 > 0.9x", "expected a quoted string or a number, found '0.9x'", 14],
    ["params.model = ('a')", "a list is only allowed with IN or NOT IN", 16],
    ["attributes.run_id IN 'a'", "IN needs a parenthesised list", 22],
    ["attributes.run_id IN ('a', b)", "expected a quoted string in the list, found 'b'", 28],
    ["attributes.run_id IN ('a'", "unclosed parenthesis", 22],
    ["attributes.run_id IN ('a' 'b')", "expected ',' or ')' in the list", 27],
    ["attributes.run_id NOT LIKE 'a'", "expected IN after NOT, found 'LIKE'", 23],
    ["attributes.foo = 'x'", "unknown attribute 'foo'", 1],
    ["attributes.lifecycle_stage = 'active'", "unknown attribute 'lifecycle_stage'", 1],
    ["datasets.size = 'x'", "unknown dataset key 'size'", 1],
    ["metrics. > 1", "empty key after 'metrics.'", 9],
    ["metrics.f1", "expected a comparator after 'metrics.f1', found end of input", 11],
    ["metrics.f1 > ", "expected a value, found end of input", 14],
    ["metrics.f1 > 0.9 and", "expected a clause after AND", 21],
    ["metrics.f1 > 0.9 or params.model = 'rf'", "OR is not supported", 18],
    ["metrics.f1 > 0.9 metrics.f2 < 1", "expected AND or the end of the filter, found 'metrics.f2'", 18],
    ["metrics.f1 > 0.9 andmetrics.f2 < 1", "expected AND or the end of the filter, found 'andmetrics.f2'", 18],
    ["= 1", "expected an identifier such as metrics.<key>, found '='", 1],
  ];
  it.each(errors)("rejects %s", (filter, detail, column) => {
    let error: unknown;
    try {
      parseFilter(filter);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HandgestureError);
    const err = error as HandgestureError;
    expect(err.code).toBe("INVALID_PARAMETER_VALUE");
    expect(err.message.startsWith(`Invalid filter '${filter}': `)).toBe(true);
    expect(err.message).toContain(detail);
    expect(err.message).toMatch(new RegExp(`at column ${column}$`));
  });

  it("filterRuns reports filter errors too", () => {
    expect(() => filterRuns(RUNS, "metrics.f1 >> 0.9", undefined)).toThrow(
      "Invalid filter 'metrics.f1 >> 0.9': invalid comparator '>>' at column 12",
    );
  });
});

describe("order_by", () => {
  const order = (orderBy: string[]) => ids(filterRuns(RUNS, undefined, orderBy));

  it("defaults to start_time DESC, then run_id", () => {
    expect(order([])).toEqual(["r2", "r3", "r4", "r1"]);
    expect(ids(filterRuns(RUNS, "", undefined))).toEqual(["r2", "r3", "r4", "r1"]);
  });

  const table: [string[], string[]][] = [
    // missing (r4) and NaN (r3) metrics last in both directions, among themselves in the default order
    [["metrics.f1 DESC"], ["r1", "r2", "r3", "r4"]],
    [["metrics.f1 desc"], ["r1", "r2", "r3", "r4"]],
    [["metrics.f1 ASC"], ["r2", "r1", "r3", "r4"]],
    [["metrics.f1"], ["r2", "r1", "r3", "r4"]],
    [["metric.loss DESC"], ["r2", "r3", "r1", "r4"]],
    [["metrics.`cv/f1` DESC"], ["r1", "r2", "r3", "r4"]],
    // params and tags as strings (code-point order), missing last
    [["params.model"], ["r3", "r2", "r1", "r4"]],
    [["params.model DESC"], ["r1", "r2", "r3", "r4"]],
    [["tags.team"], ["r1", "r4", "r2", "r3"]],
    [["tags.team DESC"], ["r2", "r4", "r1", "r3"]],
    // attributes; end_time null last either way
    [["attributes.start_time ASC"], ["r1", "r3", "r4", "r2"]],
    [["attributes.created DESC"], ["r2", "r3", "r4", "r1"]],
    [["attributes.end_time DESC"], ["r4", "r1", "r2", "r3"]],
    [["attributes.end_time"], ["r1", "r4", "r2", "r3"]],
    [["attributes.status"], ["r2", "r1", "r4", "r3"]],
    [["attributes.run_id DESC"], ["r4", "r3", "r2", "r1"]],
    // ties broken by start_time DESC then run_id
    [["attributes.user_id"], ["r3", "r1", "r2", "r4"]],
    // several keys
    [
      ["attributes.user_id", "metrics.loss ASC"],
      ["r1", "r3", "r2", "r4"],
    ],
    [
      ["attributes.start_time ASC", "attributes.run_id DESC"],
      ["r1", "r4", "r3", "r2"],
    ],
    [
      ["attributes.start_time", "params.model DESC"],
      ["r1", "r3", "r4", "r2"],
    ],
  ];
  it.each(table)("%j", (orderBy, expected) => {
    expect(order(orderBy)).toEqual(expected);
  });

  it("filters, then orders", () => {
    expect(ids(filterRuns(RUNS, "metrics.loss > 0", ["metrics.loss DESC"]))).toEqual(["r2", "r3", "r1"]);
  });

  it("parses entries into keys", () => {
    expect(parseOrderBy(["metrics.f1 DESC", "attributes.start_time ASC", "params.model", 'tags."a b"  desc '])).toEqual(
      [
        { type: "metric", key: "f1", ascending: false },
        { type: "attribute", key: "start_time", ascending: true },
        { type: "parameter", key: "model", ascending: true },
        { type: "tag", key: "a b", ascending: false },
      ],
    );
    expect(parseOrderBy(undefined)).toEqual([]);
  });

  const errors: [string, string, number][] = [
    ["metrics.f1 DESCX", "expected ASC or DESC, found 'DESCX'", 12],
    ["metrics.f1 DESC extra", "unexpected 'extra' after DESC", 17],
    ["metricz.f1", "unknown entity 'metricz' (expected metrics, params, tags, attributes or datasets)", 1],
    ["datasets.name", "datasets cannot be ordered by", 1],
    [
      "attributes.foo",
      "unknown attribute 'foo' (expected artifact_uri, end_time, experiment_id, lifecycle_stage, run_id, run_name, start_time, status, user_id)",
      1,
    ],
    ["f1 DESC", "expected '<entity>.<key>' (metrics, params, tags, attributes or datasets), found 'f1'", 1],
  ];
  it.each(errors)("rejects %s", (entry, detail, column) => {
    expect(() => parseOrderBy([entry])).toThrow(`Invalid order_by clause '${entry}': ${detail} at column ${column}`);
    expect(() => filterRuns(RUNS, undefined, ["metrics.f1", entry])).toThrow(HandgestureError);
  });
});

describe("properties", () => {
  const OPS = {
    "=": (a: number, b: number) => a === b,
    "!=": (a: number, b: number) => a !== b,
    "<": (a: number, b: number) => a < b,
    "<=": (a: number, b: number) => a <= b,
    ">": (a: number, b: number) => a > b,
    ">=": (a: number, b: number) => a >= b,
  } as const;
  type Op = keyof typeof OPS;

  /** Runs with a metric m that may be missing, NaN or infinite; distinct run ids and start times. */
  const runsArb = fc.array(fc.option(fc.oneof(fc.double(), fc.integer({ min: -5, max: 5 })), { nil: undefined }), {
    maxLength: 30,
  });
  const toRuns = (values: (number | undefined)[]) =>
    values.map((v, i) =>
      makeRun(`run${String(i).padStart(3, "0")}`, { start: i * 7, metrics: v === undefined ? {} : { m: v } }),
    );

  it("filterRuns(runs, 'metrics.m <op> X') equals a plain filter", () => {
    fc.assert(
      fc.property(
        runsArb,
        fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -5, max: 5 })),
        fc.constantFrom(...(Object.keys(OPS) as Op[])),
        (values, x, op) => {
          const runs = toRuns(values);
          const got = ids(filterRuns(runs, `metrics.m ${op} ${String(x)}`, undefined)).sort();
          const want = ids(
            runs.filter((r) => {
              const m = r.data.metrics.find((k) => k.key === "m");
              return m !== undefined && OPS[op](m.value, x);
            }),
          ).sort();
          expect(got).toEqual(want);
        },
      ),
    );
  });

  it("ordering by a metric is a permutation, monotone, with missing and NaN values last", () => {
    fc.assert(
      fc.property(runsArb, fc.boolean(), (values, ascending) => {
        const runs = toRuns(values);
        const sorted = filterRuns(runs, undefined, [`metrics.m ${ascending ? "ASC" : "DESC"}`]);
        expect(ids(sorted).sort()).toEqual(ids(runs).sort());
        const vals = sorted.map((r) => r.data.metrics[0]?.value ?? Number.NaN);
        const present = vals.filter((v) => !Number.isNaN(v));
        expect(vals.slice(0, present.length)).toEqual(present);
        for (let i = 1; i < present.length; i++) {
          if (ascending) expect(present[i - 1] <= present[i]).toBe(true);
          else expect(present[i - 1] >= present[i]).toBe(true);
        }
      }),
    );
  });
});

describe("filterExperiments and sortExperiments", () => {
  const exp = (id: string, name: string, created: number, updated: number, t: Record<string, string>): Experiment => ({
    experiment_id: id,
    name,
    artifact_location: `file:///mlruns/${id}`,
    lifecycle_stage: "active",
    creation_time: created,
    last_update_time: updated,
    tags: tags(t),
  });
  const EXPS = [
    exp("0", "Default", 100, 500, {}),
    exp("1", "hand-gestures", 200, 300, { team: "vision" }),
    exp("2", "Hand_Poses", 300, 400, { team: "audio" }),
  ];
  const names = (es: Experiment[]) => es.map((e) => e.experiment_id);

  const table: [string | undefined, string[]][] = [
    [undefined, ["0", "1", "2"]],
    ["name = 'Default'", ["0"]],
    ["name LIKE 'hand%'", ["1"]],
    ["name ILIKE 'hand%'", ["1", "2"]],
    ["name LIKE 'Hand\\_%'", []],
    ["attributes.name != 'Default'", ["1", "2"]],
    ["attribute.creation_time > 150", ["1", "2"]],
    ["creation_time <= 200 and last_update_time > 400", ["0"]],
    ["last_update_time = 300", ["1"]],
    ["tags.team = 'vision'", ["1"]],
    ["tag.team LIKE '%o'", ["2"]],
    ["tags.missing != 'x'", []],
    ["\"name\" = 'Default'", ["0"]],
  ];
  it.each(table)("%s", (filter, expected) => {
    expect(names(filterExperiments(EXPS, filter))).toEqual(expected);
  });

  const errors: [string, string][] = [
    ["metrics.x > 1", "unknown entity 'metrics' (expected attributes or tags) at column 1"],
    ["experiment_id = '1'", "unknown attribute 'experiment_id'"],
    ["name > 'a'", "comparator '>' is not allowed on name"],
    ["creation_time = 'x'", "creation_time needs a number, found 'x' at column 17"],
    ["name LIKE 'x", "unclosed quote ' at column 11"],
  ];
  it.each(errors)("rejects %s", (filter, detail) => {
    expect(() => filterExperiments(EXPS, filter)).toThrow(`Invalid filter '${filter}': ${detail}`);
  });

  it("orders by name, ids and times, by default creation_time DESC then experiment_id", () => {
    expect(names(sortExperiments(EXPS, undefined))).toEqual(["2", "1", "0"]);
    expect(names(sortExperiments(EXPS, ["name"]))).toEqual(["0", "2", "1"]);
    expect(names(sortExperiments(EXPS, ["last_update_time DESC"]))).toEqual(["0", "2", "1"]);
    expect(names(sortExperiments(EXPS, ["attributes.experiment_id DESC"]))).toEqual(["2", "1", "0"]);
    const tied = [exp("b", "x", 1, 1, {}), exp("a", "x", 1, 1, {}), exp("c", "x", 2, 1, {})];
    expect(names(sortExperiments(tied, ["name"]))).toEqual(["c", "a", "b"]);
    expect(() => sortExperiments(EXPS, ["tags.team"])).toThrow(
      "Invalid order_by clause 'tags.team': cannot order experiments by 'tags.team'",
    );
    expect(() => sortExperiments(EXPS, ["name UP"])).toThrow("expected ASC or DESC, found 'UP' at column 6");
  });
});

describe("registry filters", () => {
  const MODELS: { name: string; tags?: Tag[] }[] = [
    { name: "hand-mlp", tags: tags({ stage: "prod" }) },
    { name: "hand-forest" },
    { name: "Hand-KNN", tags: [] },
  ];
  const table: [string | undefined, string[]][] = [
    [undefined, ["hand-mlp", "hand-forest", "Hand-KNN"]],
    ["name = 'hand-mlp'", ["hand-mlp"]],
    ["name LIKE 'hand-%'", ["hand-mlp", "hand-forest"]],
    ["name ILIKE 'hand-%'", ["hand-mlp", "hand-forest", "Hand-KNN"]],
    ["name != 'hand-mlp'", ["hand-forest", "Hand-KNN"]],
    ["name like '%-___'", ["hand-mlp", "Hand-KNN"]],
    ["tags.stage = 'prod'", ["hand-mlp"]],
    ["name LIKE 'hand%' AND tags.stage != 'dev'", ["hand-mlp"]],
    // What MLflow 3's client appends to every registry search: models without the tag are no prompts.
    ["name = 'hand-mlp' AND tag.`mlflow.prompt.is_prompt` != 'true'", ["hand-mlp"]],
    ["tags.`mlflow.prompt.is_prompt` = 'false'", ["hand-mlp", "hand-forest", "Hand-KNN"]],
    ["tags.`mlflow.prompt.is_prompt` = 'true'", []],
  ];
  it.each(table)("filterByName %s", (filter, expected) => {
    expect(filterByName(MODELS, filter).map((m) => m.name)).toEqual(expected);
  });
  it("LIKE takes regular-expression characters literally", () => {
    const odd = [{ name: "a(b)[c]\\d$.+*?^{1}|/e" }, { name: "abcde" }];
    expect(filterByName(odd, "name LIKE 'a(b)[c]\\d$.+*?^{1}|/_'")).toEqual([odd[0]]);
    expect(filterByName(odd, "name LIKE '%.+*?%'")).toEqual([odd[0]]);
    expect(filterByName(odd, "name ILIKE 'A%E'")).toEqual([odd[0], odd[1]]);
    expect(filterByName([{ name: "line\nbreak" }], "name LIKE 'line_break'")).toHaveLength(1);
  });
  it.each([
    ["run_id = 'x'", "unknown attribute 'run_id' (expected name or tags.<key>) at column 1"],
    ["name = 1", "name needs a quoted string, found 1 at column 8"],
    ["name LIKE 'x", "unclosed quote ' at column 11"],
    ["name < 'x'", "comparator '<' is not allowed on name"],
  ])("filterByName rejects %s", (filter, detail) => {
    expect(() => filterByName(MODELS, filter)).toThrow(`Invalid filter '${filter}': ${detail}`);
  });

  const mv = (name: string, version: string, runId: string, source: string, t: Record<string, string>) =>
    ({
      name,
      version,
      creation_timestamp: 0,
      last_updated_timestamp: 0,
      current_stage: "None",
      description: "",
      source,
      run_id: runId,
      run_link: "",
      status: "READY",
      tags: tags(t),
      aliases: [],
    }) satisfies ModelVersion;
  const VERSIONS = [
    mv("m", "1", "a", "runs:/a/model", {}),
    mv("m", "2", "b", "runs:/b/model", { validated: "true" }),
    mv("other", "1", "a", "file:///x/model", {}),
  ];
  const versions = (filter: string | undefined) =>
    filterModelVersions(VERSIONS, filter).map((v) => `${v.name}/${v.version}`);
  const vtable: [string | undefined, string[]][] = [
    [undefined, ["m/1", "m/2", "other/1"]],
    ["name = 'm'", ["m/1", "m/2"]],
    ["name LIKE 'o%'", ["other/1"]],
    ["run_id = 'a'", ["m/1", "other/1"]],
    ["run_id != 'a'", ["m/2"]],
    ["run_id IN ('a', 'b')", ["m/1", "m/2", "other/1"]],
    ["run_id NOT IN ('a')", ["m/2"]],
    ["source_path = 'runs:/b/model'", ["m/2"]],
    ["source_path LIKE 'runs:/%'", ["m/1", "m/2"]],
    ["version_number > 1", ["m/2"]],
    ["name = 'm' and version_number = 1", ["m/1"]],
    ["attributes.name = 'other'", ["other/1"]],
    ["tags.validated = 'true'", ["m/2"]],
  ];
  it.each(vtable)("filterModelVersions %s", (filter, expected) => {
    expect(versions(filter)).toEqual(expected);
  });
  it.each([
    ["name IN ('m')", "comparator 'IN' is not allowed on name"],
    ["version_number = '1'", "version_number needs a number, found '1' at column 18"],
    ["stage = 'x'", "unknown attribute 'stage'"],
    ["run_id = 'a' or name = 'm'", "OR is not supported (join clauses with AND) at column 14"],
  ])("filterModelVersions rejects %s", (filter, detail) => {
    expect(() => filterModelVersions(VERSIONS, filter)).toThrow(`Invalid filter '${filter}': ${detail}`);
  });
});

describe("isomorphic", () => {
  it("imports nothing from Node", () => {
    const source = readFileSync(new URL("./search.ts", import.meta.url), "utf8");
    expect(source).not.toMatch(/from\s+["']node:/);
    expect(source).not.toMatch(/\brequire\(/);
  });
});
