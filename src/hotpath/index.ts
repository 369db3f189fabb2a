// Public face of the hot path: createHotpath(module?) returns the routines backed by build/hotpath.wasm
// when given its compiled module (Node: src/node/hotpath.ts hotpathModule(); workerd: worker/hotpath.ts),
// else the pure-TS twins. Both implement the same Hotpath interface (types.ts) and are tested by one suite.
import type { Hotpath, HotpathOptions } from "./types.ts";
import { createTsHotpath } from "./twin.ts";
import { createWasmHotpath } from "./wasm-facade.ts";

export function createHotpath(module?: WebAssembly.Module, options?: HotpathOptions): Hotpath {
  return module ? createWasmHotpath(module, options) : createTsHotpath(options);
}

export type { FrameScan, Hotpath, HotpathOptions, RelayFrames, ScanOptions, StructField, Xxh64Stream } from "./types.ts";
export { HotpathFrameError } from "./errors.ts";
export type { HotpathFrameErrorCode } from "./errors.ts";
export { createTsHotpath, tsRelayFrames } from "./twin.ts";
export { createWasmHotpath } from "./wasm-facade.ts";
export { crc32 } from "./crc32.ts";
export { sha256 } from "./sha256.ts";
export { xxh64, Xxh64StreamTs } from "./xxh64.ts";
export { structHash, structHashInput } from "./structhash.ts";
export { PEER_ID_LENGTH, PEER_ID_OFFSET, RELAY_TYPE_TRANSPORT } from "./frames.ts";
// Longest-prefix match (owned by src/hotpath/lpm.ts; re-exported so the hot path has one entry point).
export { createTsLpm, createWasmLpm, LpmError, NO_ROUTE } from "./lpm.ts";
export type { LpmErrorCode, LpmTable } from "./lpm.ts";
