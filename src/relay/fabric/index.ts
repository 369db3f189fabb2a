// The openZro-compatible relay cluster fabric (portable part): wire constants, codec, HELLO auth,
// locate cache, counters, and the transport-free protocol core. The TCP runtime is src/node/relay-cluster.ts.
export * from "./protocol.ts";
export * from "./errors.ts";
export * from "./codec.ts";
export * from "./hello.ts";
export * from "./locate-cache.ts";
export * from "./stats.ts";
export * from "./fabric.ts";
export * from "./metrics.ts";
export type * from "./options.ts";
