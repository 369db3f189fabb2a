// Node side of the hot-path loader: compiles build/hotpath.wasm once per process, on first call (a
// process whose platform never needs Wasm never reads or compiles it).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

let cached: WebAssembly.Module | undefined;

/** The compiled module. Throws when build/hotpath.wasm is missing (run `npm run build:wasm`). */
export function hotpathModule(): WebAssembly.Module {
  if (!cached) {
    const path = fileURLToPath(new URL("../../build/hotpath.wasm", import.meta.url));
    cached = new WebAssembly.Module(readFileSync(path));
  }
  return cached;
}
