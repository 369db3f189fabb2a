// Typed failures of the gob codec. Decoding errors carry `offset`: the byte position in the STREAM
// (counted from the first byte the decoder was given) where the input went wrong, so a bad capture can
// be located with a hex dump. The `reason` discriminant is stable; `code` is `mesh.gob.<reason>`.
import { GossamerError } from "../../util/index.ts";

export type GobErrorReason =
  | "truncated" // a value runs past the end of its unit (or the stream ended mid-unit at close)
  | "bad-uint" // a uint's byte-count byte announces more than 8 bytes
  | "overflow" // a number does not fit where it is used (count, id, int64)
  | "unit-too-large" // a unit's count exceeds the configured limit
  | "limit" // another configured limit (depth, elements, types, units per item, name length)
  | "type-id" // a type id that cannot be defined or used here
  | "duplicate-type" // a definition for an id already defined on this stream
  | "unknown-type" // a value or field refers to an id with no definition
  | "wiretype" // a malformed type definition
  | "type-mismatch" // the value's wire type cannot be read as what the caller expects
  | "corrupt" // structurally invalid data (bad delta, non-zero singleton, array length mismatch)
  | "extra-data" // bytes left after a top-level type definition
  | "utf8" // a node name is not valid UTF-8
  | "encode"; // a value cannot be encoded with the type given

export class GobError extends GossamerError {
  readonly reason: GobErrorReason;
  constructor(reason: GobErrorReason, message: string, offset?: number, cause?: unknown) {
    super(`mesh.gob.${reason}`, message, { ...(offset !== undefined ? { offset } : {}), ...(cause !== undefined ? { cause } : {}) });
    this.reason = reason;
  }
}
