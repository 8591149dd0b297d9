/**
 * The folder of handgesture's package.json, found from this module's own location: src/node under tsx, dist/node
 * when built, node_modules/handgesture/dist/node when installed. Files that ship with the package (the built page,
 * the default model) are found from here, whatever the working directory.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

function packageRoot(from: string): string {
  for (let dir = from; ; ) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(from, "..", ".."); // no package.json above: src|dist/node → the root
    dir = up;
  }
}

export const PACKAGE_ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));
