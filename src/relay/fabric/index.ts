// The openZro-compatible relay cluster fabric (portable part): wire constants, codec, HELLO auth,
// locate cache, counters and their metrics, the membership options, and the transport-free protocol core
// (createClusterFabric). The TCP runtime is src/node/relay-cluster.ts.
import type { Platform } from "../../platform/index.ts";
import { ClusterFabric, type ClusterFabricOptions } from "./fabric.ts";

export * from "./protocol.ts";
export * from "./errors.ts";
export * from "./codec.ts";
export * from "./hello.ts";
export * from "./locate-cache.ts";
export * from "./stats.ts";
export * from "./fabric.ts";
export * from "./metrics.ts";
export type * from "./options.ts";

/** A cluster fabric on the platform's clock and logger (the runtime supplies the streams). */
export function createClusterFabric(platform: Pick<Platform, "clock" | "logger">, options: Omit<ClusterFabricOptions, "clock" | "logger">): ClusterFabric {
  return new ClusterFabric({ ...options, clock: platform.clock, logger: platform.logger });
}
