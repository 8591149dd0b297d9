import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Browser tests time a live page: they run afterwards, alone (vitest.browser.config.ts), on a quiet machine.
    exclude: ["**/node_modules/**", "**/*.browser.test.ts"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
