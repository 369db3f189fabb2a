// `npm run build:cli`: compiles the `gossamer` command line into build/cli/ (ES modules, one chunk per
// subcommand, the npm dependencies bundled in), so that bin/gossamer.js can start it without Node's
// TypeScript stripping and without loading packages through the ES module loader. Measured on an idle
// `gossamer relay` (bench/relay.bench.ts): about 58 MB RSS compiled against about 109 MB from the
// sources. build/cli/inputs.json lists the repository files the build read; bin/gossamer.js runs the
// build only while none of them is newer than it.
import { writeFileSync, rmSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}build/cli`;
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { cli: "src/node/cli.ts" },
  outdir,
  bundle: true,
  splitting: true, // `gossamer relay` loads the relay chunk only
  format: "esm",
  platform: "node",
  target: "node20",
  outExtension: { ".js": ".mjs" },
  metafile: true,
  logLevel: "warning",
  // Bundled CommonJS packages (ws, pino, prom-client) require Node built-ins: give them a real require.
  banner: { js: "import { createRequire as __gossamerRequire } from 'node:module'; const require = __gossamerRequire(import.meta.url);" },
});
const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith("node_modules/"));
inputs.push("package-lock.json"); // dependency updates make the build stale too
writeFileSync(`${outdir}/inputs.json`, JSON.stringify({ entry: "cli.mjs", inputs }, null, 1));
console.log(`build/cli: ${Object.keys(result.metafile.outputs).length} files from ${inputs.length} sources`);
