// Typed failures of the mesh node (codes `mesh.<reason>`); gob decoding failures are GobError.
import { GossamerError } from "../util/index.ts";

export type MeshErrorReason =
  | "send-self" // a send whose only recipient is this node
  | "no-client" // no link to that neighbour (hangup, or a next hop that just went away)
  | "link-closed" // the link closed (FIN/RST/EOF/decode error) while the send waited: fails at once
  | "timeout" // no ACK within the node timeout (the link is closed, as minimega does)
  | "queue-full" // too many sends queued on one link
  | "dial" // could not connect or complete the handshake
  | "refused" // the handshake ended by rule (self, already connected, no longer soliciting)
  | "no-recipients" // `send all` with nobody else in the mesh
  | "bad-target" // an unparsable recipient list or range
  | "stopped"; // the node is shut down

export class MeshError extends GossamerError {
  readonly reason: MeshErrorReason;
  constructor(reason: MeshErrorReason, message: string, cause?: unknown) {
    super(`mesh.${reason}`, message, cause === undefined ? undefined : { cause });
    this.reason = reason;
  }
}
