#!/usr/bin/env node
// gossamer command line. Runs the compiled CLI in build/cli/ (`npm run build:cli`, part of `npm run
// build`) while it is at least as new as every source it was built from: it starts without Node's
// TypeScript stripping, so an idle `gossamer relay` takes about half the memory. Otherwise, or with
// GOSSAMER_FROM_SOURCE=1, it runs the TypeScript sources directly (Node >= 22.18 strips types natively).
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The compiled entry when it is fresh, else null (checking costs ~100 stat calls). */
function compiled() {
  if (process.env.GOSSAMER_FROM_SOURCE === "1") return null;
  try {
    // Plain path strings: handing fs URL objects costs an idle relay ~6 MB of RSS (measured).
    const root = fileURLToPath(new URL("../", import.meta.url));
    const { entry, inputs } = JSON.parse(readFileSync(`${root}build/cli/inputs.json`, "utf8"));
    const built = statSync(`${root}build/cli/${entry}`).mtimeMs;
    for (const f of inputs) if (statSync(root + f).mtimeMs > built) return null;
    return pathToFileURL(`${root}build/cli/${entry}`).href;
  } catch {
    return null;
  }
}

const { main } = await import(compiled() ?? "../src/node/cli.ts");
main(process.argv.slice(2)).then(
  (code) => { if (typeof code === "number") process.exitCode = code; },
  (err) => { console.error(err instanceof Error ? err.message : String(err)); process.exitCode = 1; },
);
