// The vitest configuration StrykerJS runs (npm run mutate; stryker.config.mjs): the Node unit suites of
// the mutated areas and their neighbours. Not workerd (the worker pool cannot host Stryker's instrumented
// sources), not interop (Go peers), not test/abuse (load), not test/node (real sockets and processes:
// seconds per run, and the CLI tests run bin/gossamer.js, which does not load the mutated sources).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/worker/**", "test/interop/**", "test/abuse/**", "test/node/**"],
    environment: "node",
    // Instrumented sources run several times slower than plain ones.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
