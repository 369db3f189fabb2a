// The vitest configuration StrykerJS runs (npm run mutate; stryker.config.mjs): the Node unit and
// integration suites only. Not workerd (the worker pool cannot host Stryker's instrumented sources),
// not interop (Go peers), not test/abuse (load, minutes), not the CLI tests that spawn processes (they
// run bin/gossamer.js, which does not load the mutated sources).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/worker/**", "test/interop/**", "test/abuse/**", "test/node/*cli*.test.ts", "test/node/bin-launcher.test.ts"],
    environment: "node",
  },
});
