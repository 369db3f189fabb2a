// Window bookkeeping shared by both hot-path facades: defaults, range checks on caller-given offsets
// (so that neither implementation ever reads outside its input window), and option normalisation.
import { HotpathFrameError } from "./errors.ts";
import type { ScanOptions } from "./types.ts";

/** ABI revision the facades implement; equals BUILD_ID in assembly/index.ts. */
export const HOTPATH_ABI_BUILD_ID = 2;
export const DEFAULT_INPUT_BYTES = 1 << 20;
export const DEFAULT_MAX_PAIRS = 16384;
/** A compound message has at most 255 parts, so the pairs window always holds one. */
export const MIN_PAIRS = 256;
export const MAX_CKIT_LENGTH = 0xffffffff;

export function normPairs(n: number): number {
  if (!Number.isInteger(n) || n < MIN_PAIRS) return MIN_PAIRS;
  return Math.min(n, 1 << 24);
}

export function maxFrameOf(o: ScanOptions | undefined): number {
  const m = o?.maxFrame;
  if (m === undefined || !(m >= 0)) return MAX_CKIT_LENGTH;
  return Math.min(Math.floor(m), MAX_CKIT_LENGTH);
}

/** Throws unless 0 <= start <= end <= size (all integers). */
export function checkRange(start: number, end: number, size: number): void {
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= size)) {
    throw new HotpathFrameError("frame_out_of_window", `range [${start}, ${end}) is outside the ${size}-byte input window`, start);
  }
}

/** Throws unless count fits the pairs window and every pair lies inside the input window. */
export function checkPairs(pairs: Uint32Array, count: number, maxPairs: number, size: number): void {
  if (!(Number.isInteger(count) && count >= 0 && count <= maxPairs)) {
    throw new HotpathFrameError("frame_out_of_window", `pair count ${count} exceeds the pairs window (${maxPairs})`, 0);
  }
  for (let i = 0; i < count; i++) {
    const off = pairs[2 * i]!;
    if (off > size || pairs[2 * i + 1]! > size - off) {
      throw new HotpathFrameError("frame_out_of_window", `pair ${i} (${off}, ${pairs[2 * i + 1]}) is outside the input window`, off, i);
    }
  }
}

/** Bytes per record of a relay peer-ID swap burst in the input window (assembly/frames.ts relaySwapBurst). */
export const BURST_RECORD_BYTES = 80;

/** Throws unless a burst of `count` messages fits the results window (one i32 each, at most maxPairs). */
export function checkBurst(count: number, maxPairs: number): void {
  if (!(Number.isInteger(count) && count >= 0 && count <= maxPairs)) {
    throw new HotpathFrameError("frame_out_of_window", `burst of ${count} messages exceeds the results window (${maxPairs})`, 0);
  }
}

/** Throws relay_id_length unless each of the first `count` sender IDs is 36 bytes. */
export function checkBurstIds(ids: readonly Uint8Array[], count: number): void {
  for (let i = 0; i < count; i++) {
    if (ids[i]?.length !== 36) throw new HotpathFrameError("relay_id_length", `sender ID ${i} of the burst must be 36 bytes`, 0, i);
  }
}
