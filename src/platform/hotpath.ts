// Builds the platform's hot path: the Wasm routines when a compiled module is available, the TS twins
// always, and for each production use the implementation that wins in that use's own call pattern
// (HOTPATH_CHOICE below, the single place of that decision; `npm run bench` measures each use and prints
// why). Everything is created on first use: a process that never calls a routine never instantiates it
// (nor compiles the module, when given a loader).
import { createHotpath, createTsLpm, createWasmLpm, type Hotpath, type HotpathOptions } from "../hotpath/index.ts";
import type { HotpathUse, PlatformHotpath } from "./types.ts";

/**
 * Which implementation each use gets when Wasm is available: the faster in that use's own call pattern,
 * as `npm run bench` (bench/hotpath-paths.ts) measures and prints it, Wasm / TS in the same run
 * (several runs on a shared 2-core machine, ranges):
 *   relay-frames    ts    0.33-0.48x  a burst of 16 per call and RelayCore.messages end to end: the swap is
 *                                    a 36-byte copy in place, which Wasm turns into copies in and out of
 *                                    its memory (the messages live in socket buffers, never in Wasm's)
 *   memberlist-crc  wasm  1.2-1.6x    one packet per call, 64 B (a tie) and 1400 B (1.6x)
 *   ckit-frames     wasm  1.4-1.6x    one 17 KiB HTTP/2 body chunk per call
 *   xxh64           wasm  3.4-4.6x    one 8-40 byte shard key per call
 *   schema-hash     wasm  0.7-1.5x    one struct per call, once per schema at start-up: a tie within noise
 *   sha256          wasm  1.0-1.8x    one HMAC block (74 or 96 B) per call
 * (LPM tables are Wasm whenever the module is available: 1.7-3.3x, one lookup per request and batches.)
 */
export const HOTPATH_CHOICE: Readonly<Record<HotpathUse, "wasm" | "ts">> = {
  "relay-frames": "ts",
  "memberlist-crc": "wasm",
  "ckit-frames": "wasm",
  xxh64: "wasm",
  "schema-hash": "wasm",
  sha256: "wasm",
  // Short keys one per call, as "xxh64" (ckit shard keys): the same call pattern.
  "store-shard": "wasm",
};

/**
 * Initial windows per use: the paths that hash or rewrite one message per call start small (windows grow
 * on demand); batch scanners keep the defaults. Caller options override these.
 */
const USE_WINDOWS: Partial<Record<HotpathUse, HotpathOptions>> = {
  "relay-frames": { inputBytes: 16 * 1024, maxPairs: 256 },
  "memberlist-crc": { inputBytes: 16 * 1024, maxPairs: 256 },
  "schema-hash": { inputBytes: 4 * 1024, maxPairs: 256 },
  sha256: { inputBytes: 16 * 1024, maxPairs: 256 },
  "store-shard": { inputBytes: 4 * 1024, maxPairs: 256 },
};

/** The compiled module, a loader called on first need (may throw: recorded as wasmError), or null. */
export type WasmSource = WebAssembly.Module | null | (() => WebAssembly.Module | null);

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function createPlatformHotpath(source: WasmSource, options?: HotpathOptions): PlatformHotpath {
  let module: WebAssembly.Module | null | undefined;
  let error: string | null = null;
  const getModule = (): WebAssembly.Module | null => {
    if (module !== undefined) return module;
    let m: WebAssembly.Module | null;
    try {
      m = typeof source === "function" ? source() : source;
    } catch (e) {
      m = null;
      error = `hot path module: ${message(e)}`;
    }
    module = m;
    return m;
  };
  const tryWasm = (o: HotpathOptions | undefined = options): Hotpath | null => {
    const m = getModule();
    if (!m) return null;
    try {
      return createHotpath(m, o);
    } catch (e) {
      error = `hot path instance: ${message(e)}`;
      module = null;
      return null;
    }
  };
  let wasm: Hotpath | null | undefined;
  let ts: Hotpath | undefined;
  const perUse = new Map<HotpathUse, Hotpath>();
  const choice = (use: HotpathUse): "wasm" | "ts" => (HOTPATH_CHOICE[use] === "wasm" && getModule() ? "wasm" : "ts");
  return {
    for(use: HotpathUse): Hotpath {
      let h = perUse.get(use);
      if (!h) {
        const o = { ...USE_WINDOWS[use], ...options };
        h = (choice(use) === "wasm" ? tryWasm(o) : null) ?? createHotpath(undefined, o);
        perUse.set(use, h);
      }
      return h;
    },
    choice,
    lpm: () => {
      const m = getModule();
      return m ? createWasmLpm(m) : createTsLpm();
    },
    get wasm(): Hotpath | null {
      if (wasm === undefined) wasm = tryWasm();
      return wasm;
    },
    get wasmError(): string | null {
      getModule();
      return error;
    },
    get ts(): Hotpath {
      return (ts ??= createHotpath(undefined, options));
    },
  };
}
