import { describe } from "../../core/params.js";
import { DEFAULT_PIPELINE, PIPELINES } from "../../core/pipelines.js";

/** The pipelines and every parameter they take, for `fit --help` and `cv --help`. */
export function pipelinesHelp(): string {
  const lines = ["", "Pipelines (--pipeline NAME; parameters as --param step__param=value):"];
  for (const r of Object.values(PIPELINES)) {
    lines.push(`  ${r.name}${r.name === DEFAULT_PIPELINE ? " (default)" : ""}: ${r.description}`);
    const defaults = r.build().getParams();
    for (const step of r.steps) {
      for (const [key, spec] of Object.entries(step.specs)) {
        const full = `${step.name}__${key}`;
        lines.push(`      ${full} = ${JSON.stringify(defaults[full])}  (${describe(spec)}) ${spec.help}`);
      }
    }
  }
  return lines.join("\n");
}
