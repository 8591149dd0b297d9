/**
 * The two ways a frame's hands get their class probabilities, behind one interface: in the page through the core
 * library (the same code as training and the CLI), or from a scoring server's /invocations (MLflow's protocol).
 * Both start from the same 63 values in the dataset's convention, made by the core's liveHandToDataset.
 */

import {
  COLUMNS,
  fromModelFile,
  HAND_DIM,
  NO_GESTURE,
  type Pipeline,
  type Rejector,
  warmUpHand,
} from "../core/index.js";

/** Extra request headers, e.g. `{ Authorization: "Bearer …" }` for a server started with --auth-token. */
export type RequestHeaders = Record<string, string>;

export interface Classifier {
  readonly kind: "local" | "api";
  /** Class names, in the order of the probability vectors. */
  readonly classes: readonly string[];
  /** What the user sees: the model's name and version, or the API's address. */
  readonly name: string;
  /**
   * The model's rejection threshold ("no gesture" above it), or null when the model never rejects. The decision
   * itself comes from `classify` (`accepted`), made by the same code as the CLI's and the servers'.
   */
  readonly threshold: number | null;
  /**
   * Fills `out[h]` with hand h's probabilities; `rows` holds `count` hands of HAND_DIM values each. When given,
   * `scores[h]` gets the hand's rejection score (0 without a rejector) and `accepted[h]` 1 if the model names a
   * gesture, 0 for "no gesture".
   */
  classify(
    rows: Float64Array,
    count: number,
    out: Float64Array[],
    scores?: Float64Array,
    accepted?: Uint8Array,
  ): Promise<ClassifyTiming>;
}

/** The label a hand gets from its probabilities and its acceptance: the best class, or "no gesture". */
export function decidedLabel(classes: readonly string[], proba: ArrayLike<number>, accepted: boolean): string {
  if (!accepted) return NO_GESTURE;
  let best = 0;
  for (let j = 1; j < proba.length; j++) if (proba[j] > proba[best]) best = j;
  return classes[best];
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
  readonly threshold: number | null;
  /** The model file it was made from (a landmarker in a worker runs the same file there). */
  readonly modelFile: unknown;
  private readonly model: Pipeline;
  private readonly rejector: Rejector | null;
  private readonly row = new Float64Array(HAND_DIM);
  private readonly judged: Float64Array;

  constructor(modelFile: unknown, name: string) {
    const { model } = fromModelFile(modelFile);
    this.modelFile = modelFile;
    this.model = model;
    this.judged = new Float64Array(model.classes.length);
    this.rejector = model.rejector;
    this.threshold = model.rejector?.threshold ?? null;
    this.classes = model.classes;
    this.name = name;
    // Varied hands through this very path now (some 50 ms), so no live frame runs cold or de-optimised code: the
    // browser's JIT tiers up later than Node's, and the first frames took 1 to 5 ms with a shorter warm-up.
    const rows = new Float64Array(2 * HAND_DIM);
    const out = [new Float64Array(model.classes.length), new Float64Array(model.classes.length)];
    const scores = new Float64Array(2);
    const accepted = new Uint8Array(2);
    for (let i = 0; i < PAGE_WARM_UP_HANDS; i += 2) {
      warmUpHand(i, rows.subarray(0, HAND_DIM));
      warmUpHand(i + 1, rows.subarray(HAND_DIM));
      this.classifyNow(rows, 1 + (i % 4 === 0 ? 1 : 0), out, scores, accepted);
    }
  }

  /** The timed work of classify, synchronous. */
  private classifyNow(
    rows: Float64Array,
    count: number,
    out: Float64Array[],
    scores?: Float64Array,
    accepted?: Uint8Array,
  ): void {
    // Nothing here allocates (no subarray views either), so no garbage collection can start inside it.
    const row = this.row;
    const rejector = this.rejector;
    for (let h = 0; h < count; h++) {
      for (let k = 0, base = h * HAND_DIM; k < HAND_DIM; k++) row[k] = rows[base + k];
      this.model.predictProbaRow(row, out[h]);
      if (!scores && !accepted) continue;
      const score = rejector ? rejector.scoreRow(row, out[h]) : 0;
      if (scores) scores[h] = score;
      if (accepted) accepted[h] = !rejector || rejector.accepts(score) ? 1 : 0;
    }
  }

  /** The hand's rejection score over the threshold (under 1: accepted; 0 without a rejector): recovery's judge. */
  unlike(row: Float64Array): number {
    if (!this.rejector) return 0;
    this.model.predictProbaRow(row, this.judged);
    return this.rejector.scoreRow(row, this.judged) / this.rejector.threshold;
  }

  async classify(
    rows: Float64Array,
    count: number,
    out: Float64Array[],
    scores?: Float64Array,
    accepted?: Uint8Array,
  ): Promise<ClassifyTiming> {
    const t0 = performance.now();
    this.classifyNow(rows, count, out, scores, accepted);
    return { classifyMs: performance.now() - t0 };
  }

  /** The Production model the server names (or its --model file). */
  /** The model a `handgesture ui` serves now, or with `uri` (models:/name/3, models:/<id>) that one from its store. */
  static async fromServer(base = "", headers: RequestHeaders = {}, uri?: string): Promise<LocalClassifier> {
    const query = uri ? `?uri=${encodeURIComponent(uri)}` : "";
    const res = await fetch(`${base.replace(/\/+$/, "")}/api/ui/model${query}`, { headers });
    if (!res.ok) throw new Error(`cannot load the model: ${res.status} ${await res.text()}`);
    const name = res.headers.get("X-Model-Version") ?? "server model";
    return new LocalClassifier(await res.json(), name);
  }
}

