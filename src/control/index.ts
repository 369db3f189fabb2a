// The control plane: Gravity state gossip on memberlist (state-gossip.ts) and the edge link that keeps an
// agent's store and the edge's store in step (edge-link.ts). Portable: Web APIs only.
export { StateGossip, DEFAULT_STATE_BYTES, DEFAULT_GOSSIP_MESSAGE_BYTES } from "./state-gossip.ts";
export type { StateGossipOptions, BroadcastQueue } from "./state-gossip.ts";
export { EdgeLink, EdgeError } from "./edge-link.ts";
export type { EdgeClient, EdgeLinkOptions, WatchHandlers, LinkState } from "./edge-link.ts";
export { httpEdgeClient } from "./edge-http.ts";
export type { EdgeHttpOptions, EdgeSocket, SocketConnector } from "./edge-http.ts";
export { applyLenient, type LenientResult } from "./apply.ts";

import type { Platform } from "../platform/index.ts";
import { StateGossip as Gossip, type StateGossipOptions as GossipOptions } from "./state-gossip.ts";
import { EdgeLink as Link, type EdgeLinkOptions as LinkOptions } from "./edge-link.ts";

/** State gossip on a platform (its logger and metrics registry). */
export function createStateGossip(platform: Platform, o: Omit<GossipOptions, "logger" | "metrics">): Gossip {
  return new Gossip({ logger: platform.logger.child({ component: "state-gossip" }), metrics: platform.metrics, ...o });
}

/** The edge link on a platform (its clock, randomness, wall clock, logger and metrics registry). */
export function createEdgeLink(platform: Platform, o: Omit<LinkOptions, "clock" | "random" | "wallClock" | "logger" | "metrics">): Link {
  return new Link({
    clock: platform.clock,
    random: platform.random,
    wallClock: platform.wallClock,
    logger: platform.logger.child({ component: "edge-link" }),
    metrics: platform.metrics,
    ...o,
  });
}
