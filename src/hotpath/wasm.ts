// Instantiates the AssemblyScript hot path from an already compiled WebAssembly.Module.
// Workers forbid compiling Wasm from bytes, so callers hand in a Module: Node compiles build/hotpath.wasm
// (src/node/hotpath.ts), the worker imports it at build time (worker/hotpath.ts). Each call makes a fresh
// instance with its own linear memory; facades that hold large state (an LPM table) may own one each.

/** Raw exports of build/hotpath.wasm (stub runtime, raw bindings): numbers and pointers only. */
export type HotpathExports = WebAssembly.Exports & { memory: WebAssembly.Memory } & Record<string, unknown>;

const imports = {
  env: {
    abort(_msg: number, _file: number, line: number, col: number): never {
      throw new WebAssembly.RuntimeError(`hotpath abort at ${line}:${col}`);
    },
  },
};

export function instantiateHotpath(module: WebAssembly.Module): HotpathExports {
  return new WebAssembly.Instance(module, imports).exports as HotpathExports;
}
