// The Node platform, built once per process by the entry points (src/node/cli/*; in-process tests build
// their own): system clock, Date.now, Math.random, a pino logger (JSON lines, or pino-pretty on a terminal), one metrics registry (what
// GET /metrics renders), the hot path from build/hotpath.wasm (compiled on first use; HOTPATH_CHOICE picks
// Wasm or TS per use), and a storage factory. Storage is a seam: in-memory by default; a persistent
// factory (node:sqlite) is passed in as `storage` and everything that opens state storage gets it.
// warn/error lines go through the rate limiter of src/util/log-limit.ts (a flood of bad input is one
// line per message text every few seconds, with the count of the lines it stood for).
import { createPlatformHotpath, memoryStorageFactory, type Platform, type StorageFactory } from "../platform/index.ts";
import { MetricsRegistry, rateLimitedLogger, systemClock, systemRandom, type Logger, type LogLevel, type LogLimitOptions } from "../util/index.ts";
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
  /**
   * warn/error lines are rate-limited per message text (src/util/log-limit.ts: 5 per 10 s, then one line
   * with the suppressed count); false turns that off, an object tunes it.
   */
  logLimit?: LogLimitOptions | false;
}

export function nodePlatform(o: NodePlatformOptions = {}): Platform {
  return {
    runtime: "node",
    clock: systemClock,
    wallClock: Date.now,
    random: systemRandom,
    logger: limited(o.logger ?? createLogger({ level: o.logLevel ?? "info", bindings: o.bindings ?? {}, ...(o.logFormat ? { format: o.logFormat } : {}) }), o.logLimit),
    metrics: new MetricsRegistry(),
    hotpath: createPlatformHotpath(o.wasm === false ? null : hotpathModule),
    storage: o.storage ?? memoryStorageFactory(),
  };
}

function limited(l: Logger, o: LogLimitOptions | false | undefined): Logger {
  return o === false ? l : rateLimitedLogger(l, systemClock, o ?? {});
}
