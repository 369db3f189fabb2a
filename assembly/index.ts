// Exports of the gossamer hot path (build/hotpath.wasm). Only re-exports live here; each routine family
// has its own file. Bump BUILD_ID when the ABI of any export changes.
export const BUILD_ID: u32 = 1;
export function buildId(): u32 {
  return BUILD_ID;
}
export * from "./frames";
export * from "./crc32";
export * from "./hash";
export * from "./lpm";
