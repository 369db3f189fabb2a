// Gravity gossip wire constants (agentuity/go-common gravity/gossip, docs/protocols/gravity.md §1). ONE place for them.
//
// Envelope (JSON, no framing of its own): {"type": <uint8>, "payload": <JSON object, embedded raw>}
// The schema version V lives in each payload ("v", omitempty), never in the envelope.
//
// WARNING: message type numbers are part of the wire. They are only ever appended (Go declares them
// with iota + 1); never renumber or reuse one.
export const MSG_ENDPOINT_MAPPING = 1;
export const MSG_ENDPOINT_TOMBSTONE = 2;
export const MSG_NAT_ENTRY = 3;
export const MSG_VIP_HEARTBEAT = 4;
export const MSG_SUBNET_ROUTE = 5;

export type MessageType =
  | typeof MSG_ENDPOINT_MAPPING
  | typeof MSG_ENDPOINT_TOMBSTONE
  | typeof MSG_NAT_ENTRY
  | typeof MSG_VIP_HEARTBEAT
  | typeof MSG_SUBNET_ROUTE;

/** Go struct name per type number (also Go's MessageType.String()). */
export const MESSAGE_NAMES = {
  1: "EndpointMapping",
  2: "EndpointTombstone",
  3: "NATEntry",
  4: "VIPHeartbeat",
  5: "SubnetRoute",
} as const;

export type StructName = (typeof MESSAGE_NAMES)[MessageType];

export function isMessageType(n: number): n is MessageType {
  return n === 1 || n === 2 || n === 3 || n === 4 || n === 5;
}

/** SubnetRoute.action values. */
export const ROUTE_ADD = "add";
export const ROUTE_REMOVE = "remove";
