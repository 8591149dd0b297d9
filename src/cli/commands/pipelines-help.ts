import type { Estimator } from "../../core/estimator.js";
import { VotingClassifier } from "../../core/estimators/voting.js";
import { describe } from "../../core/params.js";
import { Pipeline } from "../../core/pipeline.js";
import { DEFAULT_PIPELINE, PIPELINES } from "../../core/pipelines.js";
import { ESTIMATORS } from "../../core/registry.js";

/** One line per parameter of an estimator, composites walked down to their leaves (keys as setParams takes them). */
function paramLines(est: Estimator, prefix: string): string[] {
  if (est instanceof Pipeline) return est.steps.flatMap(([name, s]) => paramLines(s, `${prefix}${name}__`));
  if (est instanceof VotingClassifier) return est.members.flatMap(([name, m]) => paramLines(m, `${prefix}${name}__`));
  const specs = ESTIMATORS[est.type]?.specs ?? {};
  const values = est.getParams();
  return Object.entries(specs).map(
    ([key, spec]) => `      ${prefix}${key} = ${JSON.stringify(values[key])}  (${describe(spec)}) ${spec.help}`,
  );
}

/** The pipelines and every parameter they take, for `fit --help` and `cv --help`. */
export function pipelinesHelp(): string {
  const lines = ["", "Pipelines (--pipeline NAME; parameters as --param step__param=value):"];
  for (const r of Object.values(PIPELINES)) {
    lines.push(`  ${r.name}${r.name === DEFAULT_PIPELINE ? " (default)" : ""}: ${r.description}`);
    lines.push(...paramLines(r.build(), ""));
  }
  return lines.join("\n");
}
