import { HandgestureError } from "./errors.js";

/**
 * Hyperparameter specifications. Each estimator declares its parameters once; the same table fills defaults,
 * validates values (from code, from `--param key=value` strings, from model files) and documents them in `--help`.
 */
export type ParamValue = number | string | boolean | null;
export type Params = Record<string, ParamValue>;

export type ParamSpec =
  | { type: "int"; default: number | null; min?: number; max?: number; nullable?: boolean; help: string }
  | { type: "float"; default: number | null; min?: number; max?: number; nullable?: boolean; help: string }
  | { type: "enum"; values: readonly string[]; default: string | null; nullable?: boolean; help: string }
  | { type: "bool"; default: boolean; help: string };

export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** Values read from text: "none"/"null" become null, numbers and booleans are parsed by the spec. */
function coerce(owner: string, key: string, spec: ParamSpec, raw: ParamValue): ParamValue {
  // An enum may name "none" as a real value (penalty=none): that wins over the null reading.
  if (spec.type === "enum" && typeof raw === "string" && spec.values.includes(raw)) return raw;
  if (raw === null || (typeof raw === "string" && /^(none|null)$/i.test(raw))) {
    if (spec.type !== "bool" && spec.nullable) return null;
    throw new HandgestureError(`${owner}: parameter "${key}" cannot be none (${describe(spec)})`);
  }
  switch (spec.type) {
    case "int":
    case "float": {
      const v = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
      if (typeof v !== "number" || !Number.isFinite(v) || (spec.type === "int" && !Number.isInteger(v))) {
        throw new HandgestureError(
          `${owner}: parameter "${key}" must be ${describe(spec)}, got ${JSON.stringify(raw)}`,
        );
      }
      if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
        throw new HandgestureError(`${owner}: parameter "${key}" must be ${describe(spec)}, got ${v}`);
      }
      return v;
    }
    case "enum":
      if (typeof raw !== "string" || !spec.values.includes(raw)) {
        throw new HandgestureError(
          `${owner}: parameter "${key}" must be one of ${spec.values.join(", ")}, got ${JSON.stringify(raw)}`,
        );
      }
      return raw;
    case "bool":
      if (raw === true || raw === "true" || raw === "1") return true;
      if (raw === false || raw === "false" || raw === "0") return false;
      throw new HandgestureError(`${owner}: parameter "${key}" must be true or false, got ${JSON.stringify(raw)}`);
  }
}

export function describe(spec: ParamSpec): string {
  const none = spec.type !== "bool" && spec.nullable ? " or none" : "";
  switch (spec.type) {
    case "int":
    case "float": {
      // Number.MIN_VALUE as a minimum means "strictly positive".
      const min = spec.min === Number.MIN_VALUE ? " > 0" : undefined;
      const range = min
        ? min
        : spec.min !== undefined && spec.max !== undefined
          ? ` in [${spec.min}, ${spec.max}]`
          : spec.min !== undefined
            ? ` >= ${spec.min}`
            : spec.max !== undefined
              ? ` <= ${spec.max}`
              : "";
      return `${spec.type === "int" ? "an integer" : "a number"}${range}${none}`;
    }
    case "enum":
      return `one of ${spec.values.join(", ")}${none}`;
    case "bool":
      return "true or false";
  }
}

/** Fills defaults and validates; an unknown key is an error that lists the known ones. */
export function resolveParams<P extends Params>(
  owner: string,
  specs: ParamSpecs,
  given: Readonly<Record<string, ParamValue | undefined>> = {},
  base?: P,
): P {
  const out: Params = {};
  for (const [key, spec] of Object.entries(specs)) {
    out[key] = base ? base[key] : spec.default;
  }
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const spec = specs[key];
    if (!spec) {
      throw new HandgestureError(
        `${owner}: unknown parameter "${key}"; known parameters: ${Object.keys(specs).join(", ") || "(none)"}`,
      );
    }
    out[key] = coerce(owner, key, spec, value);
  }
  return out as P;
}
