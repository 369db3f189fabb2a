// The transport seam the memberlist core speaks through (transport.ts) and its in-memory implementation
// for tests and simulation (memory.ts). Runtime transports live with their runtime (Node UDP/TCP:
// src/node/transport.ts). Every implementation passes test/transport/conformance.ts.
import type { Platform } from "../platform/index.ts";
import { MemoryNetwork, type MemoryNetworkOptions } from "./memory.ts";

export type { Packet, StreamConn, Transport } from "./transport.ts";
export { MemoryNetwork, MemoryTransport } from "./memory.ts";
export { TransportError, TransportTimeoutError, TransportClosedError, TransportNetError } from "./errors.ts";
export type { MemoryNetworkOptions, NetworkStats } from "./memory.ts";

/** An in-memory network on the platform's clock (a SimClock under simPlatform); loss/jitter use options.random or a seeded default. */
export function createMemoryNetwork(platform: Pick<Platform, "clock">, options: MemoryNetworkOptions = {}): MemoryNetwork {
  return new MemoryNetwork(platform.clock, options);
}
