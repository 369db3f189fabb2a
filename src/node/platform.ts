// The Node platform, built once per process by the entry points (src/node/cli/*; in-process tests build
// their own): system clock, Date.now, Math.random, a pino logger (JSON lines, or pino-pretty on a terminal), one metrics registry (what
// GET /metrics renders), the hot path from build/hotpath.wasm (compiled on first use; HOTPATH_CHOICE picks
// Wasm or TS per use), and a storage factory. Storage is a seam: in-memory by default; a persistent
// factory (node:sqlite) is passed in as `storage` and everything that opens state storage gets it.
import { createPlatformHotpath, memoryStorageFactory, type Platform, type StorageFactory } from "../platform/index.ts";
import { MetricsRegistry, systemClock, systemRandom, type Logger, type LogLevel } from "../util/index.ts";
import { hotpathModule } from "./hotpath.ts";
import { createLogger, type LogFormat } from "./log.ts";

export interface NodePlatformOptions {
  /** A logger to use as is (tests pass nullLogger or a capture); default pino on stdout at `logLevel`. */
  logger?: Logger;
  /** Default "info". */
  logLevel?: LogLevel;
  /** Default "auto": human-readable on a terminal, JSON lines otherwise (log.ts). */
  logFormat?: LogFormat;
  /** Fields on every log line of the default logger (e.g. { node: "a" }). */
  bindings?: Record<string, unknown>;
  /** Use build/hotpath.wasm where it wins (default true); false: the TS twins only. */
  wasm?: boolean;
  /** Where state storage is opened (default in-memory; node:sqlite plugs in here). */
  storage?: StorageFactory;
}

export function nodePlatform(o: NodePlatformOptions = {}): Platform {
  return {
    runtime: "node",
    clock: systemClock,
    wallClock: Date.now,
    random: systemRandom,
    logger: o.logger ?? createLogger({ level: o.logLevel ?? "info", bindings: o.bindings ?? {}, ...(o.logFormat ? { format: o.logFormat } : {}) }),
    metrics: new MetricsRegistry(),
    hotpath: createPlatformHotpath(o.wasm === false ? null : hotpathModule),
    storage: o.storage ?? memoryStorageFactory(),
  };
}
