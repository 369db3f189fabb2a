// Mutation testing (StrykerJS + its vitest runner), run on demand: `npm run mutate` (every area, long),
// or one area at a time: `npm run mutate -- --mutate src/relay/codec.ts`. Not part of npm test or CI.
// The machine is shared and has 2 cores: concurrency 1. Scores and the reasons surviving mutants are
// equivalent are kept in test/mutation-survivors.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutate.config.ts", related: false },
  coverageAnalysis: "perTest",
  concurrency: 1,
  mutate: [
    "src/memberlist/codec/**/*.ts",
    "src/gossip/**/*.ts",
    "src/state/**/*.ts",
    "src/relay/**/*.ts",
    "src/hotpath/crc32.ts",
    "src/hotpath/xxh64.ts",
    "src/hotpath/sha256.ts",
    "src/hotpath/structhash.ts",
    "src/hotpath/frames.ts",
    "src/hotpath/twin.ts",
    "src/hotpath/lpm-kernel.ts",
    "!src/**/index.ts",
  ],
  ignoreStatic: true,
  // String literals in these areas are error messages and log text: the contract is the error's stable
  // code and offset (covered by the other mutators); wire strings are module constants (static).
  mutator: { excludedMutations: ["StringLiteral"] },
  // Only our sources: assembly/ is AssemblyScript (decorators Babel cannot parse).
  disableTypeChecks: "{src,test}/**/*.ts",
  // TypeScript 7 (the native compiler) has no JS API for Stryker's tsconfig rewriting; vitest strips types
  // itself, so there is nothing to rewrite.
  tsconfigFile: "stryker-no-tsconfig.json",
  timeoutMS: 5_000,
  timeoutFactor: 1.5,
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
