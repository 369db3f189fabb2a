// Typed errors of the ckit port (docs/protocols/ckit.md). Each
// family has a stable `code`; decoders also report the byte `offset`. Where ckit has an error text that
// users and tests know (shard lookups, message parsing, peer JSON), the message is ckit's text verbatim.
import { GossamerError } from "../util/index.ts";

/** Stable codes. Append only. */
export const CkitErrorCode = {
  /** shard: fewer eligible nodes than asked for ("not enough nodes: need at least N, have M"). */
  notEnoughNodes: "ckit.not_enough_nodes",
  /** shard: an Op other than Read (0) or ReadWrite (1) ("unknown op Op(2)"). */
  unknownOp: "ckit.unknown_op",
  /** shard: a negative owner count or a bad token count (Go panics here). */
  badArgument: "ckit.bad_argument",
  /** message: fewer than 3 bytes ("payload too small for message"). */
  tooSmall: "ckit.too_small",
  /** message: the first two bytes are not 12 01 ("invalid magic header 112"). */
  badMagic: "ckit.bad_magic",
  /** message: type byte other than 1 ("invalid message type N"). */
  badType: "ckit.bad_type",
  /** message / local state: the msgpack body is malformed, truncated ("EOF") or of the wrong shape. */
  badBody: "ckit.bad_body",
  /** peer JSON: unknown state string (`unknown state "bogus"`) or malformed JSON. */
  badPeer: "ckit.bad_peer",
  /** node: a state change other than viewer -> participant -> terminating. */
  badTransition: "ckit.bad_transition",
  /** node: used after stop(). */
  stopped: "ckit.stopped",
  /** gossiphttp frame: magic byte not 0xCC/0xCD, length over the limit, or the body ended mid-frame. */
  badFrame: "ckit.bad_frame",
} as const;
export type CkitErrorCodeValue = (typeof CkitErrorCode)[keyof typeof CkitErrorCode];

export class CkitError extends GossamerError {
  declare readonly code: CkitErrorCodeValue;
  constructor(code: CkitErrorCodeValue, message: string, options?: { cause?: unknown; offset?: number }) {
    super(code, message, options);
  }
}

/** A shard lookup could not be answered (not enough nodes, unknown op, negative count). */
export class ShardError extends CkitError {}

/** A gossip message, local state or peer JSON could not be decoded. */
export class CkitDecodeError extends CkitError {}

/** A gossiphttp frame could not be read. `offset` is relative to the start of the body or stream. */
export class CkitFrameError extends CkitError {}

/** ChangeState asked for a transition ckit does not allow; `from`/`to` are the state names. */
export class StateTransitionError extends CkitError {
  readonly from: string;
  readonly to: string;
  constructor(from: string, to: string) {
    super(CkitErrorCode.badTransition, `invalid transition from ${from} to ${to}`);
    this.from = from;
    this.to = to;
  }
}
