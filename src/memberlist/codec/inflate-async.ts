// Stream decompression without blocking the event loop. A compressed stream message (up to 16 MiB once
// inflated) is decoded in slices of INFLATE_SLICE_BYTES of output; each slice spends that much of a
// WorkGate (a budget per event-loop turn shared by every stream of the member), and its output is charged
// to the connection's memory budget (StreamConn.charge, the Node transport's StreamBudget) before the
// next slice runs. The cap is inflateCap(): the caller's maxOut and maxInflateRatio x the compressed size
// (inflateRatioFloor at least).
// The decoder's buffers are reused (lzw-pool.ts): a flood of bombs refused at the cap leaves little garbage.
// Failure is a typed MemberlistError: limit (cap, or charge refused), compression (bad LZW), as inflate().
import { MemberlistCompressionError, MemberlistLimitError } from "../errors.ts";
import type { Compress } from "../messages.ts";
import type { WorkGate } from "../../util/index.ts";
import { inflateCap } from "./compress.ts";
import type { ResolvedLimits } from "./limits.ts";
import { LzwDecoder } from "./lzw.ts";

/** Output bytes per slice (~1-2 ms of LZW decoding on one core). */
export const INFLATE_SLICE_BYTES = 64 * 1024;

export interface InflateHooks {
  /** Work budget per turn; without one every slice runs at once (still bounded by the cap). */
  gate?: WorkGate;
  /** Charges `bytes` more of output to the connection; false refuses (the inflation fails). */
  charge?: (bytes: number) => boolean;
}

export async function inflateAsync(c: Compress, maxOut: number, offset: number, limits: ResolvedLimits, hooks: InflateHooks): Promise<Uint8Array> {
  const cap = inflateCap(c.Buf.length, maxOut, limits.maxInflateRatio, limits.inflateRatioFloor);
  let charged = 0;
  const ticket = hooks.gate?.ticket(); // older inflations go first: few partial outputs live at once
  // The decoder (its tables and output buffer, lzw-pool.ts) is taken only once the first slice may run:
  // streams waiting in line hold nothing but their compressed bytes.
  const first = hooks.gate?.spend(INFLATE_SLICE_BYTES, ticket);
  if (first) await first;
  const d = new LzwDecoder(c.Buf, cap);
  try {
    for (let slice = 0; ; slice++) {
      const wait = slice === 0 ? null : hooks.gate?.spend(INFLATE_SLICE_BYTES, ticket);
      if (wait) await wait;
      const done = d.run(INFLATE_SLICE_BYTES);
      const grown = d.produced - charged;
      if (grown > 0 && hooks.charge && !hooks.charge(grown)) {
        throw new MemberlistLimitError(`inflating past ${d.produced} bytes: the stream memory budget is exhausted`, { offset });
      }
      charged = d.produced;
      if (done) break;
    }
  } catch (e) {
    d.release();
    if (e instanceof MemberlistLimitError) throw new MemberlistLimitError(e.message, { cause: e, offset });
    if (e instanceof MemberlistCompressionError) throw new MemberlistCompressionError(e.message, { cause: e, offset });
    throw e;
  }
  const out = d.result();
  d.release();
  if (out.length === 0) throw new MemberlistCompressionError("decompressed payload is empty", { offset });
  return out;
}
