// Worker side of the hot-path loader: wrangler bundles build/hotpath.wasm as a pre-compiled
// WebAssembly.Module (Workers cannot compile Wasm from bytes). The worker platform (platform.ts) is its
// one production user; tests take the module from here too.
import wasmModule from "../build/hotpath.wasm";
export function hotpathModule(): WebAssembly.Module {
  return wasmModule;
}
