// Builds the platform's hot path: the Wasm routines when a compiled module is given, the TS twins always,
// and for each production use the implementation that wins in that use's own call pattern (CHOICE below,
// measured by `npm run bench`; the bench prints the same table with its reasons).
import { createHotpath, createTsLpm, createWasmLpm } from "../hotpath/index.ts";
import type { Hotpath, HotpathOptions } from "../hotpath/types.ts";
import type { HotpathUse, PlatformHotpath } from "./types.ts";

/** Which implementation each use gets when Wasm is available. */
export const HOTPATH_CHOICE: Readonly<Record<HotpathUse, "wasm" | "ts">> = {
  "relay-frames": "wasm",
  "memberlist-crc": "wasm",
  "ckit-frames": "wasm",
  xxh64: "wasm",
  "schema-hash": "wasm",
  sha256: "wasm",
};

export function createPlatformHotpath(module: WebAssembly.Module | null, options?: HotpathOptions): PlatformHotpath {
  const wasm = module ? createHotpath(module, options) : null;
  const ts = createHotpath(undefined, options);
  return {
    wasm,
    ts,
    for(use: HotpathUse): Hotpath {
      return wasm && HOTPATH_CHOICE[use] === "wasm" ? wasm : ts;
    },
    lpm: () => (module ? createWasmLpm(module) : createTsLpm()),
  };
}
