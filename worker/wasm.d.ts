// Lets TypeScript import .wasm modules (wrangler bundles them as compiled WebAssembly.Module values).
declare module "*.wasm" {
  const mod: WebAssembly.Module;
  export default mod;
}
