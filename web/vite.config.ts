/**
 * Builds the live page into dist/page, which `handgesture ui` serves. `npm run dev:web` serves it with hot reload
 * and passes the API calls through to a `handgesture ui` on port 5000.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));
const server = "http://127.0.0.1:5000";

export default defineConfig({
  root,
  base: "/",
  build: { outDir: fileURLToPath(new URL("../dist/page", import.meta.url)), emptyOutDir: true, target: "es2022" },
  server: {
    proxy: { "/api": server, "/invocations": server, "/mediapipe": server, "/output_videos": server },
  },
});
