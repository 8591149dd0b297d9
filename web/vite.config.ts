/**
 * Builds the live page (and the README's example page, at /example.html) into dist/page, which `handgesture ui`
 * serves. `npm run dev:web` serves them with hot reload and passes the API calls through to a `handgesture ui` on
 * port 5000. `handgesture/web` resolves to the library's sources, as an app's bundler resolves the package.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));
const server = "http://127.0.0.1:5000";

export default defineConfig({
  root,
  base: "/",
  resolve: { alias: { "handgesture/web": fileURLToPath(new URL("../src/web/index.ts", import.meta.url)) } },
  build: {
    outDir: fileURLToPath(new URL("../dist/page", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // The live page, the README's example, a page that runs each hand landmarker on its own (tests and
    // bench:landmarkers), and the dashboard.
    rolldownOptions: {
      input: {
        main: `${root}index.html`,
        example: `${root}example.html`,
        landmarkers: `${root}landmarkers.html`,
        dashboard: `${root}dashboard.html`,
        gestures: `${root}gestures.html`,
      },
    },
  },
  // The landmarker worker is a module worker: tasks-vision loads its WebAssembly there with import().
  worker: { format: "es" },
  server: {
    proxy: { "/api": server, "/invocations": server, "/mediapipe": server, "/output_videos": server },
  },
});
