import type { TrackingClient } from "./client.js";

/**
 * On Ctrl-C (SIGINT) or SIGTERM, ends the client's open runs as KILLED, then exits with the conventional status
 * (130 / 143), so an interrupted training leaves no run stuck in RUNNING. Returns a function that removes the
 * handlers. A second signal while the runs are being closed exits at once.
 */
export function killRunsOnInterrupt(client: TrackingClient, onKilled?: (ids: string[]) => void): () => void {
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    const code = signal === "SIGINT" ? 130 : 143;
    if (closing) process.exit(code);
    closing = true;
    client
      .killActiveRuns()
      .then((ids) => onKilled?.(ids))
      .catch((e) => console.error(`could not mark runs KILLED: ${(e as Error).message}`))
      .finally(() => process.exit(code));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
