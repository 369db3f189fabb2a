// Typed errors of the longest-prefix-match table. A rejected call leaves the table unchanged. The codes
// are stable API (callers and metrics switch on them).
import { GossamerError } from "../util/index.ts";

export type LpmErrorCode =
  /** the address is not a Uint8Array of 4 (IPv4) or 16 (IPv6) bytes. */
  | "lpm_bad_address"
  /** the prefix length is not an integer in 0..32 (IPv4) or 0..128 (IPv6). */
  | "lpm_bad_prefix_len"
  /** the value is not an integer in 0..NO_ROUTE-1. */
  | "lpm_bad_value"
  /** a batch size is not an integer in 0..2^20. */
  | "lpm_bad_batch"
  /** the lookup structure would pass the 128 MiB the layout can address. */
  | "lpm_capacity";

export class LpmError extends GossamerError {
  declare readonly code: LpmErrorCode;
  constructor(code: LpmErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
