#!/usr/bin/env node
// gossamer command line. Runs the compiled JavaScript in dist/ (`npm run build:dist`, part of `npm run
// build`), which needs only Node >= 20. In an installed package dist/ is all there is. In a checkout, dist/
// runs while it is at least as new as every source it was built from (dist/inputs.json); otherwise, or
// with GOSSAMER_FROM_SOURCE=1, the TypeScript sources run directly (Node >= 22.18 strips types natively).
// Besides the Node version it needs, the compiled CLI also starts with about half the memory (no type
// stripping at start-up).
import { existsSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

// Plain path strings: handing fs URL objects costs an idle relay ~6 MB of RSS (measured).
const root = fileURLToPath(new URL("../", import.meta.url));

/** The compiled entry when it should run, else null. */
function compiled() {
  try {
    const { entry, inputs } = JSON.parse(readFileSync(`${root}dist/inputs.json`, "utf8"));
    const file = `${root}dist/${entry}`;
    if (!existsSync(`${root}src/node/cli.ts`)) return file; // an installed package: no sources to prefer
    if (process.env.GOSSAMER_FROM_SOURCE === "1") return null;
    const built = statSync(file).mtimeMs;
    for (const f of inputs) if (statSync(root + f).mtimeMs > built) return null;
    return file;
  } catch {
    return null;
  }
}

const entry = compiled();
if (entry === null && !process.features?.typescript) {
  console.error(`gossamer: dist/ is missing or older than the sources, and Node ${process.version} cannot run TypeScript: run \`npm run build:dist\` (or use Node >= 22.18)`);
  process.exit(1);
}
const { main } = await import(entry !== null ? pathToFileURL(entry).href : "../src/node/cli.ts");
main(process.argv.slice(2)).then(
  (code) => { if (typeof code === "number") process.exitCode = code; },
  (err) => { console.error(err instanceof Error ? err.message : String(err)); process.exitCode = 1; },
);
