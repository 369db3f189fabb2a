// Public surface of the portable relay: protocol constants, codec, auth tokens, peer IDs, the
// event-driven core with its seams, the client library, the metrics declaration, the serveRelay adapter
// types and the createRelayCore factory. The cluster fabric (./fabric/) is part of the relay subsystem
// and exported here too.
export * from "./protocol.ts";
export * from "./errors.ts";
export * from "./codec.ts";
export * from "./auth.ts";
export * from "./peer-id.ts";
export * from "./conn.ts";
export * from "./stats.ts";
export * from "./metrics.ts";
export { RelayCore } from "./core.ts";
export { SendWindow } from "./send-window.ts";
export type { RelayCoreOptions } from "./core.ts";
// The raw-ID peer table, for seams that route by the 36 ID bytes (the worker's cross-shard location cache).
export { PeerTable } from "./peer-table.ts";
export type { PeerEntry } from "./peer-table.ts";
export { RelayClient, whenOpen, WS_CONNECTING, WS_OPEN } from "./client.ts";
export type { WebSocketLike, RelayClientOptions, MessageHandler, PeersHandler, CloseInfo } from "./client.ts";
export { createRelayCore } from "./service.ts";
export type { RelayService, ServeRelay, ServeRelayOptions } from "./service.ts";
export * from "./fabric/index.ts";
