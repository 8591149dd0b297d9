import { type ChildProcess, spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const MAIN = resolve(ROOT, "src", "cli", "main.ts");
// tsx by absolute URL: the child may run in another directory (a temp folder for its files).
export const TSX = pathToFileURL(resolve(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

export interface CliServer {
  child: ChildProcess;
  /** http://127.0.0.1:<port>, from the line the command prints when it listens. */
  url: Promise<string>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  output(): { stdout: string; stderr: string };
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** A long-running `handgesture` command (ui, serve) in a child process, from source through tsx. */
export function startCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliServer {
  const child = spawn(process.execPath, ["--import", TSX, MAIN, ...args], {
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
  const url = new Promise<string>((ok, fail) => {
    child.stdout?.on("data", (d) => {
      stdout += d;
      const m = / on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (m) ok(m[1]);
    });
    exited.then((code) => fail(new Error(`${args[0]} exited ${code} before listening: ${stderr}`)));
  });
  url.catch(() => {}); // awaited by the caller; never an unhandled rejection
  return {
    child,
    url,
    exited,
    output: () => ({ stdout, stderr }),
    stop: () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
