import { HandgestureError } from "../errors.js";
import type { Classifier, Estimator, EstimatorJSON } from "../estimator.js";
import { BaseClassifier } from "../estimator.js";
import type { Labels } from "../labels.js";
import type { Matrix } from "../matrix.js";
import type { Params, ParamValue } from "../params.js";

/**
 * Soft voting (scikit-learn's VotingClassifier with voting="soft"): averages the members' probabilities.
 * Members of different kinds fail differently: on hands unlike any trained gesture a forest spreads its votes
 * where a neural network stays sure, so the average is less confident on them than either alone.
 * Parameters are `member__param`, so in a pipeline `vote__rf__n_estimators`.
 */
export class VotingClassifier extends BaseClassifier {
  readonly type = "VotingClassifier";
  readonly members: ReadonlyArray<readonly [string, Classifier]>;
  private readonly scratch: Float64Array[] = [];

  constructor(members: ReadonlyArray<readonly [string, Classifier]>) {
    super();
    if (members.length === 0) throw new HandgestureError("VotingClassifier needs at least one member");
    const names = new Set<string>();
    for (const [name] of members) {
      if (!name || name.includes("__") || names.has(name)) {
        throw new HandgestureError(`VotingClassifier member name "${name}" must be unique, non-empty, without "__"`);
      }
      names.add(name);
    }
    this.members = members;
  }

  getParams(): Params {
    const out: Params = {};
    for (const [name, m] of this.members) for (const [k, v] of Object.entries(m.getParams())) out[`${name}__${k}`] = v;
    return out;
  }

  setParams(p: Readonly<Record<string, ParamValue | undefined>>): this {
    const byMember = new Map<string, Record<string, ParamValue | undefined>>();
    for (const [key, value] of Object.entries(p)) {
      const cut = key.indexOf("__");
      const name = cut < 0 ? "" : key.slice(0, cut);
      if (!this.members.some(([n]) => n === name)) {
        throw new HandgestureError(
          `unknown parameter "${key}": VotingClassifier parameters are member__param with members ${this.members
            .map(([n]) => n)
            .join(", ")}`,
        );
      }
      byMember.set(name, { ...(byMember.get(name) ?? {}), [key.slice(cut + 2)]: value });
    }
    for (const [name, m] of this.members) {
      const given = byMember.get(name);
      if (given) m.setParams(given);
    }
    return this;
  }

  fit(X: Matrix, y: Labels): this {
    for (const [, m] of this.members) m.fit(X, y);
    this.bind();
    return this;
  }

  /** Checks the members agree on the classes and sizes the per-member buffers. */
  private bind(): void {
    const classes = this.members[0][1].classes;
    for (const [name, m] of this.members) {
      if (m.classes.join("\n") !== classes.join("\n")) {
        throw new HandgestureError(`VotingClassifier member "${name}" has different classes from the others`);
      }
    }
    this.classes_ = classes;
    this.scratch.length = 0;
    for (let i = 0; i < this.members.length; i++) this.scratch.push(new Float64Array(classes.length));
  }

  predictProbaRow(x: Float64Array, out: Float64Array): void {
    const k = this.classes.length;
    out.fill(0);
    for (let i = 0; i < this.members.length; i++) {
      const p = this.scratch[i];
      this.members[i][1].predictProbaRow(x, p);
      for (let j = 0; j < k; j++) out[j] += p[j];
    }
    const n = this.members.length;
    for (let j = 0; j < k; j++) out[j] /= n;
  }

  toJSON(): EstimatorJSON {
    this.classes; // throws NotFittedError
    return {
      type: this.type,
      params: this.getParams(),
      state: { members: this.members.map(([name, m]) => ({ name, estimator: m.toJSON() })) },
    };
  }

  /** Rebuilds from a model file; `load` turns each member's JSON into an estimator (see model-file.ts). */
  static fromJSON(json: EstimatorJSON, load: (j: EstimatorJSON) => Estimator): VotingClassifier {
    const state = json.state as { members?: { name: string; estimator: EstimatorJSON }[] } | null;
    if (!state || !Array.isArray(state.members)) throw new HandgestureError("VotingClassifier: no members in file");
    const v = new VotingClassifier(
      state.members.map(({ name, estimator }) => [name, load(estimator) as Classifier] as const),
    );
    v.bind();
    return v;
  }
}
