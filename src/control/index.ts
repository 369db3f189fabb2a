// The control plane: Gravity state gossip on memberlist (state-gossip.ts) and the edge link that keeps an
// agent's store and the edge's store in step (edge-link.ts). Portable: Web APIs only.
export { StateGossip, DEFAULT_STATE_BYTES, DEFAULT_GOSSIP_MESSAGE_BYTES } from "./state-gossip.ts";
export type { StateGossipOptions, BroadcastQueue } from "./state-gossip.ts";
export { EdgeLink, EdgeError } from "./edge-link.ts";
export type { EdgeClient, EdgeLinkOptions, WatchHandlers, LinkState } from "./edge-link.ts";
export { httpEdgeClient } from "./edge-http.ts";
export type { EdgeHttpOptions, EdgeSocket, SocketConnector } from "./edge-http.ts";
export { applyLenient, type LenientResult } from "./apply.ts";
