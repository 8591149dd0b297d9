/**
 * The two ways a frame's hands get their class probabilities, behind one interface: in the page through the core
 * library (the same code as training and the CLI), or from a scoring server's /invocations (MLflow's protocol).
 * Both start from the same 63 values in the dataset's convention, made by the core's liveHandToDataset.
 */

import { COLUMNS, fromModelFile, HAND_DIM, type Pipeline, warmUpHand } from "../core/index.js";

/** Extra request headers, e.g. `{ Authorization: "Bearer …" }` for a server started with --auth-token. */
export type RequestHeaders = Record<string, string>;

export interface Classifier {
  readonly kind: "local" | "api";
  /** Class names, in the order of the probability vectors. */
  readonly classes: readonly string[];
  /** What the user sees: the model's name and version, or the API's address. */
  readonly name: string;
  /**
   * The model's rejection threshold ("no gesture" above it), or null (or absent) when the model never rejects.
   * The decision itself comes from `classify` (`accepted`).
   */
  readonly threshold?: number | null;
  /**
   * Fills `out[h]` with hand h's probabilities; `rows` holds `count` hands of HAND_DIM values each. When given,
   * `scores[h]` gets the hand's rejection score and `accepted[h]` 1 if the model names a gesture, 0 for "no
   * gesture" (a classifier without rejection leaves them as they are: callers preset 0 and 1).
   */
  classify(
    rows: Float64Array,
    count: number,
    out: Float64Array[],
    scores?: Float64Array,
    accepted?: Uint8Array,
  ): Promise<ClassifyTiming>;
}

export interface ClassifyTiming {
  /** Time spent computing probabilities in this page (local) or waiting for the server (API), ms. */
  classifyMs: number;
  /** API only: the request's round trip, ms. */
  rttMs?: number;
}

const PAGE_WARM_UP_HANDS = 2000;

/** The fitted pipeline, run in the page. */
export class LocalClassifier implements Classifier {
  readonly kind = "local";
  readonly classes: readonly string[];
  readonly name: string;
  /** The model file it was made from (a landmarker in a worker runs the same file there). */
  readonly modelFile: unknown;
  private readonly model: Pipeline;
  private readonly row = new Float64Array(HAND_DIM);

  constructor(modelFile: unknown, name: string) {
    const { model } = fromModelFile(modelFile);
    this.modelFile = modelFile;
    this.model = model;
    this.classes = model.classes;
    this.name = name;
    // Varied hands through this very path now (some 50 ms), so no live frame runs cold or de-optimised code: the
    // browser's JIT tiers up later than Node's, and the first frames took 1 to 5 ms with a shorter warm-up.
    const rows = new Float64Array(2 * HAND_DIM);
    const out = [new Float64Array(model.classes.length), new Float64Array(model.classes.length)];
    for (let i = 0; i < PAGE_WARM_UP_HANDS; i += 2) {
      warmUpHand(i, rows.subarray(0, HAND_DIM));
      warmUpHand(i + 1, rows.subarray(HAND_DIM));
      this.classifyNow(rows, 1 + (i % 4 === 0 ? 1 : 0), out);
    }
  }

  /** The timed work of classify, synchronous. */
  private classifyNow(rows: Float64Array, count: number, out: Float64Array[]): void {
    // Nothing here allocates (no subarray views either), so no garbage collection can start inside it.
    const row = this.row;
    for (let h = 0; h < count; h++) {
      for (let k = 0, base = h * HAND_DIM; k < HAND_DIM; k++) row[k] = rows[base + k];
      this.model.predictProbaRow(row, out[h]);
    }
  }

  async classify(rows: Float64Array, count: number, out: Float64Array[]): Promise<ClassifyTiming> {
    const t0 = performance.now();
    this.classifyNow(rows, count, out);
    return { classifyMs: performance.now() - t0 };
  }

  /** The Production model the server names (or its --model file). */
  static async fromServer(base = "", headers: RequestHeaders = {}): Promise<LocalClassifier> {
    const res = await fetch(`${base.replace(/\/+$/, "")}/api/ui/model`, { headers });
    if (!res.ok) throw new Error(`cannot load the model: ${res.status} ${await res.text()}`);
    const name = res.headers.get("X-Model-Version") ?? "server model";
    return new LocalClassifier(await res.json(), name);
  }
}

/** A scoring server's POST /invocations, asked for every class's probability. */
export class ApiClassifier implements Classifier {
  readonly kind = "api";
  readonly classes: readonly string[];
  readonly name: string;
  private readonly url: string;
  private readonly headers: RequestHeaders;

  private constructor(url: string, classes: readonly string[], name: string, headers: RequestHeaders) {
    this.url = url;
    this.headers = headers;
    this.classes = classes;
    this.name = name;
  }

  /** Asks the server once, with a neutral hand, which classes it answers with. */
  static async connect(base: string, headers: RequestHeaders = {}): Promise<ApiClassifier> {
    const url = `${base.replace(/\/+$/, "")}/invocations`;
    const probe = await post(url, [Array.from(warmUpHand(0))], headers);
    const classes = Object.keys(probe.body.predictions[0] as Record<string, number>);
    return new ApiClassifier(url, classes, `${probe.version ?? "model"} at ${url}`, headers);
  }

  async classify(rows: Float64Array, count: number, out: Float64Array[]): Promise<ClassifyTiming> {
    const t0 = performance.now();
    const { body } = await post(this.url, handRows(rows, count), this.headers);
    const rttMs = performance.now() - t0;
    const predictions = body.predictions as Record<string, number>[];
    for (let h = 0; h < count; h++) {
      const p = predictions[h];
      for (let j = 0; j < this.classes.length; j++) out[h][j] = p[this.classes[j]] ?? 0;
    }
    return { classifyMs: rttMs, rttMs };
  }
}

/** The first `count` hands of `rows` as JSON-ready lists of HAND_DIM numbers. */
export function handRows(rows: Float64Array, count: number): number[][] {
  const data: number[][] = [];
  for (let h = 0; h < count; h++) data.push(Array.from(rows.subarray(h * HAND_DIM, (h + 1) * HAND_DIM)));
  return data;
}

async function post(
  url: string,
  data: number[][],
  headers: RequestHeaders,
): Promise<{ body: { predictions: unknown[] }; version?: string }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify({ dataframe_split: { columns: COLUMNS, data }, params: { output: "proba" } }),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return { body: await res.json(), version: res.headers.get("X-Model-Version") ?? undefined };
}
