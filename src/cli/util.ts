import { HandgestureError } from "../core/errors.js";
import type { ParamValue } from "../core/params.js";

/** Commander collector for repeatable `--param key=value`. */
export function collectParam(value: string, previous: Record<string, ParamValue> = {}): Record<string, ParamValue> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new HandgestureError(`--param expects key=value (e.g. mlp__alpha=0.1), got "${value}"`);
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1).trim() };
}

export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new HandgestureError(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
}

export function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(n > 0) || !Number.isFinite(n))
      throw new HandgestureError(`${name} must be a positive number, got "${value}"`);
    return n;
  };
}

export function integer(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new HandgestureError(`${name} must be an integer, got "${value}"`);
    return n;
  };
}

/** Figures rounded for people (JSON output keeps full precision). */
export function fmt(x: number, digits = 4): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

export function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(2)} MiB`;
}
