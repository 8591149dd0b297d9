import type { Command } from "commander";
import { HandgestureError } from "../core/errors.js";
import { AUTH_TOKEN_ENV, DEFAULT_MAX_BODY_BYTES, type SecurityOptions } from "../server/security.js";
import { integer, positiveInt } from "./util.js";

/** The options `serve` and `ui` share: where to listen and the security in front of the routes. */
export interface ServerCliOptions {
  port: number;
  host: string;
  authToken?: string;
  authReads?: boolean;
  corsOrigin?: string[];
  maxBody: number;
}

function port(value: string): number {
  const n = integer("--port")(value);
  if (n < 0 || n > 65535) throw new HandgestureError(`--port must be 0..65535, got "${value}"`);
  return n;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addServerOptions(
  cmd: Command,
  help: { defaultPort: number; authToken: string; authReads: string; maxBody: string },
): Command {
  return cmd
    .option("-p, --port <port>", "port (0: any free port)", port, help.defaultPort)
    .option("--host <host>", "address to listen on (0.0.0.0 for every interface)", "127.0.0.1")
    .option("--auth-token <token>", `${help.authToken} (default $${AUTH_TOKEN_ENV})`)
    .option("--auth-reads", help.authReads)
    .option("--cors-origin <origin...>", "origins allowed to call from a browser, e.g. http://localhost:5173", collect)
    .option("--max-body <bytes>", help.maxBody, positiveInt("--max-body"), DEFAULT_MAX_BODY_BYTES);
}

/** The security options the flags ask for; the token falls back to $HANDGESTURE_AUTH_TOKEN. */
export function securityFrom(o: ServerCliOptions): SecurityOptions {
  const authToken = o.authToken || process.env[AUTH_TOKEN_ENV] || undefined;
  if (o.authReads && !authToken) {
    throw new HandgestureError(`--auth-reads needs a token: --auth-token or $${AUTH_TOKEN_ENV}`);
  }
  return { authToken, authReads: o.authReads, corsOrigins: o.corsOrigin, maxBodyBytes: o.maxBody };
}
