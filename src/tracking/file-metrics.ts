/**
 * Metric files of the file store: one line per point, `<timestamp> <value> <step>` in a run's metrics/<key>
 * (MLflow 2.12 and 3 read it; MLflow 3 may add `<dataset_name> <dataset_digest>`, which we read but never write,
 * since 2.12 refuses such lines), and `<timestamp> <value> <step> <run_id> [<dataset_name> <dataset_digest>]` in a
 * logged model's metrics/<key> (MLflow 3's layout). Values as Python's repr(float) writes them.
 */
import { HandgestureError } from "../core/errors.js";
import type { LoggedModelMetric, Metric } from "./entities.js";

/** A number as Python's repr(float) writes it: `0.9`, `1.0`, `1e-05`, `1.5e+16`, `nan`, `inf`, `-inf`. */
export function formatMetricValue(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (v === Number.POSITIVE_INFINITY) return "inf";
  if (v === Number.NEGATIVE_INFINITY) return "-inf";
  if (Object.is(v, -0)) return "-0.0";
  const [mant, expText] = v.toExponential().split("e");
  const exp = Number(expText);
  const neg = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  const sign = neg ? "-" : "";
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
    const intPart = digits.length > exp + 1 ? digits.slice(0, exp + 1) : digits.padEnd(exp + 1, "0");
    const frac = digits.slice(exp + 1);
    return `${sign}${intPart}.${frac === "" ? "0" : frac}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const a = Math.abs(exp);
  return `${sign}${m}e${exp < 0 ? "-" : "+"}${a < 10 ? `0${a}` : a}`;
}

/** Python's float(): also `nan`, `inf`, `infinity` in any case, with a sign. */
export function parseMetricValue(text: string): number {
  const t = text.trim().toLowerCase();
  const body = t.replace(/^[+-]/, "");
  const neg = t.startsWith("-");
  if (body === "nan") return Number.NaN;
  if (body === "inf" || body === "infinity") return neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  const v = Number(t);
  if (t === "" || Number.isNaN(v)) throw new HandgestureError(`bad metric value '${text}'`, "INTERNAL_ERROR");
  return v;
}

function malformed(key: string, line: string): HandgestureError {
  return new HandgestureError(
    `Metric '${key}' is malformed; persisted metric data contained '${line}'`,
    "INTERNAL_ERROR",
  );
}

/** One line of a run's metric file: 2 (no step), 3, or MLflow 3's 5 fields (with the dataset). */
export function parseMetricLine(key: string, line: string): Metric {
  const parts = line.trim().split(/\s+/);
  if (parts.length !== 2 && parts.length !== 3 && parts.length !== 5) throw malformed(key, line);
  const m: Metric = {
    key,
    value: parseMetricValue(parts[1]),
    timestamp: Number.parseInt(parts[0], 10),
    step: parts.length >= 3 ? Number.parseInt(parts[2], 10) : 0,
  };
  if (parts.length === 5) {
    m.dataset_name = parts[3];
    m.dataset_digest = parts[4];
  }
  return m;
}

/** All points of a metric file's text, in file order. */
export function parseMetricText(key: string, text: string): Metric[] {
  const out: Metric[] = [];
  for (const line of text.split("\n")) if (line.trim() !== "") out.push(parseMetricLine(key, line));
  return out;
}

/** A run's metric line (always 3 fields, so MLflow 2.12 reads it). */
export function metricLine(m: Metric): string {
  return `${m.timestamp} ${formatMetricValue(m.value)} ${m.step}\n`;
}

/** A logged model's metric line: with the run, and the dataset when both its name and digest are known. */
export function modelMetricLine(m: Metric, runId: string): string {
  const dataset = m.dataset_name && m.dataset_digest ? ` ${m.dataset_name} ${m.dataset_digest}` : "";
  return `${m.timestamp} ${formatMetricValue(m.value)} ${m.step} ${runId}${dataset}\n`;
}

/** One line of a logged model's metric file: 4 or 6 fields, as MLflow 3 reads it. */
export function parseModelMetricLine(modelId: string, key: string, line: string): LoggedModelMetric {
  const parts = line.trim().split(/\s+/);
  if (parts.length !== 4 && parts.length !== 6) throw malformed(key, line);
  const m: LoggedModelMetric = {
    key,
    value: parseMetricValue(parts[1]),
    timestamp: Number.parseInt(parts[0], 10),
    step: Number.parseInt(parts[2], 10),
    model_id: modelId,
    run_id: parts[3],
  };
  if (parts.length === 6) {
    m.dataset_name = parts[4];
    m.dataset_digest = parts[5];
  }
  return m;
}

/** True when a beats b as MLflow picks the latest point: greater (step, timestamp, value); the first of equals. */
function later(a: Metric, b: Metric): boolean {
  return (
    a.step > b.step ||
    (a.step === b.step && (a.timestamp > b.timestamp || (a.timestamp === b.timestamp && a.value > b.value)))
  );
}

/** MLflow's choice of the latest point: greatest (step, timestamp, value), the first of equals. */
export function latestOf<T extends Metric>(points: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const p of points) if (best === undefined || later(p, best)) best = p;
  return best;
}

/**
 * A logged model's metrics as MLflow 3's file store reports them: per key, the latest point of each (dataset name,
 * dataset digest) group.
 */
export function latestModelMetrics(modelId: string, key: string, text: string): LoggedModelMetric[] {
  const groups = new Map<string, LoggedModelMetric>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const p = parseModelMetricLine(modelId, key, line);
    const group = `${p.dataset_name ?? ""}\0${p.dataset_digest ?? ""}`;
    const best = groups.get(group);
    if (best === undefined || later(p, best)) groups.set(group, p);
  }
  return [...groups.values()];
}
