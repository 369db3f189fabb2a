// The platform seam: everything a subsystem needs from its runtime, in one object. Each runtime builds
// it once, in one place (Node: src/node/platform.ts nodePlatform(); workerd: worker/platform.ts
// workerPlatform(); simulation and tests: src/platform/sim.ts simPlatform()), and hands it to the
// factories each subsystem's index.ts exports. Swapping Wasm for TS, real time for simulated time, or
// Node for workerd is a change of platform, never of callers.
import type { Clock, Logger, MetricsRegistry, Random } from "../util/index.ts";
import type { Hotpath, LpmTable } from "../hotpath/index.ts";
import type { StorageFactory } from "./storage.ts";

/**
 * The production paths that use the hot path. Each gets the implementation (Wasm or TS) that wins in
 * that path's own call pattern, as measured by `npm run bench` (the table is HOTPATH_CHOICE in
 * src/platform/hotpath.ts). Names are only ever appended.
 */
export type HotpathUse =
  | "relay-frames" // relay header parse + peer-ID swap (src/relay/core-data.ts)
  | "memberlist-crc" // CRC-32 of one memberlist packet per call (src/memberlist/codec/packet.ts)
  | "ckit-frames" // ckit 0xCC/0xCD frame scan of an HTTP/2 body chunk
  | "xxh64" // ckit shard keys, one key per call
  | "schema-hash" // Gravity schema hash V, once per schema at start-up (src/gossip/schema.ts)
  | "sha256" // relay token digests
  | "store-shard"; // record -> shard hash of the sharded store, one key per call (src/edge/partition.ts)

export interface PlatformHotpath {
  /**
   * The routines a path should call: the chosen implementation for that use. Each use gets its own
   * instance (its own windows), created on first call, so no two paths share window state.
   */
  for(use: HotpathUse): Hotpath;
  /** Which implementation for(use) returns on this platform. */
  choice(use: HotpathUse): "wasm" | "ts";
  /** A new longest-prefix-match table (each table owns its own instance and memory). */
  lpm(): LpmTable;
  /** Wasm-backed routines for ad-hoc use (health checks, tests), or null where the module is not available. */
  readonly wasm: Hotpath | null;
  /** Why `wasm` is null (module missing or failed to instantiate); null when it loaded or none was given. */
  readonly wasmError: string | null;
  /** Pure-TS twins for ad-hoc use (always available). */
  readonly ts: Hotpath;
}

export type { StorageFactory };

export interface Platform {
  readonly runtime: "node" | "workerd" | "sim";
  /** Monotonic milliseconds and timers (simulated in "sim"). */
  readonly clock: Clock;
  /** Wall-clock milliseconds since the epoch (record timestamps, token expiry). */
  readonly wallClock: () => number;
  readonly random: Random;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly hotpath: PlatformHotpath;
  readonly storage: StorageFactory;
}
