// The meshage Message (docs/protocols/meshage.md §1) as a discriminated union. On the wire every kind is
// the same gob struct, fields in this order (zero fields are not sent):
//   f0 Recipients []string  f1 Source string  f2 Instance uint64  f3 CurrentRoute []string
//   f4 ID uint64            f5 Command int (0 ACK, 1 MSA, 2 MESSAGE)  f6 Body interface{}
import { GobInterface, INT, INTERFACE, STRING, STRING_SLICE, UINT, structOf, type GobStructType } from "./gob/index.ts";

export const CMD_ACK = 0;
export const CMD_MSA = 1;
export const CMD_MESSAGE = 2;

/** The Message struct as Go defines it (field names and order matter: Go matches fields by name). */
export const MESSAGE_TYPE: GobStructType = structOf("Message", [
  { name: "Recipients", type: STRING_SLICE },
  { name: "Source", type: STRING },
  { name: "Instance", type: UINT },
  { name: "CurrentRoute", type: STRING_SLICE },
  { name: "ID", type: UINT },
  { name: "Command", type: INT },
  { name: "Body", type: INTERFACE },
]);

/** The interface name Go registers for `[]string` (the MSA body). */
export const STRING_SLICE_NAME = "[]string";
/** The interface name of a `string` body (what `gossamer mesh send` sends). */
export const STRING_NAME = "string";

/** Hop-by-hop acknowledgement of the message with the same ID (MESSAGEs are ID 0). */
export interface AckMessage {
  readonly kind: "ack";
  readonly id: bigint;
}

/** Mesh State Announcement: Source's sorted neighbour list, flooded with Source's sequence number. */
export interface MsaMessage {
  readonly kind: "msa";
  readonly source: string;
  readonly instance: bigint;
  readonly route: readonly string[];
  readonly id: bigint;
  readonly neighbours: readonly string[];
}

/** A Set or Broadcast payload for `recipients`; `body` is any registered gob value (null when absent). */
export interface DataMessage {
  readonly kind: "message";
  readonly recipients: readonly string[];
  readonly source: string;
  readonly instance: bigint;
  readonly route: readonly string[];
  /** Always 0 from Go senders; kept so a forward is faithful. */
  readonly id: bigint;
  readonly body: GobInterface | null;
}

/** Anything else a peer sent (unknown Command, or an MSA whose body is not []string): ACKed, then dropped. */
export interface OtherMessage {
  readonly kind: "other";
  readonly command: number | bigint;
  readonly id: bigint;
  readonly source: string;
  readonly reason: string;
}

export type MeshMessage = AckMessage | MsaMessage | DataMessage | OtherMessage;

/** A string body, as minimega and `gossamer mesh send` carry text. */
export function stringBody(s: string): GobInterface {
  return new GobInterface(STRING_NAME, STRING, s);
}
