/** Params of runs and logged models: immutable files, created once (several writers: exactly one value wins). */
import type { Param } from "./entities.js";
import { err } from "./file-checks.js";
import { readTextOrNull, safeJoin, writeFileExclusive } from "./fs-util.js";

/** MLflow's refusal of a param logged again with another value; `owner` is e.g. "run ID" or "logged model ID". */
export function checkSameParam(p: Param, current: string, ownerId: string, owner: string): void {
  if (current !== p.value) {
    throw err(
      `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${current}' for ${owner}='${ownerId}'. Attempted logging new value '${p.value}'.`,
      "INVALID_PARAMETER_VALUE",
    );
  }
}

/** Writes <dir>/params/<key> unless it exists; if another writer got there first, its value must be the same. */
export async function writeParam(dir: string, p: Param, ownerId: string, owner: string): Promise<void> {
  const path = safeJoin(dir, "params", p.key);
  if (await writeFileExclusive(path, p.value)) return;
  checkSameParam(p, (await readTextOrNull(path)) ?? p.value, ownerId, owner);
}
