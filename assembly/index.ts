// Exports of the gossamer hot path (build/hotpath.wasm). Only re-exports and the allocator live here;
// each routine family has its own file with its ABI in the header. Bump BUILD_ID when the ABI of any
// export changes.
//
// Memory: stub runtime (bump allocator, no GC). hpAlloc(size) returns a 16-byte-aligned block that lives
// as long as the instance; it grows linear memory when needed (which detaches JS views: callers refresh
// their views after any hpAlloc). Static data (CRC tables, SHA constants, status block) sits below the heap.
export const BUILD_ID: u32 = 2;
export function buildId(): u32 {
  return BUILD_ID;
}
export function hpAlloc(size: usize): usize {
  return heap.alloc(size);
}
export * from "./frames";
export * from "./crc32";
export * from "./hash";
export * from "./sha256";
export * from "./lpm";
