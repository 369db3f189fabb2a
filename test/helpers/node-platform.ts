// A real-time Node platform for tests that use real sockets (system clock, Math.random, the Wasm hot
// path, a fresh metrics registry). Stand-in until src/node/platform.ts (branch arch) lands; switch then.
import { systemClock, systemRandom } from "../../src/util/clock.ts";
import { nullLogger, type Logger } from "../../src/util/logger.ts";
import { MetricsRegistry } from "../../src/util/metrics.ts";
import { createPlatformHotpath, memoryStorageFactory, type Platform } from "../../src/platform/index.ts";
import { hotpathModule } from "../../src/node/hotpath.ts";

export function testNodePlatform(o: { logger?: Logger; wasm?: boolean } = {}): Platform {
  return {
    runtime: "node",
    clock: systemClock,
    wallClock: () => Date.now(),
    random: systemRandom,
    logger: o.logger ?? nullLogger,
    metrics: new MetricsRegistry(),
    hotpath: createPlatformHotpath(o.wasm === false ? null : hotpathModule()),
    storage: memoryStorageFactory(),
  };
}
