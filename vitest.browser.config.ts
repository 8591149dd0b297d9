import { defineConfig } from "vitest/config";

/** The browser tests (Debian's Chromium through playwright-core), one file at a time, after the rest. */
export default defineConfig({
  test: {
    include: ["test/**/*.browser.test.ts"],
    setupFiles: ["test/setup.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
