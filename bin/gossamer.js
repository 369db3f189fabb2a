#!/usr/bin/env node
// gossamer command line. Runs the TypeScript sources directly (Node >= 22.18 strips types natively).
import { main } from "../src/node/cli.ts";
main(process.argv.slice(2)).then(
  (code) => { if (typeof code === "number") process.exitCode = code; },
  (err) => { console.error(err instanceof Error ? err.message : String(err)); process.exitCode = 1; },
);
