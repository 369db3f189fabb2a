// Typed errors of the Gravity gossip codec. Codes are stable (`gossip.decode.<reason>`,
// `gossip.encode.<reason>`): the worker maps them to HTTP 400 and metrics label on them.
import { GossamerError } from "../util/index.ts";

export type GossipDecodeReason =
  /** Not JSON (syntax error, trailing data, invalid BOM, empty input). */
  | "malformed_json"
  /** Envelope type not 1..5 (Go: "unknown message type"). */
  | "unknown_type"
  /** Envelope without a payload key (Go: "unexpected end of JSON input"). */
  | "missing_payload"
  /** A value of the wrong JSON type (Go: json.UnmarshalTypeError), incl. non-integer number literals. */
  | "bad_field"
  /** An integer outside its Go type's range (uint8, uint16), or an int64 outside ±(2^53-1). */
  | "out_of_range"
  /** Input larger than the decoder's size limit. */
  | "too_large";

export class GossipDecodeError extends GossamerError {
  readonly reason: GossipDecodeReason;
  /** Path of the offending field ("payload.new_nats[1].src_port"), when there is one. */
  readonly field: string | undefined;
  constructor(reason: GossipDecodeReason, message: string, options?: { offset?: number; field?: string; cause?: unknown }) {
    super(`gossip.decode.${reason}`, message, options);
    this.reason = reason;
    this.field = options?.field;
  }
}

export type GossipEncodeReason =
  /** A type number the stamping step does not know (Go refuses to send it unversioned). */
  | "unknown_type"
  /** A field that cannot be represented (wrong JS type, port out of range, unsafe timestamp). */
  | "bad_field";

export class GossipEncodeError extends GossamerError {
  readonly reason: GossipEncodeReason;
  readonly field: string | undefined;
  constructor(reason: GossipEncodeReason, message: string, field?: string) {
    super(`gossip.encode.${reason}`, message);
    this.reason = reason;
    this.field = field;
  }
}
