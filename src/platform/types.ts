// The platform seam: everything a subsystem needs from its runtime, in one object. Each runtime builds
// it once, in one place (Node: src/node/platform.ts; workerd: worker/platform.ts; simulation and tests:
// src/platform/sim.ts), and hands it to the factories each subsystem's index.ts exports. Swapping Wasm
// for TS, real time for simulated time, or Node for workerd is a change of platform, never of callers.
import type { Clock, Random } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { MetricsRegistry } from "../util/metrics.ts";
import type { Hotpath } from "../hotpath/types.ts";
import type { LpmTable } from "../hotpath/lpm.ts";
import type { StateStorage } from "../state/storage.ts";

/**
 * The production paths that use the hot path. Each gets the implementation (Wasm or TS) that wins in
 * that path's own call pattern, as measured by `npm run bench` (see src/platform/hotpath-choice.ts).
 * Names are only ever appended.
 */
export type HotpathUse =
  | "relay-frames" // relay header parse + peer-ID swap, a burst of frames per call
  | "memberlist-crc" // CRC-32 of one memberlist packet per call
  | "ckit-frames" // ckit 0xCC/0xCD frame scan of an HTTP/2 body chunk
  | "xxh64" // ckit shard keys, one key per call
  | "schema-hash" // Gravity schema hash V, once per schema at start-up
  | "sha256"; // relay token digests

export interface PlatformHotpath {
  /** The routines a path should call (the chosen implementation for that use). */
  for(use: HotpathUse): Hotpath;
  /** A new longest-prefix-match table (each table owns its own instance and memory). */
  lpm(): LpmTable;
  /** The Wasm-backed routines, or null where the module is not available. */
  readonly wasm: Hotpath | null;
  /** The pure-TS twins (always available). */
  readonly ts: Hotpath;
}

/** Opens the named persistent state storage (memory, node:sqlite file, or Durable Object SQLite). */
export interface StorageFactory {
  readonly kind: "memory" | "node-sqlite" | "durable-object";
  open(name: string): StateStorage;
}

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
