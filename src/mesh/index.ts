// meshage, wire-compatible with minimega (docs/protocols/meshage.md). createMeshNode(platform, transport,
// options) builds a node over any MeshTransport: Node TCP/UDP (src/node/mesh-transport.ts) or the
// in-memory network (MemoryMeshNetwork) for simulations.
import type { Platform } from "../platform/index.ts";
import { MeshNode, type MeshNodeOptions } from "./node.ts";
import type { MeshTransport } from "./transport.ts";

export function createMeshNode(platform: Platform, transport: MeshTransport, options: MeshNodeOptions): MeshNode {
  return new MeshNode(platform, transport, options);
}

export { MeshNode, type Delivery, type MeshNodeOptions, type MsaPolicyName } from "./node.ts";
export type { SendResult } from "./router.ts";
export type { MeshConn, MeshConnCloseReason, MeshTransport } from "./transport.ts";
export { MemoryMeshNetwork } from "./memory-net.ts";
export { MeshError, type MeshErrorReason } from "./errors.ts";
export { CMD_ACK, CMD_MESSAGE, CMD_MSA, MESSAGE_TYPE, stringBody, type AckMessage, type DataMessage, type MeshMessage, type MsaMessage, type OtherMessage } from "./message.ts";
export { encodeMessage, readMessage } from "./message-codec.ts";
export { Topology } from "./topology.ts";
export { SequenceTable } from "./lollipop.ts";
export { dot } from "./dot.ts";
export { expandTargets } from "./ranges.ts";
export { parseSolicitation, solicitationPayload } from "./solicit.ts";
export { MeshStats } from "./stats.ts";
export * from "./constants.ts";
export * as gob from "./gob/index.ts";
