// Typed failures of the relay: one class per family, each with a stable `code` and a `reason`
// discriminant that metrics and close decisions switch on. Decoders carry the byte offset.
import { GossamerError } from "../util/index.ts";

export type RelayDecodeReason =
  | "empty" // zero-length message
  | "truncated" // shorter than its type requires
  | "version" // byte 0 is not PROTOCOL_VERSION
  | "unknown-type" // type byte not defined
  | "unsupported-type" // defined but not accepted here (legacy hello, server->client types from a client, ...)
  | "oversize" // over MAX_MSG_SIZE / MAX_AUTH_MSG_SIZE / MAX_AUTH_RESPONSE_SIZE
  | "magic" // auth magic cookie mismatch
  | "id-list" // peer-ID list empty or not a multiple of 36 bytes
  | "utf8"; // auth response URL not valid UTF-8

/** A relay message could not be decoded. `offset` is where the input went wrong. */
export class RelayDecodeError extends GossamerError {
  readonly reason: RelayDecodeReason;
  constructor(reason: RelayDecodeReason, message: string, offset: number, cause?: unknown) {
    super(`relay.decode.${reason}`, message, { offset, cause });
    this.reason = reason;
  }
}

export type RelayAuthReason = "malformed" | "algo" | "signature" | "expired" | "peer";

/** An auth token was rejected. The server closes the connection without a reply. */
export class RelayAuthError extends GossamerError {
  readonly reason: RelayAuthReason;
  constructor(reason: RelayAuthReason, message: string, cause?: unknown) {
    super(`relay.auth.${reason}`, message, cause === undefined ? undefined : { cause });
    this.reason = reason;
  }
}

/** A peer ID in printable form (or bytes) is not a valid 36-byte relay peer ID. */
export class RelayPeerIdError extends GossamerError {
  constructor(message: string, offset?: number) {
    super("relay.peer_id", message, offset === undefined ? undefined : { offset });
  }
}

export type RelayClientReason = "closed" | "timeout" | "rejected" | "protocol" | "state";

/** Client-side failures: the relay closed us, did not answer in time, or spoke out of turn. */
export class RelayClientError extends GossamerError {
  readonly reason: RelayClientReason;
  constructor(reason: RelayClientReason, message: string, cause?: unknown) {
    super(`relay.client.${reason}`, message, cause === undefined ? undefined : { cause });
    this.reason = reason;
  }
}

/** Why a packet was dropped (never reported to the sender; counted). Append only. */
export type RelayDropReason =
  | "peer_not_found" // destination is nowhere (no forwarder, or the forwarder said so)
  | "forward_error" // the forwarder failed
  | "forwarded_peer_gone" // a packet forwarded to us for a peer no longer here
  | "send_failed" // the destination's connection refused the write
  | "backpressure"; // the destination's send buffer is full

/** A forwarder may reject with this to say why a packet could not be delivered. */
export class RelayForwardError extends GossamerError {
  readonly reason: RelayDropReason;
  constructor(reason: RelayDropReason, message: string, cause?: unknown) {
    super(`relay.forward.${reason}`, message, cause === undefined ? undefined : { cause });
    this.reason = reason;
  }
}
