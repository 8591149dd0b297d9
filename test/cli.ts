import { spawnSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const MAIN = resolve(root, "src/cli/main.ts");
// tsx by absolute URL: the command may run in another directory.
const TSX = pathToFileURL(resolve(root, "node_modules", "tsx", "dist", "loader.mjs")).href;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (from source, through tsx) in a child process. */
export function cli(args: string[], input?: string, env?: Record<string, string>, cwd = root): CliResult {
  const r = spawnSync(process.execPath, ["--import", TSX, MAIN, ...args], {
    cwd,
    input,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 300_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
