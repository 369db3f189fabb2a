// The worker platform, built in ONE place: workerPlatform(env, ...). The stateless worker builds one per
// isolate (platformFor(env)); each Durable Object builds its own in its constructor, with storage over
// its ctx.storage (its SQLite) and its own metrics registry (what its metricsSnapshot() returns). The hot
// path is per isolate and shared by all of them: wrangler bundles build/hotpath.wasm as a compiled
// WebAssembly.Module (Workers cannot compile Wasm from bytes), instances are created on first use.
// Clock: performance.now() and setTimeout (workerd advances time on I/O); randomness: Math.random; logs:
// JSON lines on console at LOG_LEVEL, warn/error rate-limited per message text (src/util/log-limit.ts).
import { createPlatformHotpath, memoryStorageFactory, type Platform, type PlatformHotpath } from "../src/platform/index.ts";
import { MetricsRegistry, consoleJsonLogger, rateLimitedLogger, systemClock, systemRandom } from "../src/util/index.ts";
import { workerConfig } from "./config.ts";
import type { Env } from "./env.ts";
import { hotpathModule } from "./hotpath.ts";
import { durableObjectStorageFactory } from "./sql-storage.ts";

let isolateHotpath: PlatformHotpath | undefined;

/** The hot path of this isolate (one per isolate, whoever asks first builds it). */
export function isolateHotpathOf(): PlatformHotpath {
  return (isolateHotpath ??= createPlatformHotpath(hotpathModule));
}

export interface WorkerPlatformOptions {
  /** Log field `component` (e.g. "relay-shard"). */
  component: string;
  /** Extra fields on every log line. */
  bindings?: Record<string, unknown>;
  /** A Durable Object's storage: platform.storage opens SQLite tables there. Default in-memory. */
  storage?: DurableObjectStorage;
}

const envOf = new WeakMap<Platform, Env>();

export function workerPlatform(env: Env, o: WorkerPlatformOptions): Platform {
  const config = workerConfig(env);
  const platform: Platform = {
    runtime: "workerd",
    clock: systemClock,
    wallClock: Date.now,
    random: systemRandom,
    logger: rateLimitedLogger(consoleJsonLogger({ component: o.component, ...(o.bindings ?? {}) }, config.logLevel), systemClock),
    metrics: new MetricsRegistry(),
    hotpath: isolateHotpathOf(),
    storage: o.storage ? durableObjectStorageFactory(o.storage) : memoryStorageFactory(),
  };
  envOf.set(platform, env);
  return platform;
}

/** The bindings a worker platform was built for (the worker's adapters reach the Durable Objects through them). */
export function platformEnv(platform: Platform): Env {
  const env = envOf.get(platform);
  if (!env) throw new TypeError("not a worker platform (build it with workerPlatform)");
  return env;
}

const perIsolate = new WeakMap<Env, Platform>();

/** The stateless worker's platform for these bindings (one per isolate). */
export function platformFor(env: Env): Platform {
  let p = perIsolate.get(env);
  if (!p) perIsolate.set(env, (p = workerPlatform(env, { component: "worker" })));
  return p;
}
