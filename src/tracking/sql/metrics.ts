/**
 * Metric points in MLflow's SQL conventions: NaN stored as 0 with is_nan = 1, ±Infinity as ±max double (read back
 * as that number, as MLflow does); `metrics` keyed by the whole point (a point logged twice is one row),
 * `latest_metrics` kept as the greatest (step, timestamp, value) per key; points with a model_id also go to
 * `logged_model_metrics`.
 */
import type { Metric } from "../entities.js";
import { insertRows } from "./context.js";
import type { SqlExec, SqlValue } from "./db.js";

const MAX_DOUBLE = 1.7976931348623157e308;

export function storedValue(v: number): { value: number; isNan: boolean } {
  if (Number.isNaN(v)) return { value: 0, isNan: true };
  if (v === Number.POSITIVE_INFINITY) return { value: MAX_DOUBLE, isNan: false };
  if (v === Number.NEGATIVE_INFINITY) return { value: -MAX_DOUBLE, isNan: false };
  return { value: v, isNan: false };
}

export function readValue(value: number, isNan: unknown): number {
  return isNan === true || isNan === 1 ? Number.NaN : value;
}

/** MLflow's choice of the latest point: greatest (step, timestamp, value), the first of equals. */
function later(a: { step: number; timestamp: number; value: number }, b: typeof a): boolean {
  return (
    a.step > b.step ||
    (a.step === b.step && (a.timestamp > b.timestamp || (a.timestamp === b.timestamp && a.value > b.value)))
  );
}

/**
 * Writes a batch's points of one run (inside the caller's transaction): one multi-row insert into metrics, one
 * upsert of latest_metrics per key the batch touches (only moving forward), the model-linked ones into
 * logged_model_metrics.
 */
export async function writeMetrics(
  tx: SqlExec,
  runId: string,
  experimentId: number | string,
  metrics: readonly Metric[],
  knownModels: ReadonlySet<string>,
): Promise<void> {
  if (metrics.length === 0) return;
  const rows: SqlValue[][] = [];
  const latest = new Map<string, { step: number; timestamp: number; value: number; isNan: boolean }>();
  const modelRows: SqlValue[][] = [];
  for (const m of metrics) {
    const { value, isNan } = storedValue(m.value);
    rows.push([m.key, value, m.timestamp, runId, m.step, isNan]);
    const point = { step: m.step, timestamp: m.timestamp, value, isNan };
    const best = latest.get(m.key);
    if (best === undefined || later(point, best)) latest.set(m.key, point);
    if (m.model_id && knownModels.has(m.model_id)) {
      modelRows.push([
        m.model_id,
        m.key,
        m.timestamp,
        m.step,
        isNan ? null : value,
        experimentId,
        runId,
        m.dataset_name ?? null,
        m.dataset_digest ?? null,
      ]);
    }
  }
  await insertRows(
    tx,
    "metrics",
    ["key", "value", "timestamp", "run_uuid", "step", "is_nan"],
    rows,
    "ON CONFLICT DO NOTHING",
  );
  const latestRows = [...latest].map(([key, p]) => [key, p.value, p.timestamp, p.step, p.isNan, runId] as SqlValue[]);
  // Row-value comparison: replaced only by a later point, so concurrent writers converge on the true latest.
  await insertRows(
    tx,
    "latest_metrics",
    ["key", "value", "timestamp", "step", "is_nan", "run_uuid"],
    latestRows,
    "ON CONFLICT (key, run_uuid) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, " +
      "step = excluded.step, is_nan = excluded.is_nan WHERE (excluded.step, excluded.timestamp, excluded.value) > " +
      "(latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)",
  );
  await insertRows(
    tx,
    "logged_model_metrics",
    [
      "model_id",
      "metric_name",
      "metric_timestamp_ms",
      "metric_step",
      "metric_value",
      "experiment_id",
      "run_id",
      "dataset_name",
      "dataset_digest",
    ],
    modelRows,
    "ON CONFLICT DO NOTHING",
  );
}
