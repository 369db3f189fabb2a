// Typed errors of the gossip state store. A rejected message (or batch) changes nothing.
// Codes are stable API: `state.reject.<reason>`, `state.storage.<reason>`.
import { GossamerError } from "../util/index.ts";

export type StateRejectReason =
  /** The record key is empty (container_id, NAT key, vip, subnet). */
  | "empty_key"
  /** SubnetRoute.subnet is not an IPv4/IPv6 prefix. */
  | "bad_subnet"
  /** SubnetRoute.action is neither "add" nor "remove". */
  | "bad_action";

export class StateRejectError extends GossamerError {
  readonly reason: StateRejectReason;
  /** Index of the offending message in a batch, if any. */
  readonly index: number | undefined;
  constructor(reason: StateRejectReason, message: string, options?: { index?: number; cause?: unknown }) {
    super(`state.reject.${reason}`, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.index = options?.index;
  }
}

export class StateStorageError extends GossamerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("state.storage.corrupt", message, options);
  }
}
