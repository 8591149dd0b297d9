import { HandgestureError } from "./errors.js";
import type { Classifier, Estimator, EstimatorJSON, Transformer } from "./estimator.js";
import { BaseClassifier } from "./estimator.js";
import type { Labels } from "./labels.js";
import type { Matrix } from "./matrix.js";
import type { Params, ParamValue } from "./params.js";
import type { Rejector } from "./rejection.js";

export type Step = Transformer | Classifier;

function isTransformer(s: Step): s is Transformer {
  return typeof (s as Transformer).transformRow === "function";
}
function isClassifier(s: Step): s is Classifier {
  return typeof (s as Classifier).predictProbaRow === "function";
}

/**
 * Feature transforms followed by a classifier, itself a classifier (scikit-learn's Pipeline). Parameters are
 * flat `step__param` keys, which is also how they are logged to MLflow. The per-hand path runs every step
 * through preallocated buffers, so one prediction allocates nothing.
 */
export class Pipeline extends BaseClassifier {
  readonly type = "Pipeline";
  readonly steps: ReadonlyArray<readonly [string, Step]>;
  private buffers: Float64Array[] = [];
  private inputDim = -1;
  /**
   * The calibrated "no gesture" fitted with this pipeline (rejection.ts), or null: the model file carries it
   * beside the pipeline, and every place that names gestures with this model applies it.
   */
  rejector: Rejector | null = null;

  constructor(steps: ReadonlyArray<readonly [string, Step]>) {
    super();
    if (steps.length === 0) throw new HandgestureError("a pipeline needs at least one step");
    const names = new Set<string>();
    steps.forEach(([name, step], i) => {
      if (!name || name.includes("__")) {
        throw new HandgestureError(`pipeline step name "${name}" must be non-empty and contain no "__"`);
      }
      if (names.has(name)) throw new HandgestureError(`pipeline step name "${name}" is used twice`);
      names.add(name);
      const last = i === steps.length - 1;
      if (last && !isClassifier(step)) {
        throw new HandgestureError(`the last pipeline step "${name}" (${step.type}) must be a classifier`);
      }
      if (!last && !isTransformer(step)) {
        throw new HandgestureError(`pipeline step "${name}" (${step.type}) must be a transform`);
      }
    });
    this.steps = steps;
  }

  get transforms(): Transformer[] {
    return this.steps.slice(0, -1).map(([, s]) => s as Transformer);
  }
  get classifier(): Classifier {
    return this.steps[this.steps.length - 1][1] as Classifier;
  }
  step(name: string): Step {
    const s = this.steps.find(([n]) => n === name);
    if (!s) throw new HandgestureError(`no pipeline step "${name}"; steps: ${this.steps.map(([n]) => n).join(", ")}`);
    return s[1];
  }

  override get classes(): readonly string[] {
    return this.classifier.classes;
  }

  getParams(): Params {
    const out: Params = {};
    for (const [name, step] of this.steps) {
      for (const [k, v] of Object.entries(step.getParams())) out[`${name}__${k}`] = v;
    }
    return out;
  }

  setParams(p: Readonly<Record<string, ParamValue | undefined>>): this {
    const byStep = new Map<string, Record<string, ParamValue | undefined>>();
    for (const [key, value] of Object.entries(p)) {
      const cut = key.indexOf("__");
      const name = cut < 0 ? "" : key.slice(0, cut);
      if (!this.steps.some(([n]) => n === name)) {
        throw new HandgestureError(
          `unknown parameter "${key}": pipeline parameters are step__param with steps ${this.steps
            .map(([n]) => n)
            .join(", ")}; see getParams() for the list`,
        );
      }
      const forStep = byStep.get(name) ?? {};
      forStep[key.slice(cut + 2)] = value;
      byStep.set(name, forStep);
    }
    for (const [name, step] of this.steps) {
      const given = byStep.get(name);
      if (given) step.setParams(given);
    }
    return this;
  }

  fit(X: Matrix, y: Labels): this {
    this.rejector = null; // a rejector belongs to the fit it was calibrated on
    let Z = X;
    for (const t of this.transforms) Z = t.fit(Z, y).transform(Z);
    this.classifier.fit(Z, y);
    this.prepare(X.cols);
    return this;
  }

  /** Runs the feature steps on a batch (what the classifier sees). */
  transform(X: Matrix): Matrix {
    let Z = X;
    for (const t of this.transforms) Z = t.transform(Z);
    return Z;
  }

  override predictProba(X: Matrix): Matrix {
    return this.classifier.predictProba(this.transform(X));
  }

  /** Sizes the per-step buffers once; after this the per-hand path allocates nothing. */
  private prepare(inputDim: number): void {
    this.buffers = [];
    let d = inputDim;
    for (const t of this.transforms) {
      d = t.outputDim(d);
      this.buffers.push(new Float64Array(d));
    }
    this.inputDim = inputDim;
  }

  predictProbaRow(x: Float64Array, out: Float64Array): void {
    if (this.inputDim !== x.length) {
      if (this.inputDim < 0) this.classes; // throws NotFittedError when the classifier is not fitted
      this.prepare(x.length);
    }
    // Straight over the steps: the `transforms` getter builds arrays, and this path must allocate nothing.
    let cur = x;
    const steps = this.steps;
    const last = steps.length - 1;
    for (let i = 0; i < last; i++) {
      (steps[i][1] as Transformer).transformRow(cur, this.buffers[i]);
      cur = this.buffers[i];
    }
    (steps[last][1] as Classifier).predictProbaRow(cur, out);
  }

  toJSON(): EstimatorJSON {
    return {
      type: this.type,
      params: this.getParams(),
      state: { steps: this.steps.map(([name, s]) => ({ name, estimator: s.toJSON() })) },
    };
  }

  /** Rebuilds a fitted pipeline; `load` turns each step's JSON into an estimator (see model-file.ts). */
  static fromJSON(json: EstimatorJSON, load: (j: EstimatorJSON) => Estimator, inputDim?: number): Pipeline {
    const state = json.state as { steps?: { name: string; estimator: EstimatorJSON }[] } | null;
    if (!state || !Array.isArray(state.steps)) throw new HandgestureError("Pipeline: model file has no steps");
    const p = new Pipeline(state.steps.map(({ name, estimator }) => [name, load(estimator) as Step] as const));
    if (inputDim !== undefined) p.prepare(inputDim);
    return p;
  }
}
