// The simulation/test platform: simulated clock, seeded randomness, in-memory storage, the portable
// metrics registry, and the hot path (Wasm when a module is given, else the TS twins). Deterministic for
// a given seed, so simulations and property tests replay exactly.
import { MetricsRegistry, SimClock, nullLogger, seededRandom, type Clock, type Logger, type Random } from "../util/index.ts";
import { createPlatformHotpath, type WasmSource } from "./hotpath.ts";
import { memoryStorageFactory } from "./storage.ts";
import type { Platform } from "./types.ts";

export interface SimPlatformOptions {
  clock?: Clock;
  random?: Random;
  seed?: number;
  logger?: Logger;
  wasm?: WasmSource;
  /** Wall clock at simulated time 0 (ms since the epoch); default 1.7e12. */
  epochMs?: number;
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
