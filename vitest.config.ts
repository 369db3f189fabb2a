import { defineConfig } from "vitest/config";
import { cloudflareTest } from "@cloudflare/vitest-plugin";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          exclude: ["test/worker/**", "test/interop/**", "test/mesh/netns/**", "test/ui/**", "test/package/**", "test/abuse/**"],
          environment: "node",
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
        test: {
          name: "workerd",
          include: ["test/worker/**/*.test.ts", "test/abuse/worker/**/*.test.ts"],
        },
      },
      {
        // Attacks on real processes (test/abuse/, issue 12): one file at a time, so the measured node gets
        // the machine's cores and not the rest of the suite (`npm run test:abuse`; part of npm test).
        test: {
          name: "abuse",
          include: ["test/abuse/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        // Multi-node mesh tests in network namespaces (root + iproute2; `npm run test:netns`, run by CI).
        test: {
          name: "netns",
          include: ["test/mesh/netns/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        // The status page in Debian's headless Chromium (`npm run test:ui`; needs /usr/bin/chromium, CI installs it).
        test: {
          name: "ui",
          include: ["test/ui/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        // The packed tarball installed with the system Node (`npm run test:package`).
        test: {
          name: "package",
          include: ["test/package/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 400_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "interop",
          include: ["test/interop/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
