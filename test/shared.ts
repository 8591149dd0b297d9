import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Third-party data lives in ../shared beside the checkout (never in the repository). Under CI=true a missing
 * file is a failure; elsewhere the tests that need it are skipped, loudly.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const SHARED = process.env.HANDGESTURE_SHARED ?? resolve(repoRoot, "..", "shared");

export function sharedPath(...parts: string[]): string {
  return resolve(SHARED, ...parts);
}

/** True when the file is there; throws under CI when it is not. Use with `describe.skipIf(!hasShared(...))`. */
export function hasShared(...parts: string[]): boolean {
  const p = sharedPath(...parts);
  if (existsSync(p)) return true;
  if (process.env.CI === "true") throw new Error(`test data missing under CI: ${p}`);
  console.warn(`skipping: ${p} not found`);
  return false;
}

export const DEV_CSV = sharedPath("data", "hagrid_sample_dev.csv");
export const BENCH_CSV = sharedPath("data", "hagrid_bench_25k.csv");
export const TILES_JSON = sharedPath("media", "tiles", "mediapipe-landmarks.json");
