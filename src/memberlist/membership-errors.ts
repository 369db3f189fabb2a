// Errors of the membership layer (joins, push/pull merges, sends to unknown members). The wire layer's
// errors are in errors.ts (MemberlistError); these sit above it and carry it as `cause` when relevant.
import { GossamerError } from "../util/index.ts";

/** Stable codes, prefixed "membership.". Append only. */
export type MembershipErrorKind =
  | "incompatible_version" // verifyProtocol rejected a push/pull
  | "merge_rejected" // the MergeDelegate vetoed a join
  | "remote_error" // the peer answered with errResp
  | "bad_reply" // the peer answered with something other than what the exchange expects
  | "join_failed" // no address completed a push/pull
  | "unknown_node" // send to a name we do not know
  | "bad_address" // an address that is not host[:port]
  | "shut_down" // operation on a shut-down memberlist
  | "config"; // invalid configuration

export class MembershipError extends GossamerError {
  readonly kind: MembershipErrorKind;
  constructor(kind: MembershipErrorKind, message: string, options?: { cause?: unknown }) {
    super(`membership.${kind}`, message, options);
    this.kind = kind;
  }
}
