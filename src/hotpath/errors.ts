// Typed errors of the hot path. Frame scanners and the relay header check throw HotpathFrameError only;
// its `code` is stable API (callers and metrics switch on it) and `offset` is the byte offset (relative
// to the scanned buffer / window) where the input went wrong.
import { GossamerError } from "../util/index.ts";

export type HotpathFrameErrorCode =
  /** ckit: first byte of a frame is neither 0xCC nor 0xCD; compound: byte 0 is not 0x07. */
  | "frame_bad_magic"
  /** ckit: declared payload length exceeds the configured maximum. */
  | "frame_too_large"
  /** compound: the count byte or the length slice is cut off. */
  | "compound_header"
  /** compound: parts run past the end of the message; the earlier parts (`frames`) are valid and memberlist
   * still handles them, `truncated` counts the lost ones. */
  | "compound_truncated"
  /** relay: fewer than 2 bytes, or a transport message shorter than 38 bytes. */
  | "relay_short"
  /** relay: byte 0 (protocol version) is not 1. */
  | "relay_version"
  /** relay: the peer-ID swap was asked for a message whose type is not 3 (transport). */
  | "relay_not_transport"
  /** relay: the sender ID handed to the swap is not 36 bytes. */
  | "relay_id_length"
  /** a window range or (offset, length) pair lies outside the input window. */
  | "frame_out_of_window";

export class HotpathFrameError extends GossamerError {
  declare readonly code: HotpathFrameErrorCode;
  /** Frames (or parts) written to the pairs window before the error; they are valid and can be used. */
  readonly frames: number;
  /** compound_truncated: number of parts that ran past the end; 0 otherwise. */
  readonly truncated: number;
  constructor(code: HotpathFrameErrorCode, message: string, offset: number, frames = 0, truncated = 0) {
    super(code, message, { offset });
    this.frames = frames;
    this.truncated = truncated;
  }
}
