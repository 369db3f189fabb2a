// memberlist wire message model: the type byte values and the decoded structs, with Go's field names.
// Layouts are in docs/protocols/memberlist.md §2, §3. The numbers are fixed by upstream and are only
// ever appended to: never renumber or reuse a value.
//
// Byte/IP fields are Uint8Array (IPv4 as 4 bytes; receivers also accept 16-byte IPv4-mapped addresses).
// Go uint32/uint16 fields are plain numbers; Go `int` fields too (they never leave the int32 range here).

/** Message type byte (first byte of every message, packet or stream). Append only. */
export const MessageType = {
  ping: 0, // msgpack ping
  indirectPing: 1, // msgpack indirectPingReq
  ackResp: 2, // msgpack ackResp
  suspect: 3, // msgpack suspect
  alive: 4, // msgpack alive
  dead: 5, // msgpack dead
  pushPull: 6, // msgpack pushPullHeader, N × pushNodeState, raw user state (TCP)
  compound: 7, // u8 count, count × u16 BE lengths, messages (UDP)
  user: 8, // UDP: raw payload; TCP: msgpack userMsgHeader + raw payload
  compress: 9, // msgpack compress {Algo, Buf}
  encrypt: 10, // TCP: u32 BE length + encrypted payload (UDP encryption has no type byte)
  nackResp: 11, // msgpack nackResp
  hasCrc: 12, // u32 BE CRC-32 IEEE over the rest, then the message (UDP, outermost inside encryption)
  err: 13, // msgpack errResp (TCP reply)
  hasLabel: 244, // u8 length + label bytes (latest only; outermost)
} as const;
export type MessageTypeValue = (typeof MessageType)[keyof typeof MessageType];

/** pushNodeState.State / local node state. Append only. */
export const NodeStateType = { alive: 0, suspect: 1, dead: 2, left: 3 } as const;
export type NodeStateTypeValue = (typeof NodeStateType)[keyof typeof NodeStateType];

/** True for the node states this implementation knows (0..3); a push/pull may carry others (Go keeps them). */
export function isKnownNodeState(s: number): s is NodeStateTypeValue {
  return s === 0 || s === 1 || s === 2 || s === 3;
}

/** Message type names by type byte (the inverse of MessageType, for logs and metrics labels). */
export const MESSAGE_TYPE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(MessageType).map(([k, v]) => [v, k]));

/** Vsn = [PMin, PMax, PCur, DMin, DMax, DCur], 6 bytes on the wire (a raw string). */
export type Vsn = Uint8Array;

export interface Ping {
  SeqNo: number;
  Node: string;
  SourceAddr?: Uint8Array;
  SourcePort?: number;
  SourceNode?: string;
}
export interface IndirectPingReq {
  SeqNo: number;
  Target: Uint8Array;
  Port: number;
  Node: string;
  Nack: boolean;
  SourceAddr?: Uint8Array;
  SourcePort?: number;
  SourceNode?: string;
}
export interface AckResp {
  SeqNo: number;
  /** nil on the wire (0xc0) when null */
  Payload: Uint8Array | null;
}
export interface NackResp {
  SeqNo: number;
}
export interface ErrResp {
  Error: string;
}
export interface Suspect {
  Incarnation: number;
  Node: string;
  From: string;
}
export interface Alive {
  Incarnation: number;
  Node: string;
  Addr: Uint8Array;
  Port: number;
  /** nil on the wire (0xc0) when null; at most 512 bytes */
  Meta: Uint8Array | null;
  Vsn: Vsn;
}
export interface Dead {
  Incarnation: number;
  Node: string;
  From: string;
}
export interface PushPullHeader {
  Nodes: number;
  UserStateLen: number;
  Join: boolean;
}
export interface PushNodeState {
  Name: string;
  Addr: Uint8Array;
  Port: number;
  Meta: Uint8Array | null;
  Incarnation: number;
  /**
   * A Go `NodeStateType` (an int): NodeStateType values 0..3, or any other integer a peer sent. Go decodes
   * whatever int arrives and its mergeState ignores states it does not know, so the exchange survives;
   * ours does the same (see isKnownNodeState and state.ts mergeState).
   */
  State: number;
  Vsn: Vsn;
}
export interface UserMsgHeader {
  UserMsgLen: number;
}
export interface Compress {
  Algo: number;
  Buf: Uint8Array;
}

/** A decoded single (non-layer) message: the discriminated union the state machine dispatches on. */
export type Message =
  | { type: "ping"; body: Ping }
  | { type: "indirectPing"; body: IndirectPingReq }
  | { type: "ackResp"; body: AckResp }
  | { type: "nackResp"; body: NackResp }
  | { type: "suspect"; body: Suspect }
  | { type: "alive"; body: Alive }
  | { type: "dead"; body: Dead }
  | { type: "user"; body: Uint8Array }
  | { type: "err"; body: ErrResp };

/** A decoded push/pull exchange (stream). */
export interface PushPull {
  header: PushPullHeader;
  states: PushNodeState[];
  userState: Uint8Array;
}
