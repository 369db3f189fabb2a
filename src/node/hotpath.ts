// Node side of the hot-path loader: compiles build/hotpath.wasm once per process.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

let cached: WebAssembly.Module | undefined;

export function hotpathModule(): WebAssembly.Module {
  if (!cached) {
    const path = fileURLToPath(new URL("../../build/hotpath.wasm", import.meta.url));
    cached = new WebAssembly.Module(readFileSync(path));
  }
  return cached;
}
