// Typed failures of the cluster fabric: one class per family, each with a stable `code` and a `reason`
// discriminant (metrics switch on it). Decoders carry the byte offset where the input went wrong.
import { GossamerError } from "../../util/index.ts";

export type FabricDecodeReason =
  | "truncated" // shorter than the header / declared length / the type's layout
  | "oversize" // payload over 65535 bytes, or a list over its limit
  | "length" // payload length does not match the type's fixed layout
  | "value" // a field holds a value the layout forbids (bad presence state, empty list, bad hmac_len, ...)
  | "version"; // HELLO version we do not speak

/** A fabric frame or payload could not be decoded. */
export class FabricDecodeError extends GossamerError {
  readonly reason: FabricDecodeReason;
  constructor(reason: FabricDecodeReason, message: string, offset: number, cause?: unknown) {
    super(`fabric.decode.${reason}`, message, { offset, cause });
    this.reason = reason;
  }
}

/** Why a HELLO was refused (upstream's relay_cluster_hello_rejects_total reasons). Append only. */
export type HelloRejectReason =
  | "hmac_mismatch"
  | "unsigned_but_required"
  | "signed_but_unsupported"
  | "stale_timestamp"
  | "malformed"
  | "timeout"
  | "first_frame_not_hello";

export const HELLO_REJECT_REASONS: readonly HelloRejectReason[] = [
  "hmac_mismatch",
  "unsigned_but_required",
  "signed_but_unsupported",
  "stale_timestamp",
  "malformed",
  "timeout",
  "first_frame_not_hello",
];

/** A pod's HELLO was rejected; the stream is closed without a reply. */
export class FabricHelloError extends GossamerError {
  readonly reason: HelloRejectReason;
  constructor(reason: HelloRejectReason, message: string, cause?: unknown) {
    super(`fabric.hello.${reason}`, message, cause === undefined ? undefined : { cause, offset: cause instanceof GossamerError ? cause.offset : undefined });
    this.reason = reason;
  }
}

/** The fabric's configuration is unsafe or inconsistent (e.g. no secret and not marked insecure). */
export class FabricConfigError extends GossamerError {
  constructor(message: string) {
    super("fabric.config", message);
  }
}