/** One hand of /invocations' "decision" output: the server's decision beside every class's probability. */
interface ServerDecision {
  label: string;
  best: string;
  probability: number;
  score: number | null;
  probabilities: Record<string, number>;
}

/**
 * A scoring server's POST /invocations, asked for its decision with every class's probability, so the page says
 * "no gesture" exactly when the server's model does. A server without the "decision" output (an older handgesture)
 * is asked for probabilities only, and then never rejects.
 */
export class ApiClassifier implements Classifier {
  readonly kind = "api";
  readonly classes: readonly string[];
  readonly name: string;
  /** Not known to the page: the server decides (`accepted`); null here means "ask the server". */
  readonly threshold: number | null = null;
  private readonly url: string;
  private readonly output: "decision" | "proba";
  private readonly headers: RequestHeaders;

  private constructor(
    url: string,
    classes: readonly string[],
    name: string,
    output: "decision" | "proba",
    headers: RequestHeaders,
  ) {
    this.url = url;
    this.headers = headers;
    this.classes = classes;
    this.name = name;
    this.output = output;
  }

  /** Asks the server once, with a neutral hand, which classes it answers with (and whether it decides). */
  static async connect(base: string, headers: RequestHeaders = {}): Promise<ApiClassifier> {
    const url = `${base.replace(/\/+$/, "")}/invocations`;
    const hand = [Array.from(warmUpHand(0))];
    let output: "decision" | "proba" = "decision";
    let probe: Awaited<ReturnType<typeof post>>;
    try {
      probe = await post(url, hand, "decision", headers);
    } catch {
      output = "proba";
      probe = await post(url, hand, "proba", headers);
    }
    const first = probe.body.predictions[0] as ServerDecision | Record<string, number>;
    const classes = Object.keys(output === "decision" ? (first as ServerDecision).probabilities : first);
    return new ApiClassifier(url, classes, `${probe.version ?? "model"} at ${url}`, output, headers);
  }

  async classify(
    rows: Float64Array,
    count: number,
    out: Float64Array[],
    scores?: Float64Array,
    accepted?: Uint8Array,
  ): Promise<ClassifyTiming> {
    const t0 = performance.now();
    const { body } = await post(this.url, handRows(rows, count), this.output, this.headers);
    const rttMs = performance.now() - t0;
    for (let h = 0; h < count; h++) {
      const d = body.predictions[h] as ServerDecision | Record<string, number>;
      const p = this.output === "decision" ? (d as ServerDecision).probabilities : (d as Record<string, number>);
      for (let j = 0; j < this.classes.length; j++) out[h][j] = p[this.classes[j]] ?? 0;
      const decision = this.output === "decision" ? (d as ServerDecision) : null;
      if (scores) scores[h] = decision?.score ?? 0;
      if (accepted) accepted[h] = decision && decision.label === NO_GESTURE ? 0 : 1;
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
  output: "decision" | "proba",
  headers: RequestHeaders,
): Promise<{ body: { predictions: unknown[] }; version?: string }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify({ dataframe_split: { columns: COLUMNS, data }, params: { output } }),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return { body: await res.json(), version: res.headers.get("X-Model-Version") ?? undefined };
}
