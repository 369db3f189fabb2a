// The simulation/test platform: simulated clock, seeded randomness, in-memory storage, the portable
// metrics registry, and the hot path (Wasm when a module is given, else the TS twins). Deterministic for
// a given seed, so simulations and property tests replay exactly.
import { seededRandom, type Clock, type Random } from "../util/clock.ts";
import { nullLogger, type Logger } from "../util/logger.ts";
import { MetricsRegistry } from "../util/metrics.ts";
import { SimClock } from "../util/sim-clock.ts";
import { MemoryStorage, type StateStorage } from "../state/storage.ts";
import { createPlatformHotpath } from "./hotpath.ts";
import type { Platform, StorageFactory } from "./types.ts";

export interface SimPlatformOptions {
  clock?: Clock;
  random?: Random;
  seed?: number;
  logger?: Logger;
  wasm?: WebAssembly.Module | null;
  /** Wall clock at simulated time 0 (ms since the epoch); default 1.7e12. */
  epochMs?: number;
}

/** In-memory storages by name: reopening a name returns the same storage (a "restart" keeps its data). */
export function memoryStorageFactory(): StorageFactory {
  const opened = new Map<string, StateStorage>();
  return {
    kind: "memory",
    open(name: string): StateStorage {
      let s = opened.get(name);
      if (!s) opened.set(name, (s = new MemoryStorage()));
      return s;
    },
  };
}

export function simPlatform(o: SimPlatformOptions = {}): Platform & { clock: Clock } {
  const clock = o.clock ?? new SimClock();
  const epoch = o.epochMs ?? 1.7e12;
  return {
    runtime: "sim",
    clock,
    wallClock: () => epoch + clock.now(),
    random: o.random ?? seededRandom(o.seed ?? 1),
    logger: o.logger ?? nullLogger,
    metrics: new MetricsRegistry(),
    hotpath: createPlatformHotpath(o.wasm ?? null),
    storage: memoryStorageFactory(),
  };
}
