// Worker side of the hot-path loader: wrangler bundles the .wasm as a pre-compiled WebAssembly.Module.
import wasmModule from "../build/hotpath.wasm";
export function hotpathModule(): WebAssembly.Module {
  return wasmModule;
}
