// `npm run build:dist`: the package's one build, into dist/ (what `npm pack` ships and what bin/gossamer.js
// runs), for both of its uses:
// - the library (`gossamer`, `gossamer/node`, `gossamer/worker`): tsc compiles src/ (Node types) and worker/
//   (workers types) to ES modules with type declarations, keeping the source layout (dist/src/...,
//   dist/worker/...) with `.ts` imports rewritten to `.js`;
// - the command line: esbuild bundles src/node/cli.ts with its npm dependencies into dist/bundle/cli/ (one chunk
//   per subcommand, so `gossamer relay` loads the relay's code only). Loading a few bundled files instead of
//   hundreds of modules keeps an idle `gossamer relay` small (bench/relay.bench.ts measures it). It lives
//   in dist/bundle/cli/, two levels down like dist/src/node/, so its relative paths are the same.
// build/hotpath.wasm is copied to dist/build/, where both find it at the same relative path as in the
// repository (dist/src/node/hotpath.js and the bundle both look two levels up, dist/worker/ one).
// dist/inputs.json lists the sources the build read: bin/gossamer.js runs dist/ only while none of them is
// newer (in a checkout; an installed package has no sources and always runs dist/).
// Run by `npm run build`, by npm's `dependencies` script (after an `npm install` in this checkout that changed
// node_modules) and by `prepack`. Not by `prepare`: npm counts `prepare` as an install script of the package
// for whoever installs its tarball (it warns about it, and it could not run there: no sources).
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = path.join(root, "dist");
const tsc = path.join(root, "node_modules/typescript/bin/tsc");

rmSync(dist, { recursive: true, force: true });
for (const project of ["tsconfig.build.json", "worker/tsconfig.build.json"]) {
  const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, project)], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
mkdirSync(path.join(dist, "build"), { recursive: true });
try {
  copyFileSync(path.join(root, "build/hotpath.wasm"), path.join(dist, "build/hotpath.wasm"));
} catch {
  console.error("build/hotpath.wasm is missing: run `npm run build:wasm` first");
  process.exit(1);
}

await build({
  absWorkingDir: root,
  entryPoints: { cli: "src/node/cli.ts" },
  outdir: path.join(dist, "bundle/cli"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outExtension: { ".js": ".mjs" },
  logLevel: "warning",
  // Bundled CommonJS packages (ws, pino) require Node built-ins: give them a real require.
  banner: { js: "import { createRequire as __gossamerRequire } from 'node:module'; const require = __gossamerRequire(import.meta.url);" },
});

/** Repository-relative paths of the TypeScript sources under `dir`. */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...sources(rel));
    else if (e.name.endsWith(".ts")) out.push(rel);
  }
  return out;
}
const inputs = [...sources("src"), ...sources("worker"), "build/hotpath.wasm", "package-lock.json"].filter((f) => statSync(path.join(root, f), { throwIfNoEntry: false }));
writeFileSync(path.join(dist, "inputs.json"), JSON.stringify({ entry: "bundle/cli/cli.mjs", inputs }, null, 1));
console.log(`dist/: compiled ${inputs.length - 2} sources`);
